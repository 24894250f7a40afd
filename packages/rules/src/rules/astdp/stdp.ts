// The rate form of STDP (Bengio et al. 2015, arXiv:1509.05936: ΔW_ij ∝ s_j · ds_i/dt, pre rate
// times the change of the post rate), for a synapse that is used in both directions. Between two
// phases a → b every neuron's rate changes by Δs = s^b − s^a (its numerically estimated
// derivative over the transition); integrating s_j ds_i + s_i ds_j along the straight path gives
// ΔW_ij = ½(Δs_i s̄_j + s̄_i Δs_j), s̄ = (s^a + s^b)/2, which is exactly ½Δ(s_i s_j): the
// contrastive Hebbian update (Movellan 1991) reached by a purely local, timing-based rule.
import type { Backend, Tensor } from '@plasticity/core-wasm';
import type { SymmetricNet } from './dynamics.js';

/** Scratch for one batch size: Δs_k and s̄_k per layer. */
export interface TransitionScratch {
  readonly delta: Tensor[];
  readonly mean: Tensor[];
}

export function makeTransitionScratch(be: Backend, sizes: number[], batch: number): TransitionScratch {
  return { delta: sizes.map((n) => be.zeros(batch, n)), mean: sizes.map((n) => be.zeros(batch, n)) };
}

export function disposeTransitionScratch(be: Backend, s: TransitionScratch): void {
  for (const x of [...s.delta, ...s.mean]) be.dispose(x);
}

export interface Accumulators {
  /** Per network layer, shaped like W_k (n_k × n_{k−1}); index k − 1. */
  dW: Tensor[];
  /** Per network layer, 1 × n_k; index k − 1. */
  db: Tensor[];
  /** Input biases, 1 × n_0. */
  dbx: Tensor;
}

/**
 * acc += coef_k · (the rate-STDP update of the transition a → b), summed over the batch rows:
 * ΔW_k = ½(Δs_kᵀ s̄_{k−1} + s̄_kᵀ Δs_{k−1}), Δb_k = Σ_rows Δs_k. `changed[k]` false says layer k
 * held the same state in both phases (a clamped input): its Δ terms are skipped, not computed.
 * `coef[k]` (k = 1…L) scales W_k and b_k; `coef[0]` scales the input biases.
 */
export function accumulateTransition(
  sym: SymmetricNet,
  a: readonly Tensor[],
  b: readonly Tensor[],
  changed: readonly boolean[],
  coef: readonly number[],
  scratch: TransitionScratch,
  acc: Accumulators,
): void {
  const be = sym.backend;
  const { delta, mean } = scratch;
  const L = sym.L;
  const meanOf = (k: number) => (changed[k] ? mean[k] : a[k]);
  for (let k = 0; k <= L; k++) {
    if (!changed[k]) continue;
    be.sub(b[k], a[k], delta[k]);
    be.add(a[k], b[k], mean[k]);
    be.scale(mean[k], 0.5, mean[k]);
  }
  for (let k = 1; k <= L; k++) {
    const c = coef[k];
    if (c === 0) continue;
    if (changed[k]) {
      be.gemm(delta[k], meanOf(k - 1), acc.dW[k - 1], { transA: true, alpha: c / 2, beta: 1 });
      be.sumRows(delta[k], acc.db[k - 1], c, 1);
    }
    if (changed[k - 1]) be.gemm(meanOf(k), delta[k - 1], acc.dW[k - 1], { transA: true, alpha: c / 2, beta: 1 });
  }
  if (changed[0] && coef[0] !== 0) be.sumRows(delta[0], acc.dbx, coef[0], 1);
}

/**
 * acc += coef_k · ½ Σ_r w_r s_k[r]ᵀ s_{k−1}[r] (and coef_k Σ_r w_r s_k[r] for b_k, coef_0 for the
 * input biases): one side of ½Δ(s_i s_j) when the two phases of a transition ran on different
 * rows. The dream phase of every row of class c is the same (a blank input, the label clamped),
 * so it runs once per class and `weights` (a C × C diagonal of class counts) stands for the rows.
 * `skipBias[k]` leaves b_k out (a clamped layer, whose two sides cancel exactly).
 */
export function accumulateProducts(
  sym: SymmetricNet,
  s: readonly Tensor[],
  weights: Tensor | null,
  coef: readonly number[],
  skipBias: readonly boolean[],
  weighted: Tensor[],
  acc: Accumulators,
): void {
  const be = sym.backend;
  const L = sym.L;
  const ws = (k: number) => {
    if (!weights) return s[k];
    be.gemm(weights, s[k], weighted[k]);
    return weighted[k];
  };
  for (let k = 0; k <= L; k++) {
    const c = coef[k];
    if (c === 0) continue;
    const sk = ws(k);
    if (k >= 1) be.gemm(sk, s[k - 1], acc.dW[k - 1], { transA: true, alpha: c / 2, beta: 1 });
    if (!skipBias[k]) be.sumRows(sk, k === 0 ? acc.dbx : acc.db[k - 1], c, 1);
  }
}
