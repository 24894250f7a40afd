// Elementwise ops, the bias add and the trace/Adam updates against the float64 reference,
// including every aliasing the interface allows (out === a, out === b, a === b === out).
import { expect } from 'vitest';
import type { AdamParams, Backend, Tensor } from '../index.js';
import { describeBackends, type BackendContext } from './describe-backends.js';
import { inputs } from './random.js';
import { expectClose, roundingBound } from './tolerances.js';

/** rows×cols: 1×1, odd, not multiples of 4 or 8, one row, one column, and a weight-sized block. */
const SHAPES: readonly [number, number][] = [[1, 1], [1, 7], [7, 1], [3, 5], [4, 8], [13, 31], [64, 33], [128, 784]];

type Binary = 'mul' | 'add' | 'sub';
const BINARY: Record<Binary, { f: (x: number, y: number) => number; mag: (x: number, y: number) => number }> = {
  mul: { f: (x, y) => x * y, mag: (x, y) => Math.abs(x * y) },
  add: { f: (x, y) => x + y, mag: (x, y) => Math.abs(x) + Math.abs(y) },
  sub: { f: (x, y) => x - y, mag: (x, y) => Math.abs(x) + Math.abs(y) },
};

const call = (be: Backend, op: Binary, a: Tensor, b: Tensor, out: Tensor) => be[op](a, b, out);

