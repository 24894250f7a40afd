// The pieces of backpropagation every rule family shares: the output error of the loss,
// one layer's error carried down through a feedback matrix (Wᵀ for BP, B for FA, sign(W)
// for sign-FA), and a layer's gradient as an outer product of its error and its input.
import type { Tensor } from '@plasticity/core-wasm';
import type { Network, Workspace } from '../network/network.js';
import type { LossKind, ParamGrads } from './rule.js';

/**
 * Fills ws.delta[L−1] with dL/dz_L per sample (not divided by the batch size) and returns
 * the mean loss. Cross-entropy reads the output pre-activations as logits (softmax or
 * linear output); MSE is ½‖h_L − t‖² through the output non-linearity, auxiliary output
 * units (see NetworkSpec.classUnits) taking their own activity as target.
 */
export function outputError(net: Network, ws: Workspace, loss: LossKind): number {
  const be = net.backend;
  const L = net.depth - 1;
  const act = net.layers[L].activation;
  if (loss === 'cross-entropy') {
    if (net.classUnits < net.outputSize) {
      throw new RangeError(`auxiliary output units (classUnits ${net.classUnits} < ${net.outputSize} outputs) need loss 'mse'`);
    }
    if (act !== 'softmax' && act !== 'linear') {
      throw new RangeError(`cross-entropy needs a softmax or linear output layer, not '${act}'; use loss 'mse' instead`);
    }
    return be.softmaxCrossEntropy(ws.z[L], ws.targets, ws.h[L], ws.delta[L]);
  }
  if (act === 'softmax') {
    throw new RangeError("mse needs an elementwise output activation, not 'softmax'; use loss 'cross-entropy'");
  }
  net.setAuxiliaryTargets(ws);
  be.sub(ws.h[L], ws.targets, ws.dh[L]);
  const ss = be.sumSquares(ws.dh[L]);
  be.activationGrad(net.kernelActivation(L), ws.z[L], ws.dh[L], ws.delta[L], net.leakySlope);
  return (0.5 * ss) / ws.batchSize;
}

/** δ_{l−1} ← (δ_l · F_l) ⊙ f′(z_{l−1}), F_l shaped like W_l (n_l × n_{l−1}); F_l = W_l is backprop. */
export function propagateDown(net: Network, ws: Workspace, l: number, feedback: Tensor): void {
  const be = net.backend;
  be.gemm(ws.delta[l], feedback, ws.dh[l - 1]);
  be.activationGrad(net.kernelActivation(l - 1), ws.z[l - 1], ws.dh[l - 1], ws.delta[l - 1], net.leakySlope);
}

/** dW_l ← scale·δ_lᵀ·h_{l−1}, db_l ← scale·Σ_rows δ_l: the local outer-product update of layer l. */
export function layerGrads(net: Network, ws: Workspace, grads: ParamGrads, l: number, scale = 1 / ws.batchSize, delta = ws.delta[l]): void {
  const be = net.backend;
  const input = l === 0 ? ws.x : ws.h[l - 1];
  be.gemm(delta, input, grads.dW[l], { transA: true, alpha: scale });
  be.sumRows(delta, grads.db[l], scale);
}

/** Full backprop from ws.delta[L−1] down: every layer's true gradient of the mean loss. */
export function backpropGrads(net: Network, ws: Workspace, grads: ParamGrads): void {
  for (let l = net.depth - 1; l >= 0; l--) {
    layerGrads(net, ws, grads, l);
    if (l > 0) propagateDown(net, ws, l, net.layers[l].W);
  }
}

/** dL/dx (of the summed per-sample losses) into ws.dx, exact backprop from ws.delta[L−1]. */
export function backpropInputGrad(net: Network, ws: Workspace): void {
  for (let l = net.depth - 1; l > 0; l--) propagateDown(net, ws, l, net.layers[l].W);
  net.backend.gemm(ws.delta[0], net.layers[0].W, ws.dx);
}

export function makeGrads(net: Network): ParamGrads {
  const be = net.backend;
  return {
    dW: net.layers.map((l) => be.zeros(l.outSize, l.inSize)),
    db: net.layers.map((l) => be.zeros(1, l.outSize)),
  };
}

export function disposeGrads(net: Network, g: ParamGrads): void {
  for (const t of [...g.dW, ...g.db]) net.backend.dispose(t);
}
