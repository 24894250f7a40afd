import { createBackend, ReferenceBackend, type Activation, type Backend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import { outputError, makeGrads } from '../../engine/backprop.js';
import { getRule, parseRuleOptions, type StepContext } from '../../engine/rule.js';
import { Network, type NetworkSpec } from '../../network/network.js';
import { createRng } from '../../rng.js';
import '../index.js';
import { colSums, dAct, fromFlat, map, map2, matmul, plainForward, transpose, type Mat, type PlainLayer } from '../../testing/plain.js';
import { maxAbsDiff } from '../../testing/step.js';
import type { TargetPropState } from './rule.js';

const SLOPE = 0.1;

function squareSpec(n: number, depth: number, act: Activation = 'leaky-relu', classUnits?: number): NetworkSpec {
  return {
    inputSize: n,
    leakySlope: SLOPE,
    layers: Array.from({ length: depth }, () => ({ size: n, activation: act })),
    ...(classUnits ? { classUnits } : {}),
  };
}

interface Case {
  net: Network;
  layers: PlainLayer[];
  x: Mat;
  labels: number[];
  dW: Mat[];
  db: number[][];
  state: TargetPropState | null;
}

/** One step of `rule` on a fresh float64 network (non-zero biases) and a random batch, everything returned as plain arrays. */
function step(
  rule: string, spec: NetworkSpec,
  o: { seed?: number; batch?: number; init?: 'orthogonal' | 'glorot-uniform'; ruleOptions?: object; weights?: Mat[]; backend?: Backend } = {},
): Case {
  const seed = o.seed ?? 1;
  const be = o.backend ?? new ReferenceBackend();
  const rng = createRng(seed);
  const net = Network.create(be, spec, rng.fork('init'), o.init ?? 'orthogonal');
  net.layers.forEach((l, i) => {
    const r = rng.fork(`bias-${i}`);
    be.write(l.b, Array.from({ length: l.outSize }, () => r.uniform(-0.1, 0.1)));
    if (o.weights) be.write(l.W, o.weights[i].flat());
  });
  const r = getRule(rule);
  const options = parseRuleOptions(r, o.ruleOptions ?? {});
  const state = r.init(net, rng.fork('rule'), options);
  const B = o.batch ?? 8;
  const br = rng.fork('batch');
  const x = Array.from({ length: B }, () => Array.from({ length: spec.inputSize }, () => br.uniform(0, 1)));
  const labels = Array.from({ length: B }, () => br.int(net.classUnits));
  const ws = net.workspace(B);
  net.setInput(ws, x.flat());
  net.setLabels(ws, labels);
  const layers: PlainLayer[] = net.layers.map((l) => ({ W: fromFlat(be.read(l.W), l.outSize, l.inSize), b: [...be.read(l.b)], act: l.activation }));
  const grads = makeGrads(net);
  const ctx: StepContext = { backend: be, net, ws, n: B, labels: Int32Array.from(labels), loss: 'mse', grads, rng: rng.fork('step'), epoch: 0, step: 0 };
  net.forward(ws);
  outputError(net, ws, 'mse');
  r.step(ctx, state, options);
  return {
    net, layers, x, labels,
    dW: grads.dW.map((t, i) => fromFlat(be.read(t), net.layers[i].outSize, net.layers[i].inSize)),
    db: grads.db.map((t) => [...be.read(t)]),
    state: state as TargetPropState | null,
  };
}

// ------------------------------------------------------------------ plain float64 references

/** Gauss–Jordan inverse with partial pivoting, written independently of the backend's LU. */
function plainInverse(a: Mat): Mat {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    m[c] = m[c].map((v) => v / d);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      if (f !== 0) m[r] = m[r].map((v, j) => v - f * m[c][j]);
    }
  }
  return m.map((row) => row.slice(n));
}

const fInv = (act: PlainLayer['act'], y: number) => (act === 'leaky-relu' && y < 0 ? y / SLOPE : y);

