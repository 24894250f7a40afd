// stdpOuter (the fused latency-code STDP outer product) and scaleRows (diag(s)·X) on every
// backend: against the closed form for one synapse and against the float64 reference on random,
// sparsely gated batches; and the wasm kernels' simd and scalar twins against each other.
import { describe, expect, it } from 'vitest';
import { stdpOuterArrays, type StdpParams } from '../index.js';
import { family } from '../wasm/kernels.js';
import { BUILDS, Heap, kernelsFor } from '../wasm/test-harness.js';
import { describeBackends } from './describe-backends.js';
import { inputs } from './random.js';
import { expectClose } from './tolerances.js';

const P: StdpParams = { window: 1, aPlus: 1, aMinus: 1.05, tauPlus: 0.2, tauMinus: 0.2 };
const K = (dt: number, p = P) => (dt >= 0 ? p.aPlus * Math.exp(-dt / p.tauPlus) : -p.aMinus * Math.exp(dt / p.tauMinus));

describeBackends('stdpOuter', (ctx) => {
  ctx.test('one synapse: pre before post potentiates, post before pre depresses, by the window K(t_post − t_pre)', () => {
    const be = ctx.be;
    // a_pre = 0.9 fires at 0.1, a_post = 0.5 at 0.5: Δt = +0.4. Swapped: Δt = −0.4.
    const pre = be.fromArray(2, 1, [0.9, 0.5], 'scratch');
    const post = be.fromArray(2, 1, [0.5, 0.9], 'scratch');
    const gate = be.fromArray(2, 1, [1, 0], 'scratch');
    const out = be.fromArray(1, 1, [Number.NaN], 'scratch');
    be.stdpOuter(pre, post, gate, out, P);
    const ltp = be.read(out)[0];
    expect(ltp).toBeGreaterThan(0);
    expect(Math.abs(ltp - K(0.4))).toBeLessThan(1e-6);
    be.write(gate, [0, 1]);
    be.stdpOuter(pre, post, gate, out, P);
    const ltd = be.read(out)[0];
    expect(ltd).toBeLessThan(0);
    expect(Math.abs(ltd - K(-0.4))).toBeLessThan(1e-6);
  });

  ctx.test('matches the float64 reference on a random batch with a sparse gate, with alpha and beta', () => {
    const rnd = inputs('stdpOuter/random');
    const n = 7;
    const d = 29; // not a multiple of 4: the kernel's tail runs too
    const h = 11;
    const pre = rnd.matrix(n, d, 0, 1);
    const post = rnd.matrix(n, h, 0, 1);
    const gate = rnd.matrix(n, h, 0, 1).map((g, i) => (i % 3 === 0 ? 0 : g));
    const start = rnd.matrix(h, d, -1, 1);
    const p = { window: 2, aPlus: 0.8, aMinus: 1.1, tauPlus: 0.3, tauMinus: 0.5, alpha: 0.25, beta: 0.5 };
    const [preB] = ctx.pair(n, d, pre);
    const [postB] = ctx.pair(n, h, post);
    const [gateB] = ctx.pair(n, h, gate);
    const [outB] = ctx.pair(h, d, start);
    ctx.be.stdpOuter(preB, postB, gateB, outB, p);
    const want = Float64Array.from(start);
    stdpOuterArrays(n, d, h, pre, post, gate, want, p);
    // n exponentials of ≤ 1 − ulp error each, summed: the f32 budget is a few ulp per term.
    const tol = ctx.be.precision === 'f64' ? 1e-12 : 2e-6 * n;
    expectClose('stdpOuter', d, ctx.be.read(outB), want, () => tol);
  });

  ctx.test('beta = 0 overwrites garbage, and bad shapes, aliasing or a non-positive τ are refused', () => {
    const be = ctx.be;
    const pre = be.fromArray(1, 2, [0.2, 0.7], 'scratch');
    const post = be.fromArray(1, 3, [0.1, 0.5, 0.9], 'scratch');
    const gate = be.fromArray(1, 3, [1, 1, 1], 'scratch');
    const out = be.fromArray(3, 2, new Array(6).fill(Number.NaN), 'scratch');
    be.stdpOuter(pre, post, gate, out, P);
    expect([...be.read(out)].every(Number.isFinite)).toBe(true);
    expect(() => be.stdpOuter(pre, post, gate, be.zeros(2, 3, 'scratch'), P)).toThrow(/stdpOuter: expected pre n×D/);
    expect(() => be.stdpOuter(pre, post, gate, out, { ...P, tauMinus: 0 })).toThrow(/tauPlus and tauMinus must be positive/);
    const sq = be.zeros(1, 1, 'scratch');
    expect(() => be.stdpOuter(sq, sq, sq, sq, P)).toThrow(/must not be the same tensor/);
  });
});