describeBackends('elementwise', (ctx: BackendContext) => {
  for (const op of Object.keys(BINARY) as Binary[]) {
    const { mag } = BINARY[op];
    for (const [rows, cols] of SHAPES) {
      const name = `${op} ${rows}×${cols} into a separate out, out === a, out === b and a === b === out`;
      ctx.test(name, () => {
        const r = inputs(name);
        const a = r.matrix(rows, cols, -4, 4);
        const b = r.matrix(rows, cols, -4, 4);
        const bound = (x: Float64Array, y: Float64Array) => (i: number) => roundingBound(ctx.tol, mag(x[i], y[i]), 1);
        const [A, Ar] = ctx.pair(rows, cols, a);
        const [B, Br] = ctx.pair(rows, cols, b);
        const [O, Or] = ctx.pair(rows, cols, new Float64Array(rows * cols).fill(Number.NaN));
        call(ctx.be, op, A, B, O);
        call(ctx.ref, op, Ar, Br, Or);
        expectClose(`${op} out`, cols, ctx.be.read(O), ctx.ref.read(Or), bound(a, b));
        // The inputs must be untouched by a separate-out call.
        expect([...ctx.be.read(A)]).toEqual([...a]);
        expect([...ctx.be.read(B)]).toEqual([...b]);

        call(ctx.be, op, A, B, A);
        call(ctx.ref, op, Ar, Br, Ar);
        expectClose(`${op} out === a`, cols, ctx.be.read(A), ctx.ref.read(Ar), bound(a, b));

        const [A2, A2r] = ctx.pair(rows, cols, a);
        call(ctx.be, op, A2, B, B);
        call(ctx.ref, op, A2r, Br, Br);
        expectClose(`${op} out === b`, cols, ctx.be.read(B), ctx.ref.read(Br), bound(a, b));

        const [S, Sr] = ctx.pair(rows, cols, a);
        call(ctx.be, op, S, S, S);
        call(ctx.ref, op, Sr, Sr, Sr);
        expectClose(`${op} a === b === out`, cols, ctx.be.read(S), ctx.ref.read(Sr), bound(a, a));
      });
    }
  }

  for (const [rows, cols] of SHAPES) {
    const name = `axpy, scale and traceDecay ${rows}×${cols}, in place and out of place`;
    ctx.test(name, () => {
      const r = inputs(name);
      const x = r.matrix(rows, cols, -3, 3);
      const y = r.matrix(rows, cols, -3, 3);
      const alpha = r.uniform(-2, 2);
      const [X, Xr] = ctx.pair(rows, cols, x);
      const [Y, Yr] = ctx.pair(rows, cols, y);
      ctx.be.axpy(alpha, X, Y);
      ctx.ref.axpy(alpha, Xr, Yr);
      // y + αx: α·x rounded, then the add rounded, plus α itself rounded to the backend's precision.
      expectClose(`axpy α=${alpha}`, cols, ctx.be.read(Y), ctx.ref.read(Yr), (i) => roundingBound(ctx.tol, Math.abs(y[i]) + Math.abs(alpha * x[i]), 3));
      ctx.be.axpy(-1, X, X);
      expect([...ctx.be.read(X)].every((v) => v === 0)).toBe(true);

      const [X2, X2r] = ctx.pair(rows, cols, x);
      const [O, Or] = ctx.pair(rows, cols, new Float64Array(rows * cols).fill(Number.NaN));
      ctx.be.scale(X2, 0.3, O);
      ctx.ref.scale(X2r, 0.3, Or);
      expectClose('scale', cols, ctx.be.read(O), ctx.ref.read(Or), (i) => roundingBound(ctx.tol, Math.abs(0.3 * x[i]), 2));
      ctx.be.scale(X2, -2, X2);
      ctx.ref.scale(X2r, -2, X2r);
      expectClose('scale in place', cols, ctx.be.read(X2), ctx.ref.read(X2r), () => 0);

      const decay = r.uniform(0.5, 1);
      const [T, Tr] = ctx.pair(rows, cols, y);
      const [S, Sr] = ctx.pair(rows, cols, x);
      for (let step = 0; step < 3; step++) {
        ctx.be.traceDecay(T, S, decay);
        ctx.ref.traceDecay(Tr, Sr, decay);
      }
      // Three steps of decay·tr + x, each entry bounded by |tr| + 3|x|.
      expectClose('traceDecay ×3', cols, ctx.be.read(T), ctx.ref.read(Tr), (i) => roundingBound(ctx.tol, Math.abs(y[i]) + 3 * Math.abs(x[i]), 9));
      ctx.be.traceDecay(S, S, 0.5);
      ctx.ref.traceDecay(Sr, Sr, 0.5);
      expectClose('traceDecay tr === x', cols, ctx.be.read(S), ctx.ref.read(Sr), (i) => roundingBound(ctx.tol, 1.5 * Math.abs(x[i]), 2));
    });
  }

  for (const [rows, cols] of SHAPES) {
    const name = `addRowVector ${rows}×${cols}, into out and in place`;
    ctx.test(name, () => {
      const r = inputs(name);
      const x = r.matrix(rows, cols, -5, 5);
      const bias = r.matrix(1, cols, -5, 5);
      const [X, Xr] = ctx.pair(rows, cols, x);
      const [Bv, Bvr] = ctx.pair(1, cols, bias);
      const [O, Or] = ctx.pair(rows, cols, new Float64Array(rows * cols).fill(Number.NaN));
      const bound = (i: number) => roundingBound(ctx.tol, Math.abs(x[i]) + Math.abs(bias[i % cols]), 1);
      ctx.be.addRowVector(X, Bv, O);
      ctx.ref.addRowVector(Xr, Bvr, Or);
      expectClose('addRowVector', cols, ctx.be.read(O), ctx.ref.read(Or), bound);
      ctx.be.addRowVector(X, Bv, X);
      ctx.ref.addRowVector(Xr, Bvr, Xr);
      expectClose('addRowVector in place', cols, ctx.be.read(X), ctx.ref.read(Xr), bound);
      expect([...ctx.be.read(Bv)]).toEqual([...bias]);
    });
  }

  for (const [rows, cols] of SHAPES) {
    const name = `clip, sign, fill and copy ${rows}×${cols}`;
    ctx.test(name, () => {
      const r = inputs(name);
      const x = r.matrix(rows, cols, -2, 2);
      // Exact zeros too: sign(0) = 0.
      for (let i = 0; i < x.length; i += 5) x[i] = 0;
      const [X, Xr] = ctx.pair(rows, cols, x);
      const [O, Or] = ctx.pair(rows, cols, new Float64Array(rows * cols).fill(Number.NaN));
      ctx.be.clip(X, -0.75, 1.25, O);
      ctx.ref.clip(Xr, -0.75, 1.25, Or);
      expectClose('clip', cols, ctx.be.read(O), ctx.ref.read(Or), () => 0);
      ctx.be.clip(X, 0.5, 0.5, O);
      expect(ctx.be.read(O).every((v) => v === 0.5)).toBe(true);
      ctx.be.sign(X, O);
      ctx.ref.sign(Xr, Or);
      expectClose('sign', cols, ctx.be.read(O), ctx.ref.read(Or), () => 0);
      ctx.be.clip(X, -1, 1, X);
      ctx.ref.clip(Xr, -1, 1, Xr);
      expectClose('clip in place', cols, ctx.be.read(X), ctx.ref.read(Xr), () => 0);
      ctx.be.sign(X, X);
      ctx.ref.sign(Xr, Xr);
      expectClose('sign in place', cols, ctx.be.read(X), ctx.ref.read(Xr), () => 0);
      ctx.be.fill(O, -3.5);
      expect(ctx.be.read(O).every((v) => v === -3.5)).toBe(true);
      const [C] = ctx.pair(rows, cols, x);
      ctx.be.copy(C, O);
      expect([...ctx.be.read(O)]).toEqual([...x]);
      ctx.be.fill(C, 7);
      expect([...ctx.be.read(O)]).toEqual([...x]);
    });
  }

  ctx.test('sign is exact for tiny, subnormal, signed-zero and infinite values', () => {
    const x = [1e-8, -1e-8, 1e-30, -1e-30, 1e-45, -1e-45, 0, -0, 1.1920929e-7, -5.9604645e-8, Infinity, -Infinity, 3e38, -3e38];
    const [X, Xr] = ctx.pair(1, x.length, x);
    const [O, Or] = ctx.pair(1, x.length, new Float64Array(x.length));
    ctx.be.sign(X, O);
    ctx.ref.sign(Xr, Or);
    // Compare as numbers: −0 and 0 are both the sign of a zero.
    expect([...ctx.be.read(O)].map((v) => v + 0)).toEqual([...ctx.ref.read(Or)].map((v) => v + 0));
  });

  ctx.test('clip with infinite bounds and at ±Infinity', () => {
    const x = [-Infinity, -1e30, -1, 0, 1, 1e30, Infinity];
    const [X, Xr] = ctx.pair(1, 7, x);
    const [O, Or] = ctx.pair(1, 7, new Float64Array(7));
    for (const [lo, hi] of [[-Infinity, Infinity], [0, Infinity], [-Infinity, 0], [-2, 2]]) {
      ctx.be.clip(X, lo, hi, O);
      ctx.ref.clip(Xr, lo, hi, Or);
      expectClose(`clip [${lo}, ${hi}]`, 7, ctx.be.read(O), ctx.ref.read(Or), (i) => roundingBound(ctx.tol, Math.abs(ctx.ref.read(Or)[i]), 1));
    }
  });

  for (const [rows, cols] of [[1, 1], [3, 5], [13, 31], [128, 784]] as const) {
    const name = `adamStep ${rows}×${cols} over five steps`;
    ctx.test(name, () => {
      const r = inputs(name);
      const w = r.matrix(rows, cols);
      const [W, Wr] = ctx.pair(rows, cols, w);
      const [M, Mr] = ctx.pair(rows, cols, new Float64Array(rows * cols));
      const [V, Vr] = ctx.pair(rows, cols, new Float64Array(rows * cols));
      let b1t = 1;
      let b2t = 1;
      const p0 = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
      for (let step = 1; step <= 5; step++) {
        const g = r.matrix(rows, cols, -2, 2);
        if (step === 3) for (let i = 0; i < g.length; i += 3) g[i] = 0;
        const [G, Gr] = ctx.pair(rows, cols, g);
        b1t *= p0.beta1;
        b2t *= p0.beta2;
        const p: AdamParams = { ...p0, correction1: 1 - b1t, correction2: 1 - b2t };
        // Each step starts the reference from the backend's own state, so the bound is one step's error.
        for (const [t, tr] of [[W, Wr], [M, Mr], [V, Vr]]) ctx.ref.write(tr, ctx.be.read(t));
        const m0 = ctx.ref.read(Mr);
        const v0 = ctx.ref.read(Vr);
        const w0 = ctx.ref.read(Wr);
        ctx.be.adamStep(W, G, M, V, p);
        ctx.ref.adamStep(Wr, Gr, Mr, Vr, p);
        // m, v: a few roundings of their two terms. w: the step lr·m̂/(√v̂+ε) is good to a relative
        // 1e-5 of its size computed from term magnitudes, plus the subtraction from w.
        const mMag = (i: number) => p.beta1 * Math.abs(m0[i]) + (1 - p.beta1) * Math.abs(g[i]);
        const vMag = (i: number) => p.beta2 * v0[i] + (1 - p.beta2) * g[i] * g[i];
        const vNew = ctx.ref.read(Vr);
        expectClose(`adam m, step ${step}`, cols, ctx.be.read(M), ctx.ref.read(Mr), (i) => roundingBound(ctx.tol, mMag(i), 4));
        expectClose(`adam v, step ${step}`, cols, ctx.be.read(V), vNew, (i) => roundingBound(ctx.tol, vMag(i), 4));
        expectClose(`adam w, step ${step}`, cols, ctx.be.read(W), ctx.ref.read(Wr), (i) => {
          const stepMag = (p.lr * mMag(i)) / p.correction1 / (Math.sqrt(vNew[i] / p.correction2) + p.eps);
          return roundingBound(ctx.tol, Math.abs(w0[i]) + stepMag, 2) + 1e-5 * stepMag;
        });
      }
    });
  }
});
