// Cortical microcircuit rule, rate version (Yang & Li 2022, arXiv:2205.07292, reconstructed):
// principal cells carry h_l; two error cells per neuron carry e⁺ = [δ]₊ and e⁻ = [−δ]₊; they
// reach the layer below through fixed positive strengths along the forward sign,
// δ_{l−1} = ((e⁺_l − e⁻_l) · |R_l|∘sign(W_l)) ⊙ f′(z_{l−1}), and ΔW_l = (e⁺_l − e⁻_l)ᵀ h_{l−1} / n.
// That is sign-concordant feedback alignment (Liao et al. 2016) with random magnitudes.
import type { Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import { propagateDown } from '../../engine/backprop.js';
import type { LearningRule } from '../../engine/rule.js';
import type { Network, Workspace } from '../../network/network.js';
import {
  disposeFeedback, feedbackMatrix, feedbackOptionShape, hebbianUpdate, initFeedback, meanOf, splitErrorCells,
  type FeedbackOptions, type FeedbackState,
} from './circuit.js';

export interface MicrocircuitOptions extends FeedbackOptions {
  /** 'rate' (this rule). 'lif' is the spiking variant, registered as 'microcircuit-lif' because it runs its own forward pass. */
  neuron: 'rate';
}

/** Per batch size: the two error-cell populations of every layer, and a row for reductions. */
interface ErrorCells {
  plus: Tensor[];
  minus: Tensor[];
  row: Tensor[];
}

export interface MicrocircuitState {
  feedback: FeedbackState;
  cells: Map<number, ErrorCells>;
  /** Running means of the error cells' activity over the current epoch, per layer. */
  stats: { epoch: number; steps: number; plus: number[]; minus: number[] };
}

export const neuronOption = (own: 'rate' | 'lif') =>
  z
    .enum(['rate', 'lif'])
    .default(own)
    .refine((v) => v === own, {
      message: own === 'rate'
        ? "the spiking version runs its own forward pass and is the rule 'microcircuit-lif'; use --rule microcircuit-lif"
        : "the rate version shares the forward pass and is the rule 'microcircuit'; use --rule microcircuit",
    });

export const microcircuitRule: LearningRule<MicrocircuitOptions, MicrocircuitState> = {
  name: 'microcircuit',
  description: 'cortical microcircuit (Yang & Li 2022): error cells carry [δ]₊ and [−δ]₊ back through fixed positive strengths along the forward sign, Hebbian updates (≡ sign-concordant FA)',
  signals:
    'W_l reads its presynaptic rate h_{l−1} and its postsynaptic apical compartment e⁺_l − e⁻_l; the apical compartment reads the error cells of layer l+1 through fixed positive strengths |R| routed by sign(W_{l+1}) (one bit per synapse: which route), and its own f′(z_l)',
  options: z
    .object({ neuron: neuronOption('rate'), ...feedbackOptionShape })
    .strict() as unknown as z.ZodType<MicrocircuitOptions>,
  init(net, rng, o) {
    return { feedback: initFeedback(net, rng, o), cells: new Map(), stats: { epoch: -1, steps: 0, plus: [], minus: [] } };
  },
  step(ctx, state) {
    const { net, ws, grads } = ctx;
    const be = net.backend;
    const cells = errorCells(net, ws, state);
    const st = state.stats;
    if (st.epoch !== ctx.epoch) Object.assign(st, { epoch: ctx.epoch, steps: 0, plus: new Array(net.depth).fill(0), minus: new Array(net.depth).fill(0) });
    for (let l = net.depth - 1; l >= 0; l--) {
      splitErrorCells(be, ws.delta[l], cells.plus[l], cells.minus[l]);
      hebbianUpdate(be, ws.delta[l], l === 0 ? ws.x : ws.h[l - 1], grads.dW[l], 1 / ws.batchSize);
      be.sumRows(ws.delta[l], grads.db[l], 1 / ws.batchSize);
      st.plus[l] += meanOf(be, cells.plus[l], cells.row[l]);
      st.minus[l] += meanOf(be, cells.minus[l], cells.row[l]);
      if (l > 0) propagateDown(net, ws, l, feedbackMatrix(net, state.feedback, l));
    }
    st.steps++;
    return {
      diagnostics: {
        errorCellPlusMean: st.plus.map((s) => s / st.steps),
        errorCellMinusMean: st.minus.map((s) => s / st.steps),
      },
    };
  },
  feedbackInputGrad(net, ws, state) {
    for (let l = net.depth - 1; l > 0; l--) propagateDown(net, ws, l, feedbackMatrix(net, state.feedback, l));
    net.backend.gemm(ws.delta[0], feedbackMatrix(net, state.feedback, 0), ws.dx);
  },
  dispose(net, state) {
    disposeFeedback(net.backend, state.feedback);
    for (const c of state.cells.values()) for (const t of [...c.plus, ...c.minus, ...c.row]) net.backend.dispose(t);
    state.cells.clear();
  },
};

function errorCells(net: Network, ws: Workspace, state: MicrocircuitState): ErrorCells {
  let c = state.cells.get(ws.batchSize);
  if (!c) {
    const be = net.backend;
    c = {
      plus: net.layers.map((l) => be.zeros(ws.batchSize, l.outSize)),
      minus: net.layers.map((l) => be.zeros(ws.batchSize, l.outSize)),
      row: net.layers.map((l) => be.zeros(1, l.outSize)),
    };
    state.cells.set(ws.batchSize, c);
  }
  return c;
}

/** The error cells of the last step, per layer (tests read them to check the sign invariants). */
export function lastErrorCells(state: MicrocircuitState, batchSize: number): { plus: Tensor[]; minus: Tensor[] } | undefined {
  return state.cells.get(batchSize);
}
