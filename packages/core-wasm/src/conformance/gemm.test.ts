// gemm in its three forms against the float64 reference, over shapes that hit every edge of a
// register-blocked kernel: 1×1, odd sizes, sizes that are not multiples of 4 or of a 4×8 tile,
// a gemv (M = 1), one output column, K = 1, tall-skinny, a 10-wide output, and long inner dimensions.
import { expect } from 'vitest';
import { BackendError, type GemmOptions, type Tensor } from '../index.js';
import { describeBackends, type BackendContext } from './describe-backends.js';
import { inputs } from './random.js';
import { expectClose, reductionBound } from './tolerances.js';

type Form = 'A·B' | 'Aᵀ·B' | 'A·Bᵀ';
const FORMS: readonly Form[] = ['A·B', 'Aᵀ·B', 'A·Bᵀ'];

/** (m, k, n) for C = op(A)·op(B), C being m×n. */
const SHAPES: readonly [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [2, 3, 5], [3, 5, 2], [4, 8, 4], [5, 3, 7], [7, 9, 13], [8, 16, 8], [9, 4, 17],
  [6, 9, 1], [3, 1, 300], [300, 2, 5], [13, 17, 11], [31, 33, 29], [64, 64, 64], [65, 63, 67], [1, 784, 256], [128, 256, 10],
  [1, 2000, 3], [67, 1031, 13], [128, 784, 10],
];

/** (alpha, beta) pairs run on every shape; beta = 0 runs on a C full of NaN. */
const SCALARS: readonly [number, number][] = [[1, 0], [-1.5, 0], [0.75, 1], [2, -0.5]];

function operands(ctx: BackendContext, label: string, form: Form, m: number, k: number, n: number) {
  const r = inputs(label);
  const aShape: [number, number] = form === 'Aᵀ·B' ? [k, m] : [m, k];
  const bShape: [number, number] = form === 'A·Bᵀ' ? [n, k] : [k, n];
  const a = r.matrix(...aShape);
  const b = r.matrix(...bShape);
  const c = r.matrix(m, n);
  const opts: GemmOptions = { transA: form === 'Aᵀ·B', transB: form === 'A·Bᵀ' };
  const [A, Ar] = ctx.pair(...aShape, a);
  const [B, Br] = ctx.pair(...bShape, b);
  // |A|·|B| in float64, for the error bound of every entry.
  const absProd = ctx.ref.zeros(m, n, 'scratch');
  ctx.ref.gemm(ctx.ref.fromArray(...aShape, a.map(Math.abs), 'scratch'), ctx.ref.fromArray(...bShape, b.map(Math.abs), 'scratch'), absProd, opts);
  return { A, Ar, B, Br, c, opts, absAB: ctx.ref.read(absProd) };
}

function runCase(ctx: BackendContext, C: Tensor, Cr: Tensor, A: Tensor, Ar: Tensor, B: Tensor, Br: Tensor, opts: GemmOptions) {
  ctx.be.gemm(A, B, C, opts);
  ctx.ref.gemm(Ar, Br, Cr, opts);
}

