// softmaxCrossEntropy (one-hot, soft and extreme ±1000 logits), the bias-gradient reduce
// sumRows, argmaxRows (first index on ties), sumSquares and dot against the float64 reference.
import { expect } from 'vitest';
import { describeBackends, type BackendContext } from './describe-backends.js';
import { inputs, type Inputs } from './random.js';
import { expectClose, expectScalarClose, fnBound, reductionBound, roundingBound } from './tolerances.js';

function oneHot(r: Inputs, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) t[i * cols + r.int(0, cols - 1)] = 1;
  return t;
}

function soft(r: Inputs, rows: number, cols: number): Float64Array {
  const t = r.matrix(rows, cols, 0, 1);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += t[i * cols + j];
    for (let j = 0; j < cols; j++) t[i * cols + j] = Math.fround(t[i * cols + j] / s);
  }
  return t;
}

/** Runs softmax-CE on both backends and checks probs, grad and the loss. */
function checkSoftmax(ctx: BackendContext, what: string, rows: number, cols: number, z: Float64Array, t: Float64Array, withGrad = true) {
  const [Z, Zr] = ctx.pair(rows, cols, z);
  const [T, Tr] = ctx.pair(rows, cols, t);
  const [P, Pr] = ctx.pair(rows, cols, new Float64Array(rows * cols).fill(Number.NaN));
  const [G, Gr] = ctx.pair(rows, cols, new Float64Array(rows * cols).fill(Number.NaN));
  const loss = ctx.be.softmaxCrossEntropy(Z, T, P, withGrad ? G : undefined);
  const lossRef = ctx.ref.softmaxCrossEntropy(Zr, Tr, Pr, Gr);
  const p = ctx.ref.read(Pr);
  // probs: exp of a log-probability whose f32 error grows with the logit spread, so fnRel·p + fnAbs.
  expectClose(`${what} probs`, cols, ctx.be.read(P), p, (i) => fnBound(ctx.tol, p[i]));
  if (withGrad) expectClose(`${what} grad`, cols, ctx.be.read(G), ctx.ref.read(Gr), (i) => fnBound(ctx.tol, p[i]) + roundingBound(ctx.tol, Math.abs(t[i]), 1));
  else expect(ctx.be.read(G).every(Number.isNaN), `${what}: grad untouched when not asked for`).toBe(true);
  // loss = mean of −Σ t·log p: each log p good to fnRel relative plus fnAbs; summed over the row.
  let mag = 0;
  for (let i = 0; i < rows * cols; i++) if (t[i] !== 0) mag += Math.abs(t[i]) * (Math.abs(Math.log(p[i] || Number.MIN_VALUE)) + 1);
  expectScalarClose(`${what} loss`, loss, lossRef, fnBound(ctx.tol, 0, 1) + (ctx.tol.fnRel * mag) / rows + reductionBound(ctx.tol, cols, mag / rows));
  expect([...ctx.be.read(Z)]).toEqual([...z]);
}

