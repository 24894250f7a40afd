// GAIT-prop's soft orthogonality regulariser (Ahmad et al. 2020, Sec. 4; authors' code
// `inv_net.py: ortho_gradients`): Ω(W) = Σ_{i≠j} R_ij², R = WᵀW in our out × in layout (the
// authors' W W^T with W stored in × out), so only off-diagonal entries are penalised and
// column norms are free. ∂Ω/∂W = 4 W (R − diag R).
// A first layer wider than it is tall (out < in; it is never inverted, so it need not be
// square) cannot have orthogonal columns: there the rows are made orthogonal instead,
// R = WWᵀ and ∂Ω/∂W = 4 (R − diag R) W.
import type { Backend, Tensor } from '@plasticity/core-wasm';

/** What Ω pulls WᵀW toward: its off-diagonal to 0 (the paper), or all of it to I. */
export type OrthoTarget = 'off-diagonal' | 'identity';

/** Scratch for one layer's regulariser, made once. */
export interface OrthoScratch {
  /** Gram of rows (WWᵀ) instead of columns (WᵀW). */
  readonly byRows: boolean;
  /** The Gram matrix R. */
  readonly R: Tensor;
  readonly G: Tensor;
  readonly C: Tensor;
  /** Ones, 1 × in (byRows) or out × 1. */
  readonly ones: Tensor;
  /** Squared norms of the columns (1 × in) or rows (out × 1). */
  readonly c: Tensor;
}

export function makeOrthoScratch(be: Backend, rows: number, cols: number, byRows = false): OrthoScratch {
  const ones = byRows ? be.zeros(1, cols) : be.zeros(rows, 1);
  be.fill(ones, 1);
  const k = byRows ? rows : cols;
  return { byRows, R: be.zeros(k, k), G: be.zeros(rows, cols), C: be.zeros(rows, cols), ones, c: byRows ? be.zeros(rows, 1) : be.zeros(1, cols) };
}

export function disposeOrthoScratch(be: Backend, s: OrthoScratch): void {
  for (const t of [s.R, s.G, s.C, s.ones, s.c]) be.dispose(t);
}

/** s.R ← WᵀW (or WWᵀ). */
export function gram(be: Backend, W: Tensor, s: OrthoScratch): void {
  if (s.byRows) be.gemm(W, W, s.R, { transB: true });
  else be.gemm(W, W, s.R, { transA: true });
}

/** s.c ← squared column (or row) norms of W; s.C ← W ⊙ W on the way. */
function sqNorms(be: Backend, W: Tensor, s: OrthoScratch): void {
  be.mul(W, W, s.C);
  if (s.byRows) be.gemm(s.C, s.ones, s.c, { transB: true });
  else be.sumRows(s.C, s.c);
}

/**
 * dW ← dW + λ·∂Ω/∂W = dW + 4λ·W(R − diag R) (or 4λ·(R − diag R)W), with s.R from gram().
 * The diagonal part scales W's columns (rows) by their squared norms c, built as W ⊙ (1·cᵀ).
 * target 'identity' (not the paper's) penalises ‖R − I‖² instead: 4λ·W(R − I), norms included.
 */
export function addOrthoGradient(be: Backend, W: Tensor, s: OrthoScratch, lambda: number, dW: Tensor, target: OrthoTarget = 'off-diagonal'): void {
  if (s.byRows) be.gemm(s.R, W, s.G);
  else be.gemm(W, s.R, s.G);
  if (target === 'identity') {
    be.sub(s.G, W, s.G);
    be.axpy(4 * lambda, s.G, dW);
    return;
  }
  sqNorms(be, W, s);
  if (s.byRows) be.gemm(s.c, s.ones, s.C);
  else be.gemm(s.ones, s.c, s.C);
  be.mul(W, s.C, s.C);
  be.sub(s.G, s.C, s.G);
  be.axpy(4 * lambda, s.G, dW);
}

/**
 * ‖R − I‖_F from s.R (gram()), with I the identity on the `active` units (all of R's side for a
 * square layer; the first `active` for a truncated tower layer, whose other columns are zero):
 * ‖R − I‖² = ΣR² − 2 tr R + active, and tr R = ‖W‖²_F.
 */
export function orthoDeviation(be: Backend, W: Tensor, s: OrthoScratch, active = s.R.rows): number {
  return Math.sqrt(Math.max(0, be.sumSquares(s.R) - 2 * be.sumSquares(W) + active));
}

/** Ω(W) itself (for tests and reports), from s.R: ΣR² − Σ_j R_jj². */
export function orthoPenalty(be: Backend, W: Tensor, s: OrthoScratch): number {
  sqNorms(be, W, s);
  return be.sumSquares(s.R) - be.sumSquares(s.c);
}
