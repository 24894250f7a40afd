// Direct feedback alignment (Nøkland 2016, NeurIPS): every hidden layer receives the output
// error directly through its own fixed random matrix: δ_l = (e · B_l) ⊙ f′(z_l).
import type { Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import { layerGrads } from '../../engine/backprop.js';
import type { LearningRule } from '../../engine/rule.js';
import { initMatrix, INITIALIZERS } from '../../network/init.js';
import type { Network, Workspace } from '../../network/network.js';

export interface DfaOptions {
  feedbackInit: (typeof INITIALIZERS)[number];
  feedbackScale: number;
}

export interface DfaState {
  /** B_l is n_L × n_l (output size × layer size), one per hidden layer. */
  B: Tensor[];
}

export const dfaRule: LearningRule<DfaOptions, DfaState> = {
  name: 'dfa',
  description: 'direct feedback alignment: each hidden layer gets the output error through its own fixed random matrix',
  signals: 'layer l reads its input h_{l−1}, its f′(z_l), and the global output error e projected by a fixed random B_l (no layer-to-layer error propagation)',
  options: z
    .object({
      feedbackInit: z.enum(INITIALIZERS as [string, ...string[]]).default('glorot-uniform'),
      feedbackScale: z.number().positive().finite().default(1),
    })
    .strict() as unknown as z.ZodType<DfaOptions>,
  init(net, rng, o) {
    const be = net.backend;
    const c = net.outputSize;
    return {
      B: net.layers.slice(0, -1).map((layer, l) => {
        const m = initMatrix(o.feedbackInit, c, layer.outSize, rng.fork(`feedback-${l}`));
        for (let i = 0; i < m.length; i++) m[i] *= o.feedbackScale;
        return be.fromArray(c, layer.outSize, m);
      }),
    };
  },
  step(ctx, state) {
    const { net, ws, grads } = ctx;
    directDeltas(net, ws, state);
    for (let l = 0; l < net.depth; l++) layerGrads(net, ws, grads, l);
    return {};
  },
  feedbackInputGrad(net, ws, state) {
    directDeltas(net, ws, state);
    // The input has no feedback matrix of its own; its gradient goes through W_0, which is local to layer 0.
    net.backend.gemm(ws.delta[0], net.layers[0].W, ws.dx);
  },
};

function directDeltas(net: Network, ws: Workspace, state: DfaState): void {
  const be = net.backend;
  const e = ws.delta[net.depth - 1];
  for (let l = 0; l < net.depth - 1; l++) {
    be.gemm(e, state.B[l], ws.dh[l]);
    be.activationGrad(net.kernelActivation(l), ws.z[l], ws.dh[l], ws.delta[l], net.leakySlope);
  }
}
