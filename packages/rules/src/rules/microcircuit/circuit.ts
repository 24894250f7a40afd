// The parts of the cortical microcircuit (Yang & Li 2022, arXiv:2205.07292) that the rate and
// the spiking variant share: the fixed random positive feedback strengths |R_l|, the feedback
// each layer receives along the forward synapse's sign, B_l = |R_l| ∘ sign(W_l), the pair of
// error cells that carry the rectified positive and negative error, and the compartment-local
// Hebbian update (post apical error × presynaptic rate). The equations are our reconstruction;
// docs/rules/microcircuit.md says which parts the paper states.
import type { Backend, Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import type { Network } from '../../network/network.js';
import type { Rng } from '../../rng.js';

export const FEEDBACK_MAGNITUDES = ['uniform', 'half-normal', 'constant'] as const;
export type FeedbackMagnitude = (typeof FEEDBACK_MAGNITUDES)[number];

export interface FeedbackOptions {
  /** How |R_l| is drawn: U(0,1), |N(0,1)|, or 1 everywhere (then B_l = sign(W_l), pure sign-concordant feedback). */
  feedbackMagnitude: FeedbackMagnitude;
  /**
   * 'fan-in' (default) divides |R_l| by √n_{l−1}, the fan-in of W_l: U(0,1) strengths are about
   * ten times larger than Glorot weights at MNIST widths, and unscaled feedback diverges with
   * SGD (research note §5). 'none' keeps the drawn strengths.
   */
  feedbackScale: 'fan-in' | 'none';
  /** A positive factor on every |R_l| (default 1). */
  feedbackGain: number;
}

export const feedbackOptionShape = {
  feedbackMagnitude: z.enum(FEEDBACK_MAGNITUDES).default('uniform'),
  feedbackScale: z.enum(['fan-in', 'none']).default('fan-in'),
  feedbackGain: z.number().positive().finite().default(1),
};

export interface FeedbackState {
  /** |R_l|, fixed positive strengths shaped like W_l (n_l × n_{l−1}); drawn once, never learned. */
  absR: Tensor[];
  /** B_l = |R_l| ∘ sign(W_l), rebuilt from the current weights before each use. */
  B: Tensor[];
}

/** Draws |R_l| for every layer (B_0 serves only the 'rule' input gradient of attacks). */
export function initFeedback(net: Network, rng: Rng, o: FeedbackOptions): FeedbackState {
  const be = net.backend;
  const absR = net.layers.map((layer, l) => {
    const r = rng.fork(`feedback-${l}`);
    const n = layer.outSize * layer.inSize;
    const scale = o.feedbackGain / (o.feedbackScale === 'fan-in' ? Math.sqrt(layer.inSize) : 1);
    const m = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = o.feedbackMagnitude === 'uniform' ? r.next() : o.feedbackMagnitude === 'half-normal' ? Math.abs(r.normal()) : 1;
      m[i] = scale * v;
    }
    return be.fromArray(layer.outSize, layer.inSize, m);
  });
  return { absR, B: net.layers.map((layer) => be.zeros(layer.outSize, layer.inSize)) };
}

/**
 * B_l ← |R_l| ∘ sign(W_l): an error cell reaches the layer below through the excitatory route
 * where the forward synapse is excitatory and the inhibitory route where it is inhibitory,
 * with its own fixed strength, so only the sign of W_l (which route) is shared, never its value.
 */
export function feedbackMatrix(net: Network, fb: FeedbackState, l: number): Tensor {
  const be = net.backend;
  be.sign(net.layers[l].W, fb.B[l]);
  be.mul(fb.B[l], fb.absR[l], fb.B[l]);
  return fb.B[l];
}

export function disposeFeedback(be: Backend, fb: FeedbackState): void {
  for (const t of [...fb.absR, ...fb.B]) be.dispose(t);
}

/**
 * The two error cells of a layer: e⁺ ← [δ]₊ and e⁻ ← [−δ]₊, then the apical compartment they
 * converge on (e⁺ excitatory, e⁻ inhibitory) is written back into `delta` as e⁺ − e⁻, which
 * is δ exactly (one of the two is zero), so every later read of `delta` reads the cells.
 */
export function splitErrorCells(be: Backend, delta: Tensor, plus: Tensor, minus: Tensor): void {
  be.activation('relu', delta, plus);
  be.scale(delta, -1, minus);
  be.activation('relu', minus, minus);
  be.sub(plus, minus, delta);
}

/**
 * The compartment-local Hebbian update of one layer: ΔW_ij ← alpha·Σ_samples apical_i·pre_j
 * (+ beta·ΔW_ij, to accumulate over time steps), an outer product of the postsynaptic apical
 * error and the presynaptic rate or trace. Nothing else enters: that is the locality claim.
 */
export function hebbianUpdate(be: Backend, apical: Tensor, pre: Tensor, dW: Tensor, alpha: number, beta = 0): void {
  be.gemm(apical, pre, dW, { transA: true, alpha, beta });
}

/** Mean of all entries of x (Σ x / (rows·cols), one sumRows and a read of one row), for diagnostics. */
export function meanOf(be: Backend, x: Tensor, scratchRow: Tensor): number {
  be.sumRows(x, scratchRow);
  const s = be.read(scratchRow);
  let t = 0;
  for (let i = 0; i < s.length; i++) t += s[i];
  return t / (x.rows * x.cols);
}
