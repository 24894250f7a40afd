// Every kernel family, in both builds, against its scalar twin and against float64 sums
// computed here. Inputs are float32-exact, so a bound covers the kernel's own rounding only.
// GEMM bounds are Higham's |fl(Σ aᵢbᵢ) − Σ aᵢbᵢ| ≤ γₖ Σ|aᵢbᵢ| (Accuracy and Stability of
// Numerical Algorithms, eq. 3.5), valid for any summation order or fused multiply-add.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activate, derivative } from '../activations.js';
import type { Activation } from '../backend.js';
import { family, FAMILY_NAMES, OTHER_EXPORTS, type KernelFamily } from './kernels.js';
import type { WasmKernels } from './loader.js';
import { activationInputs, BUILDS, closeness, Heap, kernelsFor, seeded, U } from './test-harness.js';

/** Transcendental tolerance: |got − f64| ≤ FN_REL·|f64| + FN_ABS·scale. */
const FN_REL = 1e-5;
const FN_ABS = 1e-6;
const SENTINEL = 12345.5;

type Form = 'nn' | 'nt' | 'tn';
type GemmKernel = 'f32_gemm_5x8__simd' | 'f32_gemv__simd' | 'f32_gemm_1x4__scalar';
const GEMM_KERNELS: GemmKernel[] = ['f32_gemm_5x8__simd', 'f32_gemv__simd', 'f32_gemm_1x4__scalar'];

/** Strides of op(A) and op(B) for a form, as the backend passes them. */
function strides(form: Form, m: number, k: number, n: number): [number, number, number, number] {
  const [rsA, csA] = form === 'tn' ? [1, m] : [k, 1];
  const [rsB, csB] = form === 'nt' ? [1, k] : [n, 1];
  return [rsA, csA, rsB, csB];
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [129, 257, 13], [4, 3000, 9], [2, 700, 33], [3, 13, 5], [128, 256, 10], [37, 19, 3],
  [6, 9, 2], [5, 8, 8], [64, 64, 64], [130, 40, 600], [203, 30, 17], [11, 600, 12], [4, 1, 1],
];