describeBackends('scaleRows', (ctx) => {
  ctx.test('diag(s)·X is correctly rounded, in and out of place, and refuses a mis-shaped s', () => {
    const rnd = inputs('scaleRows/random');
    const [rows, cols] = [5, 11];
    const x = rnd.matrix(rows, cols);
    const s = rnd.matrix(rows, 1, -2, 2);
    const [xB] = ctx.pair(rows, cols, x);
    const [sB] = ctx.pair(rows, 1, s);
    const [outB] = ctx.pair(rows, cols, new Array(rows * cols).fill(Number.NaN));
    const want = Array.from(x, (v, i) => v * s[Math.floor(i / cols)]);
    ctx.be.scaleRows(xB, sB, outB);
    // One multiplication of float32-exact inputs: correctly rounded, so within half an ulp.
    expectClose('scaleRows', cols, ctx.be.read(outB), want, (i) => Math.abs(want[i]) * ctx.tol.u);
    ctx.be.scaleRows(xB, sB, xB);
    expectClose('scaleRows in place', cols, ctx.be.read(xB), want, (i) => Math.abs(want[i]) * ctx.tol.u);
    expect(() => ctx.be.scaleRows(xB, ctx.be.zeros(1, rows, 'scratch'), outB)).toThrow(/scaleRows: s must be 5×1/);
  });
});

describe('stdp_outer kernel twins', () => {
  for (const build of BUILDS) {
    it(`${build}: simd and scalar agree within a few ulp and stay inside out`, async () => {
      const k = await kernelsFor(build);
      const heap = new Heap(k);
      const rnd = inputs(`stdp_outer/${build}`);
      const [n, d, h] = [5, 37, 6];
      const pre = heap.put(rnd.matrix(n, d, 0, 1));
      const post = heap.put(rnd.matrix(n, h, 0, 1));
      const gate = heap.put(rnd.matrix(n, h, 0, 1).map((g, i) => (i % 2 ? 0 : g)));
      const guard = 4;
      const outs = (['simd', 'scalar'] as const).map((isa) => {
        const o = heap.alloc(h * d, guard);
        heap.f32(o - guard * 4, h * d + 2 * guard).fill(-7);
        heap.f32(o, h * d).fill(0.5);
        family(k.exports, isa).stdp_outer(n, d, h, pre, post, gate, o, 1, 1, 1.05, 5, 5, 0.5, 2);
        const around = [...heap.f32(o - guard * 4, guard), ...heap.f32(o + h * d * 4, guard)];
        expect(around.every((v) => v === -7)).toBe(true);
        return heap.get(o, h * d);
      });
      const want = new Float64Array(h * d).fill(0.5);
      stdpOuterArrays(n, d, h, heap.get(pre, n * d), heap.get(post, n * h), heap.get(gate, n * h), want, { window: 1, aPlus: 1, aMinus: 1.05, tauPlus: 0.2, tauMinus: 0.2, alpha: 0.5, beta: 2 });
      expectClose('simd vs scalar', d, outs[0], outs[1], () => 1e-5);
      expectClose('simd vs float64', d, outs[0], want, () => 1e-5);
      heap.reset();
    });

    it(`${build}: scale_rows simd and scalar agree exactly`, async () => {
      const k = await kernelsFor(build);
      const heap = new Heap(k);
      const rnd = inputs(`scale_rows/${build}`);
      const [rows, cols] = [3, 13];
      const x = heap.put(rnd.matrix(rows, cols));
      const s = heap.put(rnd.matrix(rows, 1));
      const outs = (['simd', 'scalar'] as const).map((isa) => {
        const o = heap.alloc(rows * cols);
        family(k.exports, isa).scale_rows(rows, cols, x, s, o);
        return heap.get(o, rows * cols);
      });
      expect(outs[0]).toEqual(outs[1]);
      heap.reset();
    });
  }
});