/** ∂/∂W of Σ_{i≠j} R_ij²: 4 W (R − diag R) for R = WᵀW, or 4 (R − diag R) W for R = WWᵀ (rows). */
function plainOrthoGrad(W: Mat, byRows: boolean): Mat {
  const R = byRows ? matmul(W, transpose(W)) : matmul(transpose(W), W);
  const off = R.map((row, i) => row.map((v, j) => (i === j ? 0 : v)));
  return map(byRows ? matmul(off, W) : matmul(W, off), (v) => 4 * v);
}

/**
 * The authors' equations (inv_net.py get_gait_updates / get_tp_updates) on nested arrays, in their
 * literal form τ_{l−1} = g⁻¹((1 − k) h + k τ): k = γf′² (gait), γ (itp); τ_{l−1} = g⁻¹(τ) (tp).
 * A layer narrower than the one below reads its first n_l units; the others keep their activity as target.
 */
function plainTargetProp(kind: 'gait' | 'itp' | 'tp', layers: PlainLayer[], x: Mat, labels: number[], classes: number, gamma: number, lambda: number) {
  const { z, h } = plainForward(layers, x, SLOPE);
  const L = layers.length;
  const N = x.length;
  // Output target: one-hot class units, own activity on auxiliary units.
  let tau: Mat = h[L - 1].map((row, i) => row.map((v, j) => (j < classes ? (labels[i] === j ? 1 : 0) : v)));
  let m = 1;
  const dW: Mat[] = [];
  const db: number[][] = [];
  for (let l = L - 1; l >= 0; l--) {
    const { W, b, act } = layers[l];
    const n = W.length;
    const fp = dAct(act, z[l], SLOPE);
    const e = map2(map2(h[l], tau, (a, c) => m * (a - c)), fp, (a, c) => a * c);
    const input = (l === 0 ? x : h[l - 1]).map((row) => row.map((v, j) => (l > 0 && j >= n ? 0 : v)));
    let g = map(matmul(transpose(e), input), (v) => v / N);
    if (lambda > 0) g = map2(g, plainOrthoGrad(W, l === 0 && n < W[0].length), (a, c) => a + lambda * c);
    dW[l] = g;
    db[l] = colSums(e).map((v) => v / N);
    if (l === 0) break;
    const u = kind === 'tp'
      ? tau
      : h[l].map((row, i) => row.map((v, j) => {
          const k = kind === 'gait' ? gamma * fp[i][j] * fp[i][j] : gamma;
          return (1 - k) * v + k * tau[i][j];
        }));
    const v = u.map((row) => row.map((y, j) => fInv(act, y) - b[j]));
    const Ainv = plainInverse(W.map((row) => row.slice(0, n)));
    const below = matmul(v, transpose(Ainv));
    tau = h[l - 1].map((row, i) => row.map((a, j) => (j < n ? below[i][j] : a)));
    if (kind !== 'tp') m /= gamma;
  }
  return { dW, db };
}

/** BP of ½‖h_L − t‖² (auxiliary units at zero error) with each layer's feedback matrix F_l in place of W_l. */
function plainBp(layers: PlainLayer[], x: Mat, labels: number[], classes: number, feedback: (l: number) => Mat) {
  const { z, h } = plainForward(layers, x, SLOPE);
  const L = layers.length;
  const N = x.length;
  let delta = map2(h[L - 1].map((row, i) => row.map((v, j) => (j < classes ? v - (labels[i] === j ? 1 : 0) : 0))), dAct(layers[L - 1].act, z[L - 1], SLOPE), (a, c) => a * c);
  const dW: Mat[] = [];
  for (let l = L - 1; l >= 0; l--) {
    dW[l] = map(matmul(transpose(delta), l === 0 ? x : h[l - 1]), (v) => v / N);
    if (l > 0) delta = map2(matmul(delta, feedback(l)), dAct(layers[l - 1].act, z[l - 1], SLOPE), (a, c) => a * c);
  }
  return dW;
}

