// Every activation and its derivative against the float64 reference, on random inputs over
// the range where each one curves, on special values (0, tiny, saturating, ±Infinity), with
// the aliasing the interface allows (activation: out === x; activationGrad: out === dy).
import { expect } from 'vitest';
import { ACTIVATIONS, BackendError, type Activation } from '../index.js';
import { describeBackends } from './describe-backends.js';
import { inputs } from './random.js';
import { expectClose, fnBound, roundingBound, type Tolerances } from './tolerances.js';

const SHAPES: readonly [number, number][] = [[1, 1], [1, 9], [5, 3], [13, 31], [64, 65], [128, 256]];

/** Piecewise-linear activations are exact up to the rounding of the leaky slope and of its product. */
const EXACTISH: ReadonlySet<Activation> = new Set(['linear', 'relu', 'leaky-relu']);

function bound(tol: Tolerances, kind: Activation, ref: number, scale = 1): number {
  return EXACTISH.has(kind) ? roundingBound(tol, Math.abs(ref), 3) : fnBound(tol, ref, scale);
}

/** Values where activations and derivatives have edges: zero, tiny, saturation, ±Infinity. */
const SPECIAL = [0, -0, 1e-8, -1e-8, 1e-30, -1e-30, 0.5, -0.5, 5, -5, 9, -9, 15, -15, 20, -20, 30, -30, 50, -50, 88, -88, 100, -100, 1e4, -1e4];

describeBackends('activations', (ctx) => {
  for (const kind of ACTIVATIONS) {
    for (const [rows, cols] of SHAPES) {
      const name = `${kind} ${rows}×${cols}: f(x) into out and in place, f′ into out and into dy`;
      ctx.test(name, () => {
        const r = inputs(name);
        const param = kind === 'leaky-relu' ? r.uniform(0.01, 0.3) : undefined;
        const x = r.matrix(rows, cols, -8, 8);
        const dy = r.matrix(rows, cols, -2, 2);
        const [X, Xr] = ctx.pair(rows, cols, x);
        const [O, Or] = ctx.pair(rows, cols, new Float64Array(rows * cols).fill(Number.NaN));
        ctx.be.activation(kind, X, O, param);
        ctx.ref.activation(kind, Xr, Or, param);
        const fx = ctx.ref.read(Or);
        expectClose(`${kind}(x)`, cols, ctx.be.read(O), fx, (i) => bound(ctx.tol, kind, fx[i]));
        ctx.be.activation(kind, X, X, param);
        expectClose(`${kind}(x) in place`, cols, ctx.be.read(X), fx, (i) => bound(ctx.tol, kind, fx[i]));

        const [Z] = ctx.pair(rows, cols, x);
        const [D, Dr] = ctx.pair(rows, cols, dy);
        const [G, Gr] = ctx.pair(rows, cols, new Float64Array(rows * cols).fill(Number.NaN));
        ctx.be.activationGrad(kind, Z, D, G, param);
        ctx.ref.activationGrad(kind, Xr, Dr, Gr, param);
        const g = ctx.ref.read(Gr);
        // f′ is bounded by 1 for every kind here, so the absolute floor scales with |dy|.
        expectClose(`${kind}′(z)·dy`, cols, ctx.be.read(G), g, (i) => bound(ctx.tol, kind, g[i], Math.abs(dy[i])));
        ctx.be.activationGrad(kind, Z, D, D, param);
        expectClose(`${kind}′(z)·dy into dy`, cols, ctx.be.read(D), g, (i) => bound(ctx.tol, kind, g[i], Math.abs(dy[i])));
        expect([...ctx.be.read(Z)]).toEqual([...x]);
      });
    }

    ctx.test(`${kind} and its derivative at zero, tiny, saturating and infinite inputs`, () => {
      const x = [...SPECIAL, Infinity, -Infinity];
      const n = x.length;
      const dy = x.map((_, i) => (i % 2 === 0 ? 1 : -0.5));
      const [X, Xr] = ctx.pair(1, n, x);
      const [O, Or] = ctx.pair(1, n, new Float64Array(n));
      ctx.be.activation(kind, X, O);
      ctx.ref.activation(kind, Xr, Or);
      const fx = ctx.ref.read(Or);
      expectClose(`${kind}(special)`, n, ctx.be.read(O), fx, (i) => bound(ctx.tol, kind, fx[i]));
      // The derivative at ±Infinity is a limit the interface does not pin down (e.g. 1 − tanh² vs 0·∞).
      const finite = SPECIAL.length;
      const [Z, Zr] = ctx.pair(1, finite, SPECIAL);
      const [D, Dr] = ctx.pair(1, finite, dy.slice(0, finite));
      const [G, Gr] = ctx.pair(1, finite, new Float64Array(finite));
      ctx.be.activationGrad(kind, Z, D, G);
      ctx.ref.activationGrad(kind, Zr, Dr, Gr);
      const g = ctx.ref.read(Gr);
      expectClose(`${kind}′(special)`, finite, ctx.be.read(G), g, (i) => bound(ctx.tol, kind, g[i], Math.abs(dy[i])));
    });
  }

  ctx.test('relu′(0) = 0 and leaky-relu′(0) = 1 (the convention in activations.ts)', () => {
    const [Z] = ctx.pair(1, 3, [0, -0, 1e-30]);
    const [D] = ctx.pair(1, 3, [2, 2, 2]);
    const [G] = ctx.pair(1, 3, [Number.NaN, Number.NaN, Number.NaN]);
    ctx.be.activationGrad('relu', Z, D, G);
    expect([...ctx.be.read(G)]).toEqual([0, 0, 2]);
    ctx.be.activationGrad('leaky-relu', Z, D, G, 0.1);
    expect([...ctx.be.read(G)]).toEqual([2, 2, 2]);
  });

  ctx.test('leaky-relu uses 0.01 as the default slope', () => {
    const [X] = ctx.pair(1, 2, [-100, 100]);
    const [O] = ctx.pair(1, 2, [0, 0]);
    ctx.be.activation('leaky-relu', X, O);
    const o = ctx.be.read(O);
    expect(o[0]).toBeCloseTo(-1, 5);
    expect(o[1]).toBe(100);
  });

  ctx.test('refuses an unknown activation and mismatched shapes', () => {
    const [X] = ctx.pair(2, 3, new Float64Array(6));
    const [O] = ctx.pair(2, 3, new Float64Array(6));
    const [W] = ctx.pair(3, 2, new Float64Array(6));
    const gelu = 'gelu' as Activation;
    expect(() => ctx.be.activation(gelu, X, O)).toThrow(BackendError);
    expect(() => ctx.be.activation(gelu, X, O)).toThrow(/activation: unknown activation 'gelu'; expected one of linear, relu/);
    expect(() => ctx.be.activationGrad(gelu, X, X, O)).toThrow(/activationGrad: unknown activation 'gelu'/);
    expect(() => ctx.be.activation('relu', X, W)).toThrow(/activation: out is 3×2 but x is 2×3/);
    expect(() => ctx.be.activationGrad('relu', X, W, O)).toThrow(/activationGrad: dy is 3×2 but z is 2×3/);
  });
});
