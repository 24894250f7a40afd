// GAIT-prop's soft orthogonality regulariser (Ahmad et al. 2020, Sec. 4; authors' code
// `inv_net.py: ortho_gradients`): Ω(W) = Σ_{i≠j} R_ij², R = WᵀW in our out × in layout (the
// authors' W W^T with W stored in × out), so only off-diagonal entries are penalised and
// column norms are free. ∂Ω/∂W = 4 W (R − diag R).
import type { Backend, Tensor } from '@plasticity/core-wasm';

/** Scratch for one layer's regulariser, made once: R (in × in), G and C (out × in), ones (out × 1), c (1 × in). */
export interface OrthoScratch {
  readonly R: Tensor;
  readonly G: Tensor;
  readonly C: Tensor;
  readonly ones: Tensor;
  readonly c: Tensor;
}

export function makeOrthoScratch(be: Backend, rows: number, cols: number): OrthoScratch {
  const ones = be.zeros(rows, 1);
  be.fill(ones, 1);
  return { R: be.zeros(cols, cols), G: be.zeros(rows, cols), C: be.zeros(rows, cols), ones, c: be.zeros(1, cols) };
}

export function disposeOrthoScratch(be: Backend, s: OrthoScratch): void {
  for (const t of [s.R, s.G, s.C, s.ones, s.c]) be.dispose(t);
}

/** s.R ← WᵀW. */
export function gram(be: Backend, W: Tensor, s: OrthoScratch): void {
  be.gemm(W, W, s.R, { transA: true });
}

/**
 * dW ← dW + λ·∂Ω/∂W = dW + 4λ·W(R − diag R), with s.R = WᵀW already computed (see gram).
 * W·diag(R) scales column j of W by R_jj = ‖W_{:,j}‖², built as W ⊙ (1·cᵀ) with c the column norms².
 */
export function addOrthoGradient(be: Backend, W: Tensor, s: OrthoScratch, lambda: number, dW: Tensor): void {
  be.gemm(W, s.R, s.G);
  be.mul(W, W, s.C);
  be.sumRows(s.C, s.c);
  be.gemm(s.ones, s.c, s.C);
  be.mul(W, s.C, s.C);
  be.sub(s.G, s.C, s.G);
  be.axpy(4 * lambda, s.G, dW);
}

/**
 * ‖WᵀW − I‖_F from s.R = WᵀW, with I the identity on the `active` input units (all of them for a
 * square layer; the first `active` for a truncated tower layer, whose other columns are zero):
 * ‖R − I‖² = ΣR² − 2 tr R + active, and tr R = ‖W‖²_F.
 */
export function orthoDeviation(be: Backend, W: Tensor, s: OrthoScratch, active = W.cols): number {
  return Math.sqrt(Math.max(0, be.sumSquares(s.R) - 2 * be.sumSquares(W) + active));
}

/** Ω(W) itself (for tests and reports), from s.R: Σ R² − Σ_j R_jj². */
export function orthoPenalty(be: Backend, W: Tensor, s: OrthoScratch): number {
  be.mul(W, W, s.C);
  be.sumRows(s.C, s.c);
  return be.sumSquares(s.R) - be.sumSquares(s.c);
}
