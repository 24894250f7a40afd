// Sign-concordant feedback (Liao, Leibo & Poggio 2016, AAAI; Xiao et al. 2018 "sign-symmetry"):
// the error travels down through sign(W_l), optionally scaled by the RMS of W_l so its
// magnitude matches the forward weights: δ_{l−1} = (δ_l · s_l sign(W_l)) ⊙ f′(z_{l−1}).
import type { Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import { layerGrads, propagateDown } from '../../engine/backprop.js';
import type { LearningRule } from '../../engine/rule.js';
import type { Network } from '../../network/network.js';

export interface SignFaOptions {
  /** 'rms': s_l = RMS(W_l) (magnitude-matched); 'none': s_l = 1 (pure signs, as in Liao et al.). */
  scale: 'rms' | 'none';
}

export interface SignFaState {
  S: Tensor[];
}

export const signFaRule: LearningRule<SignFaOptions, SignFaState> = {
  name: 'sign-fa',
  description: 'sign-concordant feedback: errors travel down through sign(W) (scaled), only the signs are transported',
  signals: 'layer l reads its input h_{l−1}, its f′(z_l), and δ_{l+1} carried down through sign(W_{l+1}) (one bit per synapse, refreshed every step)',
  options: z.object({ scale: z.enum(['rms', 'none']).default('rms') }).strict() as unknown as z.ZodType<SignFaOptions>,
  init(net) {
    return { S: net.layers.map((l) => net.backend.zeros(l.outSize, l.inSize)) };
  },
  step(ctx, state, o) {
    const { net, ws, grads } = ctx;
    for (let l = net.depth - 1; l >= 0; l--) {
      layerGrads(net, ws, grads, l);
      if (l > 0) propagateDown(net, ws, l, signFeedback(net, state, l, o));
    }
    return {};
  },
  feedbackInputGrad(net, ws, state, o) {
    for (let l = net.depth - 1; l > 0; l--) propagateDown(net, ws, l, signFeedback(net, state, l, o));
    net.backend.gemm(ws.delta[0], signFeedback(net, state, 0, o), ws.dx);
  },
};

/** s_l·sign(W_l) into state.S[l], recomputed from the current weights. */
export function signFeedback(net: Network, state: SignFaState, l: number, o: SignFaOptions): Tensor {
  const be = net.backend;
  const W = net.layers[l].W;
  be.sign(W, state.S[l]);
  if (o.scale === 'rms') be.scale(state.S[l], Math.sqrt(be.sumSquares(W) / (W.rows * W.cols)), state.S[l]);
  return state.S[l];
}