function compare(a: Mat, b: Mat): { cos: number; rel: number } {
  const x = a.flat();
  const y = b.flat();
  let d = 0;
  let nx = 0;
  let ny = 0;
  let e = 0;
  for (let i = 0; i < x.length; i++) {
    d += x[i] * y[i];
    nx += x[i] * x[i];
    ny += y[i] * y[i];
    e += (x[i] - y[i]) ** 2;
  }
  return { cos: d / Math.sqrt(nx * ny), rel: Math.sqrt(e / ny) };
}

const relErr = (a: Mat | number[], b: Mat | number[]) => maxAbsDiff(a, b) / Math.max(1e-300, ...(b as number[][]).flat().map(Math.abs));

// ------------------------------------------------------------------ tests

describe('gait-prop, tp, itp: every update equals the equations recomputed in plain float64', () => {
  const spec = squareSpec(7, 4, 'leaky-relu', 3);
  for (const [rule, kind, gamma, lambda] of [
    ['gait-prop', 'gait', 0.1, 0], ['gait-prop', 'gait', 1e-3, 0.1], ['itp', 'itp', 0.05, 0.1], ['tp', 'tp', 1, 2],
  ] as const) {
    it(`${rule} (γ = ${gamma}, λ = ${lambda}) on a 4-layer square net with auxiliary output units`, () => {
      const opts = rule === 'tp' ? { orthoReg: lambda } : { gamma, orthoReg: lambda };
      const s = step(rule, spec, { seed: 5, ruleOptions: opts, init: 'glorot-uniform' });
      const ref = plainTargetProp(kind, s.layers, s.x, s.labels, 3, gamma, lambda);
      // Targets are differences of O(1) activities re-amplified by 1/γ per layer: allow eps/γ^(L−1).
      const tol = 1e-12 / (kind === 'tp' ? 1 : gamma ** 3);
      for (let l = 0; l < 4; l++) {
        expect(relErr(s.dW[l], ref.dW[l])).toBeLessThan(tol);
        expect(relErr(s.db[l], ref.db[l])).toBeLessThan(tol);
      }
    });
  }

  it('gait-prop with a wide first layer (12→6→6→6, never inverted; the regulariser makes its rows orthogonal)', () => {
    const spec: NetworkSpec = { inputSize: 12, leakySlope: SLOPE, classUnits: 3, layers: [6, 6, 6].map((size) => ({ size, activation: 'leaky-relu' as const })) };
    const s = step('gait-prop', spec, { seed: 7, ruleOptions: { gamma: 0.05, orthoReg: 0.3 } });
    const ref = plainTargetProp('gait', s.layers, s.x, s.labels, 3, 0.05, 0.3);
    for (let l = 0; l < 3; l++) expect(relErr(s.dW[l], ref.dW[l])).toBeLessThan(1e-9);
  });

  it('gait-prop on a tower (8→8→6→4: each layer reads the first n_l units below) keeps unread columns at zero', () => {
    const spec: NetworkSpec = { inputSize: 8, leakySlope: SLOPE, layers: [{ size: 8, activation: 'leaky-relu' }, { size: 6, activation: 'leaky-relu' }, { size: 4, activation: 'leaky-relu' }] };
    const s = step('gait-prop', spec, { seed: 2, ruleOptions: { gamma: 0.01, orthoReg: 0.5 } });
    // Truncated layers start as Haar-orthogonal square blocks padded with zeros.
    const A = s.layers[1].W.map((r) => r.slice(0, 6));
    expect(maxAbsDiff(matmul(transpose(A), A), A.map((r, i) => r.map((_, j) => (i === j ? 1 : 0))))).toBeLessThan(1e-12);
    expect(s.layers[1].W.flatMap((r) => r.slice(6)).every((v) => v === 0)).toBe(true);
    const ref = plainTargetProp('gait', s.layers, s.x, s.labels, 4, 0.01, 0.5);
    for (let l = 0; l < 3; l++) expect(relErr(s.dW[l], ref.dW[l])).toBeLessThan(1e-9);
    expect(s.dW[1].flatMap((r) => r.slice(6)).every((v) => v === 0)).toBe(true);
    expect(s.dW[2].flatMap((r) => r.slice(4)).every((v) => v === 0)).toBe(true);
  });
});