describeBackends('softmax and reductions', (ctx) => {
  for (const [rows, cols] of [[1, 1], [1, 10], [7, 3], [32, 10], [128, 10], [5, 1000]] as const) {
    const name = `softmaxCrossEntropy ${rows}×${cols}, one-hot and soft targets`;
    ctx.test(name, () => {
      const r = inputs(name);
      checkSoftmax(ctx, `${rows}×${cols} one-hot`, rows, cols, r.matrix(rows, cols, -6, 6), oneHot(r, rows, cols));
      checkSoftmax(ctx, `${rows}×${cols} soft`, rows, cols, r.matrix(rows, cols, -6, 6), soft(r, rows, cols));
      checkSoftmax(ctx, `${rows}×${cols} without grad`, rows, cols, r.matrix(rows, cols, -6, 6), oneHot(r, rows, cols), false);
    });
  }

  ctx.test('softmaxCrossEntropy with extreme logits (±1000) stays finite and exact', () => {
    const z = [1000, 0, -1000, -1000, 0, 1000, 1000, 1000, -1000, -1000, -1000, -1000, 1000, 999, 998];
    const t = [1, 0, 0, 1, 0, 0, 0.5, 0.5, 0, 0, 0, 1, 0, 0, 1];
    checkSoftmax(ctx, 'extreme', 5, 3, Float64Array.from(z), Float64Array.from(t));
    const [Z] = ctx.pair(5, 3, z);
    const [T] = ctx.pair(5, 3, t);
    const [P] = ctx.pair(5, 3, new Float64Array(15));
    const [G] = ctx.pair(5, 3, new Float64Array(15));
    const loss = ctx.be.softmaxCrossEntropy(Z, T, P, G);
    // Rows: log p = 0; −2000; log ½; log ⅓; −2 − log(1 + e⁻¹ + e⁻²). Mean over 5 rows.
    const expected = (0 + 2000 + Math.LN2 + Math.log(3) + 2 + Math.log(1 + Math.exp(-1) + Math.exp(-2))) / 5;
    expect(loss).toBeCloseTo(expected, 3);
    expect([...ctx.be.read(P)].every(Number.isFinite)).toBe(true);
    expect([...ctx.be.read(G)].every(Number.isFinite)).toBe(true);
  });

  for (const [rows, cols] of [[1, 1], [1, 7], [7, 1], [5, 3], [128, 10], [128, 256], [1000, 3]] as const) {
    const name = `sumRows ${rows}×${cols} with (alpha, beta) = (1, 0), (1/rows, 0), (-0.5, 1), (2, 0.9)`;
    ctx.test(name, () => {
      const r = inputs(name);
      const x = r.matrix(rows, cols, -3, 3);
      const [X, Xr] = ctx.pair(rows, cols, x);
      const absCol = new Float64Array(cols);
      for (let i = 0; i < rows * cols; i++) absCol[i % cols] += Math.abs(x[i]);
      for (const [alpha, beta] of [[1, 0], [1 / rows, 0], [-0.5, 1], [2, 0.9]]) {
        const o = beta === 0 ? new Float64Array(cols).fill(Number.NaN) : r.matrix(1, cols);
        const [O, Or] = ctx.pair(1, cols, o);
        ctx.be.sumRows(X, O, alpha, beta);
        ctx.ref.sumRows(Xr, Or, alpha, beta);
        expectClose(`sumRows α=${alpha} β=${beta}`, cols, ctx.be.read(O), ctx.ref.read(Or),
          (j) => reductionBound(ctx.tol, rows, Math.abs(alpha) * absCol[j] + (beta === 0 ? 0 : Math.abs(beta * o[j]))) + 1e-30);
      }
      const [D, Dr] = ctx.pair(1, cols, new Float64Array(cols));
      ctx.be.sumRows(X, D);
      ctx.ref.sumRows(Xr, Dr);
      expectClose('sumRows defaults', cols, ctx.be.read(D), ctx.ref.read(Dr), (j) => reductionBound(ctx.tol, rows, absCol[j]) + 1e-30);
    });
  }

  ctx.test('sumRows over zero rows gives beta·out', () => {
    const [X] = ctx.pair(0, 3, []);
    const [O] = ctx.pair(1, 3, [1, 2, 4]);
    ctx.be.sumRows(X, O, 1, 0.5);
    expect([...ctx.be.read(O)]).toEqual([0.5, 1, 2]);
    ctx.be.sumRows(X, O);
    expect([...ctx.be.read(O)]).toEqual([0, 0, 0]);
  });

  for (const [rows, cols] of [[1, 1], [1, 10], [9, 3], [128, 10], [17, 257]] as const) {
    const name = `argmaxRows ${rows}×${cols}`;
    ctx.test(name, () => {
      const r = inputs(name);
      const x = r.matrix(rows, cols, -5, 5);
      const [X, Xr] = ctx.pair(rows, cols, x);
      expect([...ctx.be.argmaxRows(X)]).toEqual([...ctx.ref.argmaxRows(Xr)]);
    });
  }

  ctx.test('argmaxRows picks the first index on ties', () => {
    const x = [
      3, 3, 1, 1, 1,
      0, 2, 2, 2, 0,
      -1, -1, -1, -1, -1,
      -Infinity, -Infinity, -Infinity, -Infinity, -Infinity,
      1, 2, 3, 4, 4,
      Infinity, 0, Infinity, 0, 0,
      0, -0, 0, 0, 1e-45,
    ];
    const [X] = ctx.pair(7, 5, x);
    expect([...ctx.be.argmaxRows(X)]).toEqual([0, 1, 0, 0, 3, 0, 4]);
    const [W] = ctx.pair(2, 13, [...new Array(12).fill(0), 5, ...new Array(13).fill(7)]);
    expect([...ctx.be.argmaxRows(W)]).toEqual([12, 0]);
  });

  ctx.test('argmaxRows of rows with no columns is 0 per row, and of no rows is empty', () => {
    const [E] = ctx.pair(3, 0, []);
    expect([...ctx.be.argmaxRows(E)]).toEqual([0, 0, 0]);
    const [N] = ctx.pair(0, 4, []);
    expect(ctx.be.argmaxRows(N).length).toBe(0);
  });

  for (const [rows, cols] of [[1, 1], [1, 7], [13, 31], [128, 784], [1, 200001]] as const) {
    const name = `sumSquares and dot ${rows}×${cols}`;
    ctx.test(name, () => {
      const r = inputs(name);
      const a = r.matrix(rows, cols, -2, 2);
      const b = r.matrix(rows, cols, -2, 2);
      const [A, Ar] = ctx.pair(rows, cols, a);
      const [B, Br] = ctx.pair(rows, cols, b);
      const n = rows * cols;
      let sq = 0;
      let ab = 0;
      for (let i = 0; i < n; i++) {
        sq += a[i] * a[i];
        ab += Math.abs(a[i] * b[i]);
      }
      expectScalarClose('sumSquares', ctx.be.sumSquares(A), ctx.ref.sumSquares(Ar), reductionBound(ctx.tol, n, sq));
      expectScalarClose('dot', ctx.be.dot(A, B), ctx.ref.dot(Ar, Br), reductionBound(ctx.tol, n, ab));
      expectScalarClose('dot(a, a)', ctx.be.dot(A, A), ctx.ref.sumSquares(Ar), reductionBound(ctx.tol, n, sq));
    });
  }

  ctx.test('empty reductions are zero', () => {
    const [E] = ctx.pair(0, 5, []);
    const [F] = ctx.pair(0, 5, []);
    expect(ctx.be.sumSquares(E)).toBe(0);
    expect(ctx.be.dot(E, F)).toBe(0);
    const [Z] = ctx.pair(0, 3, []);
    expect(ctx.be.softmaxCrossEntropy(Z, Z, ctx.be.zeros(0, 3, 'scratch'))).toBe(0);
  });
});