describeBackends('gemm', (ctx) => {
  for (const form of FORMS) {
    for (const [m, k, n] of SHAPES) {
      const name = `${form} ${m}×${k}×${n} matches the reference for every (alpha, beta)`;
      ctx.test(name, () => {
        const { A, Ar, B, Br, c, opts, absAB } = operands(ctx, name, form, m, k, n);
        for (const [alpha, beta] of SCALARS) {
          const c0 = beta === 0 ? new Float64Array(m * n).fill(Number.NaN) : c;
          const [C, Cr] = ctx.pair(m, n, c0);
          const o = { ...opts, alpha, beta };
          runCase(ctx, C, Cr, A, Ar, B, Br, o);
          // |err| ≤ (K + 8)·u·(|α|·(|A||B|)ᵢⱼ + |β|·|Cᵢⱼ|): see tolerances.ts.
          expectClose(`gemm ${form} ${m}×${k}×${n} α=${alpha} β=${beta}`, n, ctx.be.read(C), ctx.ref.read(Cr),
            (i) => reductionBound(ctx.tol, k, Math.abs(alpha) * absAB[i] + (beta === 0 ? 0 : Math.abs(beta * c[i]))) + 1e-30);
        }
      });
    }
  }

  ctx.test('beta = 0 overwrites NaN and ±Infinity already in C', () => {
    const r = inputs('gemm garbage');
    const [A, Ar] = ctx.pair(5, 6, r.matrix(5, 6));
    const [B, Br] = ctx.pair(6, 9, r.matrix(6, 9));
    const garbage = Array.from({ length: 45 }, (_, i) => [Number.NaN, Infinity, -Infinity][i % 3]);
    const [C, Cr] = ctx.pair(5, 9, garbage);
    ctx.be.gemm(A, B, C, { alpha: 1, beta: 0 });
    ctx.ref.gemm(Ar, Br, Cr);
    const out = ctx.be.read(C);
    expect(out.every(Number.isFinite)).toBe(true);
    expectClose('gemm over garbage', 9, out, ctx.ref.read(Cr), () => 1e-5);
  });

  ctx.test('alpha = 0, beta = 1 leaves C as it was', () => {
    const r = inputs('gemm alpha 0');
    const c = r.matrix(3, 4);
    const [A] = ctx.pair(3, 5, r.matrix(3, 5));
    const [B] = ctx.pair(5, 4, r.matrix(5, 4));
    const [C] = ctx.pair(3, 4, c);
    ctx.be.gemm(A, B, C, { alpha: 0, beta: 1 });
    expect([...ctx.be.read(C)]).toEqual([...c]);
  });

  ctx.test('leaves A and B unchanged in every form', () => {
    const r = inputs('gemm inputs unchanged');
    const a = r.matrix(5, 5);
    const b = r.matrix(5, 5);
    const [A] = ctx.pair(5, 5, a);
    const [B] = ctx.pair(5, 5, b);
    const [C] = ctx.pair(5, 5, r.matrix(5, 5));
    for (const o of [{}, { transA: true }, { transB: true }] as GemmOptions[]) ctx.be.gemm(A, B, C, { ...o, beta: 1 });
    expect([...ctx.be.read(A)]).toEqual([...a]);
    expect([...ctx.be.read(B)]).toEqual([...b]);
  });

  ctx.test('A·Aᵀ and Aᵀ·A with the same tensor as both operands', () => {
    const r = inputs('gemm self');
    const a = r.matrix(5, 3);
    const [A, Ar] = ctx.pair(5, 3, a);
    for (const [rows, opts] of [[5, { transB: true }], [3, { transA: true }]] as [number, GemmOptions][]) {
      const [C, Cr] = ctx.pair(rows, rows, new Float64Array(rows * rows));
      ctx.be.gemm(A, A, C, opts);
      ctx.ref.gemm(Ar, Ar, Cr, opts);
      expectClose(`gemm self ${JSON.stringify(opts)}`, rows, ctx.be.read(C), ctx.ref.read(Cr), () => reductionBound(ctx.tol, 5, 5));
    }
  });

  ctx.test('an empty inner dimension (K = 0) gives beta·C', () => {
    const c = [1, -2, 3, 4, 0.5, -6];
    const [A] = ctx.pair(2, 0, []);
    const [B] = ctx.pair(0, 3, []);
    const [C] = ctx.pair(2, 3, c);
    ctx.be.gemm(A, B, C, { alpha: 3, beta: 0.5 });
    expect([...ctx.be.read(C)]).toEqual(c.map((v) => 0.5 * v));
    const [D] = ctx.pair(2, 3, [Number.NaN, 1, 2, 3, 4, 5]);
    ctx.be.gemm(A, B, D);
    expect([...ctx.be.read(D)]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  ctx.test('an empty output (M = 0 or N = 0) is a no-op', () => {
    const [A] = ctx.pair(0, 4, []);
    const [B] = ctx.pair(4, 3, new Float64Array(12).fill(1));
    const [C] = ctx.pair(0, 3, []);
    ctx.be.gemm(A, B, C);
    expect(ctx.be.read(C).length).toBe(0);
    const [A2] = ctx.pair(2, 4, new Float64Array(8).fill(1));
    const [B2] = ctx.pair(4, 0, []);
    const [C2] = ctx.pair(2, 0, []);
    ctx.be.gemm(A2, B2, C2);
    expect(ctx.be.read(C2).length).toBe(0);
  });

  const refuse = (f: () => void, pattern: RegExp) => {
    expect(f).toThrow(BackendError);
    expect(f).toThrow(pattern);
  };

  ctx.test('refuses C aliasing A or B', () => {
    const [S] = ctx.pair(4, 4, new Float64Array(16).fill(1));
    const [T] = ctx.pair(4, 4, new Float64Array(16).fill(2));
    refuse(() => ctx.be.gemm(S, T, S), /gemm: C must not be the same tensor as A or B/);
    refuse(() => ctx.be.gemm(S, T, T, { transB: true }), /gemm: C must not be the same tensor as A or B/);
    refuse(() => ctx.be.gemm(S, S, S, { transA: true }), /gemm: C must not be the same tensor as A or B/);
    expect([...ctx.be.read(S)]).toEqual(new Array(16).fill(1));
    expect([...ctx.be.read(T)]).toEqual(new Array(16).fill(2));
  });

  ctx.test('refuses transA and transB together', () => {
    const [A] = ctx.pair(3, 3, new Float64Array(9));
    const [B] = ctx.pair(3, 3, new Float64Array(9));
    const [C] = ctx.pair(3, 3, new Float64Array(9));
    refuse(() => ctx.be.gemm(A, B, C, { transA: true, transB: true }), /gemm: transA and transB together are not supported/);
  });

  ctx.test('refuses mismatched inner sizes and a wrong C shape, naming the form', () => {
    const [A] = ctx.pair(3, 5, new Float64Array(15));
    const [B] = ctx.pair(4, 5, new Float64Array(20));
    const [C] = ctx.pair(3, 4, new Float64Array(12));
    const [Cw] = ctx.pair(4, 3, new Float64Array(12));
    refuse(() => ctx.be.gemm(A, B, C), /gemm: inner sizes differ in A·B: A is 3×5, B is 4×5/);
    refuse(() => ctx.be.gemm(A, B, C, { transA: true }), /gemm: inner sizes differ in Aᵀ·B/);
    refuse(() => ctx.be.gemm(A, B, Cw, { transB: true }), /gemm: C is 4×3 but A·Bᵀ is 3×4/);
  });

  ctx.test('refuses NaN or infinite alpha and beta', () => {
    const [A] = ctx.pair(2, 2, new Float64Array(4));
    const [B] = ctx.pair(2, 2, new Float64Array(4));
    const [C] = ctx.pair(2, 2, [1, 2, 3, 4]);
    refuse(() => ctx.be.gemm(A, B, C, { alpha: Number.NaN }), /gemm: alpha must be a finite number, got NaN/);
    refuse(() => ctx.be.gemm(A, B, C, { beta: Infinity }), /gemm: beta must be a finite number, got Infinity/);
    expect([...ctx.be.read(C)]).toEqual([1, 2, 3, 4]);
  });
});