describe('gait-prop equals backprop for orthogonal weights (the paper\'s theorem)', () => {
  const spec = squareSpec(40, 5);
  const bpOf = (s: Case) => plainBp(s.layers, s.x, s.labels, 40, (l) => s.layers[l].W);

  it('γ = 0.1: relative error < 1e-6 in every layer', () => {
    const s = step('gait-prop', spec, { seed: 3, ruleOptions: { gamma: 0.1, orthoReg: 0 } });
    const bp = bpOf(s);
    for (let l = 0; l < 5; l++) expect(compare(s.dW[l], bp[l]).rel).toBeLessThan(1e-6);
  });

  it('γ = 1e-3 (the paper\'s value): cosine > 0.999 in every layer', () => {
    const s = step('gait-prop', spec, { seed: 3, ruleOptions: { gamma: 1e-3, orthoReg: 0 } });
    const bp = bpOf(s);
    for (let l = 0; l < 5; l++) expect(compare(s.dW[l], bp[l]).cos).toBeGreaterThan(0.999);
  });

  it('the deviation from BP shrinks with γ: it comes from perturbations that cross the leaky-ReLU kink', () => {
    // Leaky-ReLU is piecewise linear, so the only first-order error is units whose target crosses 0 (a fraction ∝ γ);
    // rounding (eps/γ per layer) is negligible one layer below the output. A large batch averages the crossings.
    const errs = [0.2, 0.02, 0.002].map((gamma) => {
      const s = step('gait-prop', squareSpec(30, 2), { seed: 11, batch: 1000, ruleOptions: { gamma, orthoReg: 0 } });
      return compare(s.dW[0], plainBp(s.layers, s.x, s.labels, 30, (l) => s.layers[l].W)[0]).rel;
    });
    expect(errs[0]).toBeGreaterThan(1e-4);
    expect(errs[1]).toBeLessThan(errs[0] / 3);
    expect(errs[2]).toBeLessThan(errs[1] / 3);
  });

  it('the output layer equals BP exactly, for any W and γ', () => {
    const s = step('gait-prop', spec, { seed: 4, init: 'glorot-uniform', ruleOptions: { gamma: 0.3, orthoReg: 0 } });
    expect(maxAbsDiff(s.dW[4], bpOf(s)[4])).toBeLessThan(1e-15);
  });

  it('linear nets: equal to BP for any γ', () => {
    const s = step('gait-prop', squareSpec(20, 4, 'linear'), { seed: 6, ruleOptions: { gamma: 0.5, orthoReg: 0 } });
    const bp = plainBp(s.layers, s.x, s.labels, 20, (l) => s.layers[l].W);
    for (let l = 0; l < 4; l++) expect(compare(s.dW[l], bp[l]).rel).toBeLessThan(1e-10);
  });

  it('negative control: for non-orthogonal W it is not BP, but BP with W⁻ᵀ in place of W carried down', () => {
    const s = step('gait-prop', spec, { seed: 3, init: 'glorot-uniform', ruleOptions: { gamma: 1e-3, orthoReg: 0 } });
    const bp = bpOf(s);
    const inv = plainBp(s.layers, s.x, s.labels, 40, (l) => transpose(plainInverse(s.layers[l].W)));
    for (let l = 0; l < 4; l++) {
      expect(Math.abs(compare(s.dW[l], bp[l]).cos)).toBeLessThan(0.5);
      expect(compare(s.dW[l], inv[l]).cos).toBeGreaterThan(0.99999);
    }
  });

  it('ITP and TP are not BP below the output even for orthogonal W', () => {
    for (const rule of ['itp', 'tp']) {
      const s = step(rule, spec, { seed: 3, ruleOptions: rule === 'tp' ? { orthoReg: 0 } : { gamma: 1e-3, orthoReg: 0 } });
      const bp = bpOf(s);
      expect(maxAbsDiff(s.dW[4], bp[4])).toBeLessThan(1e-15);
      expect(compare(s.dW[2], bp[2]).cos).toBeLessThan(0.999);
    }
  });
});

