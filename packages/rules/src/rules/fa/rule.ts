// Feedback alignment (Lillicrap et al. 2016, Nat. Commun. 7:13276): the error travels down
// through fixed random matrices B_l in place of W_lᵀ: δ_{l−1} = (δ_l B_l) ⊙ f′(z_{l−1}).
import type { Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import { layerGrads, propagateDown } from '../../engine/backprop.js';
import type { LearningRule } from '../../engine/rule.js';
import { initMatrix, INITIALIZERS } from '../../network/init.js';

export interface FaOptions {
  /** How the fixed feedback matrices are drawn. */
  feedbackInit: (typeof INITIALIZERS)[number];
  /** Multiplies the drawn feedback matrices. */
  feedbackScale: number;
}

export interface FaState {
  /** B_l, shaped like W_l (n_l × n_{l−1}); B_0 is used only for the 'rule' input gradient of attacks. */
  B: Tensor[];
}

export const faRule: LearningRule<FaOptions, FaState> = {
  name: 'fa',
  description: 'feedback alignment: errors travel down through fixed random matrices B instead of Wᵀ',
  signals: 'layer l reads its input h_{l−1}, its f′(z_l), and δ_{l+1} carried down through a fixed random B_{l+1} (no weight transport)',
  options: z
    .object({
      feedbackInit: z.enum(INITIALIZERS as [string, ...string[]]).default('glorot-uniform'),
      feedbackScale: z.number().positive().finite().default(1),
    })
    .strict() as unknown as z.ZodType<FaOptions>,
  init(net, rng, o) {
    const be = net.backend;
    return {
      B: net.layers.map((layer, l) => {
        const m = initMatrix(o.feedbackInit, layer.outSize, layer.inSize, rng.fork(`feedback-${l}`));
        for (let i = 0; i < m.length; i++) m[i] *= o.feedbackScale;
        return be.fromArray(layer.outSize, layer.inSize, m);
      }),
    };
  },
  step(ctx, state) {
    const { net, ws, grads } = ctx;
    for (let l = net.depth - 1; l >= 0; l--) {
      layerGrads(net, ws, grads, l);
      if (l > 0) propagateDown(net, ws, l, state.B[l]);
    }
    return {};
  },
  feedbackInputGrad(net, ws, state) {
    for (let l = net.depth - 1; l > 0; l--) propagateDown(net, ws, l, state.B[l]);
    net.backend.gemm(ws.delta[0], state.B[0], ws.dx);
  },
};
