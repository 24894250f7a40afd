// lifStep and inverse on every backend: against closed forms and the float64 reference.
import { expect } from 'vitest';
import { ReferenceBackend } from '../index.js';
import { describeBackends } from './describe-backends.js';

describeBackends('lifStep and inverse', (ctx) => {
  ctx.test('lifStep fires at the analytic inter-spike interval for a constant input', () => {
    // β = e^{−1/20}, I = 0.06, θ = 1: n* = ⌈ln(1 − θ(1−β)/I) / ln β⌉ = 34 steps.
    const beta = Math.exp(-1 / 20);
    const I = 0.06;
    const nStar = Math.ceil(Math.log(1 - (1 - beta) / I) / Math.log(beta) - 1e-12);
    expect(nStar).toBe(34);
    const be = ctx.be;
    const v = be.zeros(1, 3, 'scratch');
    const input = be.fromArray(1, 3, [I, I, 0.04], 'scratch');
    const s = be.zeros(1, 3, 'scratch');
    const tr = be.zeros(1, 3, 'scratch');
    const spikeTimes: number[][] = [[], [], []];
    for (let t = 1; t <= 3 * nStar; t++) {
      be.lifStep(v, input, s, tr, { beta, threshold: 1, traceDecay: 0.9 });
      be.read(s).forEach((x, i) => { if (x === 1) spikeTimes[i].push(t); });
    }
    expect(spikeTimes[0]).toEqual([nStar, 2 * nStar, 3 * nStar]);
    expect(spikeTimes[2]).toEqual([]); // 0.04 < θ(1 − β): never reaches threshold
  });

  ctx.test('lifStep matches the float64 reference (v, spikes, trace, surrogate) on random data', () => {
    const ref = new ReferenceBackend();
    const n = 37;
    const init = Array.from({ length: n }, (_, i) => ((i * 7919) % 97) / 60);
    const inp = Array.from({ length: n }, (_, i) => ((i * 104729) % 89) / 100 - 0.2);
    const p = { beta: 0.95, threshold: 1, traceDecay: 0.8, surrogateAlpha: 2 };
    const mk = (be: typeof ref | typeof ctx.be) => ({
      v: be.fromArray(1, n, init, 'scratch'), i: be.fromArray(1, n, inp, 'scratch'), s: be.zeros(1, n, 'scratch'),
      t: be.zeros(1, n, 'scratch'), g: be.zeros(1, n, 'scratch'),
    });
    const a = mk(ctx.be);
    const b = mk(ref);
    for (let k = 0; k < 5; k++) {
      ctx.be.lifStep(a.v, a.i, a.s, a.t, p, a.g);
      ref.lifStep(b.v, b.i, b.s, b.t, p, b.g);
    }
    for (const key of ['v', 's', 't', 'g'] as const) {
      const x = ctx.be.read(a[key]);
      const y = ref.read(b[key]);
      for (let j = 0; j < n; j++) expect(Math.abs(x[j] - y[j])).toBeLessThan(1e-5 * (1 + Math.abs(y[j])));
    }
  });

  ctx.test('inverse gives A⁻¹A ≈ I, reports the pivot ratio and refuses singular or non-square input', () => {
    const be = ctx.be;
    const n = 9;
    const data = Array.from({ length: n * n }, (_, i) => Math.sin(i * 1.7) + (i % (n + 1) === 0 ? 3 : 0));
    const A = be.fromArray(n, n, data, 'scratch');
    const inv = be.zeros(n, n, 'scratch');
    const ratio = be.inverse(A, inv);
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(1);
    const prod = be.zeros(n, n, 'scratch');
    be.gemm(inv, A, prod);
    const P = be.read(prod);
    const tol = be.precision === 'f64' ? 1e-10 : 1e-4;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(P[i * n + j] - (i === j ? 1 : 0))).toBeLessThan(tol);
    const S = be.fromArray(2, 2, [1, 2, 2, 4], 'scratch');
    expect(() => be.inverse(S, be.zeros(2, 2, 'scratch'))).toThrow(/singular/);
    expect(() => be.inverse(be.zeros(2, 3, 'scratch'), be.zeros(2, 3, 'scratch'))).toThrow(/square/);
  });
});