describe('precision', () => {
  it('float32 (wasm-simd) agrees with BP one layer below the output, but at γ = 1e-3 loses the bottom of a 5-layer net; float64 does not', async () => {
    const f32 = await createBackend('wasm-simd');
    const spec = squareSpec(40, 5);
    const s64 = step('gait-prop', spec, { seed: 3, ruleOptions: { gamma: 1e-3, orthoReg: 0 } });
    const bp = plainBp(s64.layers, s64.x, s64.labels, 40, (l) => s64.layers[l].W);
    const s32 = step('gait-prop', spec, { seed: 3, backend: f32, ruleOptions: { gamma: 1e-3, orthoReg: 0 } });
    expect(compare(s32.dW[3], bp[3]).cos).toBeGreaterThan(0.999);
    expect(compare(s32.dW[0], bp[0]).cos).toBeLessThan(0.9);
    expect(compare(s64.dW[0], bp[0]).cos).toBeGreaterThan(0.999);
    // A larger γ needs fewer digits (eps/γ^(L−l)): float32 at γ = 0.1 holds every layer while W is orthogonal.
    const big = step('gait-prop', spec, { seed: 3, backend: f32, ruleOptions: { gamma: 0.1, orthoReg: 0 } });
    for (let l = 0; l < 5; l++) expect(compare(big.dW[l], bp[l]).cos).toBeGreaterThan(0.99);
  });
});

describe('inverse model', () => {
  it('g⁻¹(g(x)) = x to 1e-12: TP with the forward output as target gives targets equal to the activities', () => {
    const spec = squareSpec(32, 4);
    const be = new ReferenceBackend();
    const net = Network.create(be, spec, createRng(9).fork('init'), 'orthogonal');
    net.layers.forEach((l, i) => be.write(l.b, Array.from({ length: l.outSize }, (_, j) => 0.05 * Math.sin(i + j))));
    const rule = getRule('tp');
    const options = parseRuleOptions(rule, { orthoReg: 0 });
    const st = rule.init(net, createRng(1), options) as TargetPropState;
    const ws = net.workspace(6);
    net.setInput(ws, Array.from({ length: 6 * 32 }, (_, i) => Math.cos(i)));
    net.forward(ws);
    be.copy(ws.h[3], ws.targets);
    outputError(net, ws, 'mse');
    rule.step({ backend: be, net, ws, n: 6, labels: new Int32Array(6), loss: 'mse', grads: makeGrads(net), rng: createRng(1), epoch: 0, step: 0 }, st, options);
    const tau = st.batch.get(6)!.tau;
    for (let l = 0; l < 3; l++) {
      const h = be.read(ws.h[l]);
      expect([...h].some((v) => v < 0)).toBe(true); // the leaky branch is exercised
      expect(maxAbsDiff([...be.read(tau[l])], [...h])).toBeLessThan(1e-12);
    }
  });

  it('W⁻¹W ≈ I after LU and after Newton–Schulz refreshes, and both give the same updates', () => {
    const spec = squareSpec(24, 3, 'leaky-relu', 4);
    for (const inverse of ['lu', 'newton'] as const) {
      const s = step('gait-prop', spec, { seed: 8, ruleOptions: { gamma: 0.01, orthoReg: 0.1, inverse } });
      for (const li of s.state!.inverses) {
        const Winv = fromFlat(s.net.backend.read(li.inv), li.n, li.n);
        const P = matmul(Winv, s.layers[li.layer].W);
        expect(maxAbsDiff(P, P.map((r, i) => r.map((_, j) => (i === j ? 1 : 0))))).toBeLessThan(1e-13);
      }
    }
  });

  it('Newton–Schulz tracks the inverse through training steps (few iterations, no LU) and matches LU', async () => {
    const { blobs } = await import('../../testing/synthetic.js');
    const { train } = await import('../../engine/train.js');
    const data = await blobs({ n: 96, d: 12, classes: 3, seed: 1 });
    const cfg = (inverse: 'lu' | 'newton') => ({
      rule: 'gait-prop', ruleOptions: { gamma: 0.01, inverse, luEvery: 1000, diagnosticsEvery: 1 }, hidden: [12, 12], outputUnits: 12,
      activation: 'leaky-relu' as const, output: 'leaky-relu' as const, loss: 'mse' as const, leakySlope: SLOPE, init: 'orthogonal' as const,
      epochs: 2, batchSize: 16, optimizer: { kind: 'adam' as const, lr: 1e-3 },
    });
    const lu = await train(cfg('lu'), { train: data }, { backend: new ReferenceBackend() });
    const nw = await train(cfg('newton'), { train: data }, { backend: new ReferenceBackend() });
    const st = nw.ruleState as TargetPropState;
    expect(st.inverses.every((li) => li.refreshes === 12)).toBe(true);
    expect(st.inverses.every((li) => li.newtonIterations <= 3 * 11)).toBe(true);
    expect(Math.max(...(nw.history[1].diagnostics!.inverseResidual as number[]))).toBeLessThan(1e-12);
    const a = lu.net.getWeights();
    const b = nw.net.getWeights();
    for (let l = 0; l < 3; l++) expect(maxAbsDiff([...a.W[l]], [...b.W[l]])).toBeLessThan(1e-9);
  });
});