for (const build of BUILDS) {
  describe(`kernels [${build}]`, () => {
    let k: WasmKernels;
    let heap: Heap;
    let simd: KernelFamily;
    let scalar: KernelFamily;

    beforeAll(async () => {
      k = await kernelsFor(build);
      heap = new Heap(k);
      simd = family(k.exports, 'simd');
      scalar = family(k.exports, 'scalar');
    });
    afterEach(() => heap.reset());

    it('exports every kernel the TypeScript side names, and says which build it is', () => {
      for (const name of FAMILY_NAMES) {
        expect(typeof k.exports[`f32_${name}__simd`], name).toBe('function');
        expect(typeof k.exports[`f32_${name}__scalar`], name).toBe('function');
      }
      for (const name of OTHER_EXPORTS) expect(typeof k.exports[name], name).toBe('function');
      expect(k.exports.is_relaxed()).toBe(build === 'relaxed-simd' ? 1 : 0);
      expect(k.build).toBe(build);
    });

    describe('gemm', () => {
      for (const [m, kk, n] of SHAPES) {
        for (const form of ['nn', 'nt', 'tn'] as Form[]) {
          it(`${form} ${m}×${kk}×${n}: every kernel matches the float64 product with α, β, and stays inside C`, () => {
            const r = seeded(`gemm ${form} ${m} ${kk} ${n}`);
            const A = r(m * kk);
            const B = r(kk * n);
            const C0 = r(m * n);
            const [rsA, csA, rsB, csB] = strides(form, m, kk, n);
            const work = heap.alloc(k.exports.f32_gemm_workspace_bytes() / 4);
            const pa = heap.put(A);
            const pb = heap.put(B);
            for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]]) {
              const want = new Float64Array(m * n);
              const mag = new Float64Array(m * n);
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < n; j++) {
                  let s = 0;
                  let a = 0;
                  for (let p = 0; p < kk; p++) {
                    const x = A[i * rsA + p * csA] * B[p * rsB + j * csB];
                    s += x;
                    a += Math.abs(x);
                  }
                  want[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * C0[i * n + j]);
                  mag[i * n + j] = Math.abs(alpha) * a + Math.abs(beta * C0[i * n + j]);
                }
              }
              for (const kernel of GEMM_KERNELS) {
                const guard = 16;
                // β = 0 must overwrite whatever C holds, NaN included.
                const start = beta === 0 ? new Float64Array(m * n).fill(Number.NaN) : C0;
                const pc = heap.put(start, guard);
                heap.f32(pc - guard * 4, guard).fill(SENTINEL);
                heap.f32(pc + m * n * 4, guard).fill(SENTINEL);
                k.exports[kernel](m, kk, n, pa, rsA, csA, pb, rsB, csB, pc, n, alpha, beta, work);
                const got = heap.get(pc, m * n);
                const bad = closeness(got, want, (i) => (kk + 4) * U * mag[i]);
                expect(bad, `${kernel} α=${alpha} β=${beta}`).toEqual([]);
                expect([...heap.f32(pc - guard * 4, guard), ...heap.f32(pc + m * n * 4, guard)].every((v) => v === SENTINEL), `${kernel} wrote outside C`).toBe(true);
              }
            }
            expect([...heap.get(pa, A.length)]).toEqual([...A]);
            expect([...heap.get(pb, B.length)]).toEqual([...B]);
          });
        }
      }

      it('gemv wider than its accumulator row in the workspace runs in chunks', () => {
        const n = k.exports.f32_gemm_workspace_bytes() / 4 + 7;
        const r = seeded('wide gemv');
        const [x, B, c0] = [r(2), r(2 * n), r(n)];
        const work = heap.alloc(k.exports.f32_gemm_workspace_bytes() / 4);
        const [px, pb, pc] = [heap.put(x), heap.put(B), heap.put(c0)];
        k.exports.f32_gemm_5x8__simd(1, 2, n, px, 2, 1, pb, n, 1, pc, n, 1, 0.5, work);
        const got = heap.f32(pc, n);
        let bad = 0;
        for (let j = 0; j < n; j++) {
          const want = x[0] * B[j] + x[1] * B[n + j] + 0.5 * c0[j];
          if (Math.abs(got[j] - want) > 6 * U * (Math.abs(x[0] * B[j]) + Math.abs(x[1] * B[n + j]) + Math.abs(0.5 * c0[j]))) bad++;
        }
        expect(bad).toBe(0);
      });

      it('K = 0 gives β·C (0 for β = 0, even over NaN), and M = 0 or N = 0 writes nothing', () => {
        const work = heap.alloc(k.exports.f32_gemm_workspace_bytes() / 4);
        for (const kernel of GEMM_KERNELS) {
          for (const m of [2, 9]) {
            const c0 = seeded(`k0 ${m}`)(m * 3);
            const pc = heap.put(c0);
            k.exports[kernel](m, 0, 3, 0, 0, 1, 0, 3, 1, pc, 3, 1, 0.5, work);
            expect([...heap.get(pc, m * 3)], kernel).toEqual([...c0].map((v) => Math.fround(v * 0.5)));
            const pn = heap.put(new Float64Array(m * 3).fill(Number.NaN));
            k.exports[kernel](m, 0, 3, 0, 0, 1, 0, 3, 1, pn, 3, 1, 0, work);
            expect([...heap.get(pn, m * 3)], kernel).toEqual(new Array(m * 3).fill(0));
          }
          const pz = heap.put([SENTINEL]);
          k.exports[kernel](0, 5, 1, 0, 5, 1, 0, 1, 1, pz, 1, 1, 0, work);
          k.exports[kernel](1, 5, 0, 0, 5, 1, 0, 1, 1, pz, 0, 1, 0, work);
          expect(heap.get(pz, 1)[0], kernel).toBe(SENTINEL);
        }
      });
    });

    describe('activations', () => {
      const x = activationInputs();
      const kinds: [Activation, keyof KernelFamily, keyof KernelFamily][] = [
        ['relu', 'vrelu', 'vrelu_grad'],
        ['leaky-relu', 'vlrelu', 'vlrelu_grad'],
        ['tanh', 'vtanh', 'vtanh_grad'],
        ['sigmoid', 'vsigmoid', 'vsigmoid_grad'],
        ['softplus', 'vsoftplus', 'vsoftplus_grad'],
      ];
      for (const [kind, fwd, bwd] of kinds) {
        it(`${kind}: f(x) and dy·f′(z) within ${FN_REL} relative + ${FN_ABS} absolute, simd and scalar, on ${x.length} inputs`, () => {
          const slope = 0.2;
          const dy = seeded(`dy ${kind}`)(x.length, -2, 2);
          const want = x.map((v) => activate(kind, v, slope));
          const wantGrad = x.map((v, i) => dy[i] * derivative(kind, v, slope));
          const px = heap.put(x);
          const pd = heap.put(dy);
          for (const [isa, fam] of [['simd', simd], ['scalar', scalar]] as const) {
            // Odd lengths exercise the scalar tails of the f32x4 loops.
            for (const n of [x.length, x.length - 1, 3]) {
              const po = heap.alloc(n);
              (fam[fwd] as KernelFamily['vrelu'])(n, px, po, slope);
              expect(closeness(heap.get(po, n), want.subarray(0, n), (i) => FN_REL * Math.abs(want[i]) + FN_ABS), `${isa} ${kind} n=${n}`).toEqual([]);
              (fam[bwd] as KernelFamily['vrelu_grad'])(n, px, pd, po, slope);
              expect(
                closeness(heap.get(po, n), wantGrad.subarray(0, n), (i) => FN_REL * Math.abs(wantGrad[i]) + FN_ABS * Math.abs(dy[i])),
                `${isa} ${kind}′ n=${n}`,
              ).toEqual([]);
            }
          }
          // In place: out aliases x (forward) and dy (backward).
          const pin = heap.put(x);
          (simd[fwd] as KernelFamily['vrelu'])(x.length, pin, pin, slope);
          expect(closeness(heap.get(pin, x.length), want, (i) => FN_REL * Math.abs(want[i]) + FN_ABS), 'in place').toEqual([]);
          const pdy = heap.put(dy);
          (simd[bwd] as KernelFamily['vrelu_grad'])(x.length, px, pdy, pdy, slope);
          expect(closeness(heap.get(pdy, x.length), wantGrad, (i) => FN_REL * Math.abs(wantGrad[i]) + FN_ABS * Math.abs(dy[i])), 'grad in place').toEqual([]);
        });
      }

      it('the f32x4 transcendentals are within a few ulp where the values are not tiny', () => {
        // Tighter than the stated tolerance: catches a wrong polynomial coefficient that 1e-5 would hide.
        const grid = Float64Array.from({ length: 2001 }, (_, i) => Math.fround(-10 + i / 100));
        const px = heap.put(grid);
        const po = heap.alloc(grid.length);
        for (const [kind, fwd] of [['tanh', 'vtanh'], ['sigmoid', 'vsigmoid'], ['softplus', 'vsoftplus']] as const) {
          simd[fwd](grid.length, px, po, 0);
          const want = grid.map((v) => activate(kind, v));
          expect(closeness(heap.get(po, grid.length), want, (i) => 6 * U * Math.abs(want[i]) + 1e-30), kind).toEqual([]);
        }
      });
    });

    describe('elementwise', () => {
      const sizes = [0, 1, 3, 4, 5, 7, 8, 9, 33, 1001];
      it('add, sub, mul, scale, sign, fill and copy are correctly rounded, in and out of place', () => {
        for (const n of sizes) {
          const r = seeded(`ew ${n}`);
          const a = r(n, -3, 3);
          const b = r(n, -3, 3);
          if (n > 4) {
            a[1] = 0;
            a[2] = -0;
            a[3] = Number.NaN;
            b[4] = Infinity;
          }
          const pa = heap.put(a);
          const pb = heap.put(b);
          for (const fam of [simd, scalar]) {
            const po = heap.alloc(n);
            const cases: [string, () => void, (i: number) => number][] = [
              ['add', () => fam.vadd(n, pa, pb, po), (i) => a[i] + b[i]],
              ['sub', () => fam.vsub(n, pa, pb, po), (i) => a[i] - b[i]],
              ['mul', () => fam.vmul(n, pa, pb, po), (i) => a[i] * b[i]],
              ['scale', () => fam.vscale(n, pa, po, -1.5), (i) => -1.5 * a[i]],
              ['sign', () => fam.vsign(n, pa, po), (i) => (a[i] > 0 ? 1 : a[i] < 0 ? -1 : 0)],
              ['fill', () => fam.vfill(n, po, 2.5), () => 2.5],
              ['copy', () => fam.vcopy(n, pa, po), (i) => a[i]],
              ['clip', () => fam.vclip(n, pa, po, -1, 0.5), (i) => Math.min(Math.max(a[i], -1), 0.5)],
            ];
            for (const [name, run, f] of cases) {
              run();
              const got = [...heap.get(po, n)].map((v) => (Number.isNaN(v) ? 'NaN' : v + 0));
              const want = Array.from({ length: n }, (_, i) => Math.fround(f(i))).map((v) => (Number.isNaN(v) ? 'NaN' : v + 0));
              expect(got, `${name} n=${n}`).toEqual(want);
            }
            const pin = heap.put(a);
            fam.vmul(n, pin, pin, pin);
            expect([...heap.get(pin, n)].map(String), `mul in place n=${n}`).toEqual([...a].map((v) => String(Math.fround(v * v))));
          }
        }
      });

      it('axpy, traceDecay and adam match float64 within a few roundings', () => {
        for (const n of sizes) {
          const r = seeded(`upd ${n}`);
          const x = r(n, -2, 2);
          const y = r(n, -2, 2);
          for (const fam of [simd, scalar]) {
            const px = heap.put(x);
            const py = heap.put(y);
            fam.axpy(n, px, py, -0.75);
            expect(closeness(heap.get(py, n), y.map((v, i) => v - 0.75 * x[i]), (i) => 3 * U * (Math.abs(y[i]) + 0.75 * Math.abs(x[i]))), `axpy n=${n}`).toEqual([]);
            const pt = heap.put(y);
            fam.trace_decay(n, pt, px, 0.9);
            expect(closeness(heap.get(pt, n), y.map((v, i) => 0.9 * v + x[i]), (i) => 3 * U * (0.9 * Math.abs(y[i]) + Math.abs(x[i]))), `trace n=${n}`).toEqual([]);
            // One Adam step from m = y/4, v = y²/9 (Kingma & Ba 2015, Algorithm 1).
            const m0 = y.map((v) => Math.fround(v / 4));
            const v0 = y.map((v) => Math.fround((v * v) / 9));
            const [pw, pg, pm, pv] = [heap.put(y), heap.put(x), heap.put(m0), heap.put(v0)];
            const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, c1 = 1 - b1 ** 3, c2 = 1 - b2 ** 3;
            fam.adam(n, pw, pg, pm, pv, lr, b1, 1 - b1, b2, 1 - b2, eps, c1, c2);
            const mm = m0.map((v, i) => b1 * v + (1 - b1) * x[i]);
            const vv = v0.map((v, i) => b2 * v + (1 - b2) * x[i] * x[i]);
            const ww = y.map((v, i) => v - (lr * (mm[i] / c1)) / (Math.sqrt(vv[i] / c2) + eps));
            expect(closeness(heap.get(pm, n), mm, (i) => 4 * U * (b1 * Math.abs(m0[i]) + (1 - b1) * Math.abs(x[i]))), `adam m n=${n}`).toEqual([]);
            expect(closeness(heap.get(pv, n), vv, (i) => 4 * U * vv[i]), `adam v n=${n}`).toEqual([]);
            expect(closeness(heap.get(pw, n), ww, (i) => 2 * U * Math.abs(y[i]) + 1e-5 * Math.abs(ww[i] - y[i])), `adam w n=${n}`).toEqual([]);
          }
        }
      });
    });

    it('lif_step: spikes, reset, trace and ATan surrogate against float64, with and without the surrogate', () => {
      for (const n of [1, 3, 4, 9, 1001]) {
        const r = seeded(`lif ${n}`);
        const v0 = r(n, -0.5, 1.5);
        const inp = r(n, -0.3, 0.6);
        const tr0 = r(n, 0, 2);
        const [beta, theta, lambda, alpha] = [0.95, 1, 0.8, 2];
        for (const fam of [simd, scalar]) {
          for (const withSurrogate of [true, false]) {
            const [pv, pi, ps, pt] = [heap.put(v0), heap.put(inp), heap.alloc(n), heap.put(tr0)];
            const pg = withSurrogate ? heap.put(new Float64Array(n).fill(SENTINEL)) : 0;
            fam.lif_step(n, pv, pi, ps, pt, pg, beta, theta, lambda, (Math.PI * alpha) / 2, alpha / 2);
            const [v, sp, tr] = [heap.get(pv, n), heap.get(ps, n), heap.get(pt, n)];
            const g = withSurrogate ? heap.get(pg, n) : null;
            for (let i = 0; i < n; i++) {
              const u = Math.fround(beta) * v0[i] + inp[i];
              const err = 3 * U * (Math.abs(u) + Math.abs(inp[i]));
              // A potential within rounding of θ may fire either way; elsewhere the spike is exact.
              if (Math.abs(u - theta) <= err) continue;
              const s = u >= theta ? 1 : 0;
              expect(sp[i], `spike ${i}`).toBe(s);
              expect(Math.abs(v[i] - (s ? 0 : u)), `v ${i}`).toBeLessThanOrEqual(err);
              expect(Math.abs(tr[i] - (lambda * tr0[i] + s)), `trace ${i}`).toBeLessThanOrEqual(3 * U * (lambda * tr0[i] + s));
              if (g) {
                const d = (Math.PI * alpha * (u - theta)) / 2;
                const want = alpha / 2 / (1 + d * d);
                expect(Math.abs(g[i] - want), `surrogate ${i}`).toBeLessThanOrEqual(1e-6 * want);
              }
            }
          }
        }
      }
    });

    describe('rows and reductions', () => {
      const shapes: [number, number][] = [[1, 1], [3, 5], [7, 16], [13, 37], [128, 10], [2, 0], [0, 3]];
      it('add_row is correctly rounded and sum_rows is within (rows + 2)·u of the float64 sum, with α and β', () => {
        for (const [rows, cols] of shapes) {
          const r = seeded(`rows ${rows} ${cols}`);
          const x = r(rows * cols, -4, 4);
          const bias = r(cols);
          const out0 = r(cols);
          const px = heap.put(x);
          const pb = heap.put(bias);
          for (const fam of [simd, scalar]) {
            const po = heap.alloc(rows * cols);
            fam.add_row(rows, cols, px, pb, po);
            expect([...heap.get(po, rows * cols)], `add_row ${rows}×${cols}`).toEqual([...x].map((v, i) => Math.fround(v + bias[i % cols])));
            for (const [alpha, beta] of [[1, 0], [-0.5, 2]]) {
              const ps = heap.put(beta === 0 ? new Float64Array(cols).fill(Number.NaN) : out0);
              fam.sum_rows(rows, cols, px, ps, alpha, beta);
              const want = new Float64Array(cols);
              const mag = new Float64Array(cols);
              for (let j = 0; j < cols; j++) {
                let s = 0;
                let a = 0;
                for (let i = 0; i < rows; i++) {
                  s += x[i * cols + j];
                  a += Math.abs(x[i * cols + j]);
                }
                want[j] = alpha * s + (beta === 0 ? 0 : beta * out0[j]);
                mag[j] = Math.abs(alpha) * a + Math.abs(beta * out0[j]);
              }
              expect(closeness(heap.get(ps, cols), want, (j) => (rows + 2) * U * mag[j]), `sum_rows ${rows}×${cols} α=${alpha} β=${beta}`).toEqual([]);
            }
          }
        }
      });

      it('sumsq and dot accumulate in float64', () => {
        for (const n of [0, 1, 3, 4, 7, 100_003]) {
          const r = seeded(`dot ${n}`);
          const a = r(n, -3, 3);
          const b = r(n, -3, 3);
          const pa = heap.put(a);
          const pb = heap.put(b);
          let ss = 0;
          let d = 0;
          let mag = 0;
          for (let i = 0; i < n; i++) {
            ss += a[i] * a[i];
            d += a[i] * b[i];
            mag += Math.abs(a[i] * b[i]);
          }
          for (const fam of [simd, scalar]) {
            expect(Math.abs(fam.sumsq(n, pa) - ss)).toBeLessThanOrEqual(n * 2 ** -52 * ss);
            expect(Math.abs(fam.dot(n, pa, pb) - d)).toBeLessThanOrEqual(n * 2 ** -52 * mag);
          }
        }
      });

      it('argmax_rows picks the first largest entry; NaN never wins unless it is in column 0', () => {
        const rows = [
          [1, 3, 3, 2], [-5, -5, -5, -5], [Number.NaN, 1, 2, 0], [0, Number.NaN, -1, 5], [-Infinity, -1e38, -Infinity, -2e38], [7, 1, 1, 1],
        ];
        const px = heap.put(rows.flat());
        const po = heap.alloc(rows.length);
        k.exports.f32_argmax_rows__scalar(rows.length, 4, px, po);
        expect([...new Int32Array(k.memory.buffer, po, rows.length)]).toEqual([1, 0, 0, 3, 1, 0]);
      });

      it('softmax_ce: probabilities, gradient and loss against float64, stable at ±1000, in place', () => {
        for (const [rows, cols] of [[1, 1], [3, 5], [128, 10], [4, 9], [5, 37]] as [number, number][]) {
          const r = seeded(`sce ${rows} ${cols}`);
          const z = r(rows * cols, -8, 8);
          if (rows >= 3 && cols >= 3) {
            z[0] = 1000;
            z[1] = 1000;
            z[2] = -1000;
          }
          const t = new Float64Array(rows * cols);
          for (let i = 0; i < rows; i++) {
            if (i % 2 === 0) t[i * cols + (i % cols)] = 1;
            else for (let j = 0; j < cols; j++) t[i * cols + j] = Math.fround(1 / cols);
          }
          const wantP = new Float64Array(rows * cols);
          let wantLoss = 0;
          for (let i = 0; i < rows; i++) {
            const o = i * cols;
            let mx = -Infinity;
            for (let j = 0; j < cols; j++) mx = Math.max(mx, z[o + j]);
            let s = 0;
            for (let j = 0; j < cols; j++) s += Math.exp(z[o + j] - mx);
            for (let j = 0; j < cols; j++) {
              const lp = z[o + j] - mx - Math.log(s);
              wantP[o + j] = Math.exp(lp);
              if (t[o + j] !== 0) wantLoss -= t[o + j] * lp;
            }
          }
          const pz = heap.put(z);
          const pt = heap.put(t);
          for (const fam of [simd, scalar]) {
            const pp = heap.alloc(rows * cols);
            const pg = heap.alloc(rows * cols);
            const loss = fam.softmax_ce(rows, cols, pz, pt, pp, pg);
            const pBound = (i: number) => FN_REL * wantP[i] + FN_ABS;
            expect(closeness(heap.get(pp, rows * cols), wantP, pBound), `probs ${rows}×${cols}`).toEqual([]);
            expect(closeness(heap.get(pg, rows * cols), wantP.map((p, i) => p - t[i]), pBound), `grad ${rows}×${cols}`).toEqual([]);
            expect(Math.abs(loss - wantLoss)).toBeLessThanOrEqual(FN_REL * Math.abs(wantLoss) + FN_ABS * rows * 10);
            // No gradient pointer: probabilities only. Then probs written over the logits.
            const pq = heap.alloc(rows * cols);
            fam.softmax_ce(rows, cols, pz, pt, pq, 0);
            expect([...heap.get(pq, rows * cols)]).toEqual([...heap.get(pp, rows * cols)]);
            const pin = heap.put(z);
            fam.softmax_ce(rows, cols, pin, pt, pin, 0);
            expect([...heap.get(pin, rows * cols)]).toEqual([...heap.get(pp, rows * cols)]);
          }
        }
      });
    });

    it('the ceiling kernel runs and reports its flops per trip', () => {
      expect(k.exports.f32_ceiling_flops_per_iter()).toBe(96);
      expect(Number.isFinite(k.exports.f32_ceiling__simd(1000, 0.001))).toBe(true);
    });
  });
}
