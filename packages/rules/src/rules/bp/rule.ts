// Backpropagation (Rumelhart, Hinton & Williams 1986): δ_{l−1} = (δ_l W_l) ⊙ f′(z_{l−1}).
import { z } from 'zod';
import { backpropGrads, backpropInputGrad } from '../../engine/backprop.js';
import type { LearningRule } from '../../engine/rule.js';

export type BpOptions = Record<string, never>;

export const bpRule: LearningRule<BpOptions, null> = {
  name: 'bp',
  description: 'backpropagation: exact gradient of the loss, errors carried down through Wᵀ (the baseline)',
  signals: "layer l reads its input h_{l−1}, its f′(z_l), and δ_{l+1} carried down through the layer above's own weights W_{l+1}ᵀ (weight transport: not local)",
  options: z.object({}).strict() as unknown as z.ZodType<BpOptions>,
  init: () => null,
  step(ctx) {
    backpropGrads(ctx.net, ctx.ws, ctx.grads);
    return {};
  },
  feedbackInputGrad(net, ws) {
    backpropInputGrad(net, ws);
  },
};