describe('orthogonality regulariser', () => {
  it('its gradient matches central finite differences of Ω and vanishes for orthogonal W', async () => {
    const { addOrthoGradient, gram, makeOrthoScratch, orthoPenalty, orthoDeviation } = await import('./ortho.js');
    const be = new ReferenceBackend();
    for (const [rows, cols, byRows] of [[6, 6, false], [5, 7, false], [7, 4, false], [5, 7, true]] as const) {
      const r = createRng(rows * 10 + cols);
      const w = Array.from({ length: rows * cols }, () => r.normal() * 0.4);
      const W = be.fromArray(rows, cols, w);
      const s = makeOrthoScratch(be, rows, cols, byRows);
      const omega = (vals: number[]) => {
        be.write(W, vals);
        gram(be, W, s);
        return orthoPenalty(be, W, s);
      };
      const fd = w.map((_, i) => {
        const h = 1e-5;
        const p = [...w];
        const q = [...w];
        p[i] += h;
        q[i] -= h;
        return (omega(p) - omega(q)) / (2 * h);
      });
      be.write(W, w);
      gram(be, W, s);
      const dW = be.zeros(rows, cols);
      addOrthoGradient(be, W, s, 1, dW);
      expect(relErr([...be.read(dW)], fd)).toBeLessThan(1e-7);
      // Ω matches its definition Σ_{i≠j} R²_ij, R = WᵀW (or WWᵀ for byRows).
      const Wm = fromFlat(w, rows, cols);
      const R = byRows ? matmul(Wm, transpose(Wm)) : matmul(transpose(Wm), Wm);
      const k = R.length;
      expect(Math.abs(orthoPenalty(be, W, s) - R.flat().reduce((a, v, i) => a + (i % (k + 1) === 0 ? 0 : v * v), 0))).toBeLessThan(1e-12);
    }
    // The 'identity' target: ∂‖WᵀW − I‖²/∂W = 4W(WᵀW − I), checked by finite differences too.
    {
      const r = createRng(99);
      const w = Array.from({ length: 30 }, () => r.normal() * 0.4);
      const W = be.fromArray(5, 6, w);
      const s = makeOrthoScratch(be, 5, 6);
      const full = (vals: number[]) => {
        const M = fromFlat(vals, 5, 6);
        return matmul(transpose(M), M).flat().reduce((a, v, i) => a + (v - (i % 7 === 0 ? 1 : 0)) ** 2, 0);
      };
      const fd = w.map((_, i) => {
        const p = [...w];
        const q = [...w];
        p[i] += 1e-5;
        q[i] -= 1e-5;
        return (full(p) - full(q)) / 2e-5;
      });
      gram(be, W, s);
      const dW = be.zeros(5, 6);
      addOrthoGradient(be, W, s, 1, dW, 'identity');
      expect(relErr([...be.read(dW)], fd)).toBeLessThan(1e-7);
    }
    const { orthogonal } = await import('../../network/init.js');
    const Q = be.fromArray(9, 9, orthogonal(9, 9, createRng(3)));
    const s = makeOrthoScratch(be, 9, 9);
    gram(be, Q, s);
    const g = be.zeros(9, 9);
    addOrthoGradient(be, Q, s, 1, g);
    expect(Math.sqrt(be.sumSquares(g))).toBeLessThan(1e-13);
    expect(orthoDeviation(be, Q, s)).toBeLessThan(1e-7);
  });

  it('keeps the weights near-orthogonal during training (‖WᵀW − I‖ reported per layer as a diagnostic)', async () => {
    const { blobs } = await import('../../testing/synthetic.js');
    const { train } = await import('../../engine/train.js');
    const data = await blobs({ n: 240, d: 10, classes: 3, seed: 4, spread: 0.05 });
    const test = await blobs({ n: 90, d: 10, classes: 3, seed: 5, split: 'test', spread: 0.05 });
    const { evaluate } = await import('../../engine/evaluate.js');
    const run = (orthoReg: number) => train({
      rule: 'gait-prop', ruleOptions: { gamma: 1e-3, orthoReg, diagnosticsEvery: 1 }, hidden: [10, 10], outputUnits: 10,
      activation: 'leaky-relu', output: 'leaky-relu', loss: 'mse', leakySlope: SLOPE, init: 'orthogonal',
      epochs: 12, batchSize: 12, optimizer: { kind: 'adam', lr: 0.01, beta2: 0.99, biasCorrection: false }, angleEvery: 1,
    }, { train: data, validation: test }, { backend: new ReferenceBackend() });
    const [reg, free] = [await run(0.1), await run(0)];
    // Ω penalises only the off-diagonal of WᵀW (column norms are free), so that part is what it holds near zero.
    const diag = (r: typeof reg, key: string) => r.history.at(-1)!.diagnostics![key] as number[];
    expect(diag(reg, 'orthoDeviation')).toHaveLength(3);
    for (let l = 0; l < 3; l++) expect(diag(reg, 'orthoOffDiagonal')[l]).toBeLessThan(diag(free, 'orthoOffDiagonal')[l] / 5);
    expect(Math.max(...diag(reg, 'orthoOffDiagonal'))).toBeLessThan(0.2);
    // ‖WᵀW − I‖ ≥ its off-diagonal part.
    for (let l = 0; l < 3; l++) expect(diag(reg, 'orthoDeviation')[l]).toBeGreaterThanOrEqual(diag(reg, 'orthoOffDiagonal')[l]);
    expect(evaluate(reg.net, test).accuracy).toBeGreaterThan(0.9);
  });

  it('stays within a few degrees of the BP gradient while W is near-orthogonal (the paper\'s lr 1e-4)', async () => {
    const { blobs } = await import('../../testing/synthetic.js');
    const { train } = await import('../../engine/train.js');
    const data = await blobs({ n: 240, d: 10, classes: 3, seed: 4, spread: 0.05 });
    const r = await train({
      rule: 'gait-prop', hidden: [10, 10], outputUnits: 10, activation: 'leaky-relu', output: 'leaky-relu', loss: 'mse', leakySlope: SLOPE,
      init: 'orthogonal', epochs: 1, batchSize: 12, optimizer: { kind: 'adam', lr: 1e-4, beta2: 0.99, biasCorrection: false }, angleEvery: 1,
    }, { train: data }, { backend: new ReferenceBackend() });
    expect(Math.max(...r.history[0].angles!)).toBeLessThan(3);
  });
});

describe('divergence and validation', () => {
  const base = {
    rule: 'gait-prop', hidden: [6], outputUnits: 6, activation: 'leaky-relu' as const, output: 'leaky-relu' as const, loss: 'mse' as const,
    leakySlope: SLOPE, epochs: 2, batchSize: 8, optimizer: { kind: 'adam' as const, lr: 1e-3 },
  };
  it('a singular or near-singular W stops training as diverged, naming the layer, with finite weights', async () => {
    const { blobs } = await import('../../testing/synthetic.js');
    const { train } = await import('../../engine/train.js');
    const data = await blobs({ n: 32, d: 6, classes: 3 });
    const eye = Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 1 : 0));
    for (const [bad, pattern] of [[0, /layer 1: the weight matrix is singular/], [1e-13, /layer 1: the weight matrix is near-singular \(LU pivot ratio/]] as const) {
      const W1: number[] = [...eye];
      for (let j = 0; j < 6; j++) W1[6 + j] = W1[j] + (j === 1 ? bad : 0); // row 1 ≈ row 0
      const events: string[] = [];
      const r = await train(base, { train: data }, {
        backend: new ReferenceBackend(), initialWeights: { W: [eye, W1], b: [new Array(6).fill(0), new Array(6).fill(0)] },
        onEvent: (e) => events.push(e.type),
      });
      expect(r.status).toBe('diverged');
      expect(r.divergence?.layer).toBe(1);
      expect(r.divergence?.reason).toMatch(pattern);
      expect(events).toContain('diverged');
      expect(r.net.getWeights().W.every((w) => [...w].every(Number.isFinite))).toBe(true);
    }
  });

  it('refuses activations without an inverse, expanding layers, and options of another rule', () => {
    expect(() => step('gait-prop', { inputSize: 4, layers: [{ size: 4, activation: 'tanh' }, { size: 4, activation: 'leaky-relu' }] })).toThrow(/layer 0 has activation 'tanh'/);
    expect(() => step('gait-prop', { inputSize: 4, leakySlope: SLOPE, layers: [{ size: 4, activation: 'leaky-relu' }, { size: 6, activation: 'leaky-relu' }] })).toThrow(/layer 1 maps 4 units to 6/);
    expect(() => step('tp', squareSpec(4, 2), { ruleOptions: { gamma: 0.1 } })).toThrow(/gamma/);
    expect(() => step('gait-prop', squareSpec(4, 2), { ruleOptions: { gamma: 0 } })).toThrow(/gamma/);
  });
});

describe('auxiliary output units (NetworkSpec.classUnits)', () => {
  it('get zero error, are never read out, and survive a model round trip', async () => {
    const be = new ReferenceBackend();
    const spec = squareSpec(6, 2, 'leaky-relu', 3);
    const net = Network.create(be, spec, createRng(1), 'orthogonal');
    const ws = net.workspace(4);
    net.setInput(ws, Array.from({ length: 24 }, (_, i) => Math.sin(i)));
    net.setLabels(ws, [0, 1, 2, 1]);
    net.forward(ws);
    outputError(net, ws, 'mse');
    const d = fromFlat(be.read(ws.delta[1]), 4, 6);
    expect(d.flatMap((r) => r.slice(3)).every((v) => v === 0)).toBe(true);
    expect(d.flatMap((r) => r.slice(0, 3)).some((v) => v !== 0)).toBe(true);
    // Make an auxiliary unit the largest: the prediction still comes from units 0..2.
    const h = fromFlat(be.read(ws.h[1]), 4, 6);
    h.forEach((r) => (r[5] = 100));
    be.write(ws.h[1], h.flat());
    const pred = net.predictClasses(ws);
    expect([...pred].every((p) => p < 3)).toBe(true);
    expect([...pred]).toEqual(h.map((r) => r.slice(0, 3).indexOf(Math.max(...r.slice(0, 3)))));
    expect(() => net.setLabels(ws, [0, 3, 0, 0])).toThrow(/3 class units/);
    expect(() => outputError(net, ws, 'cross-entropy')).toThrow(/need loss 'mse'/);
    const { makeModel, specOf } = await import('../../model/format.js');
    const w = net.getWeights();
    expect(specOf(makeModel({ spec, rule: { name: 'gait-prop', options: {} }, weights: w }).meta).classUnits).toBe(3);
  });
});
