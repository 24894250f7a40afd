// Cortical microcircuit rule, spiking version (Yang & Li 2022, arXiv:2205.07292, reconstructed;
// research note §2c): LIF principal cells run T steps; the global spiking error is the
// spike-count MSE E = ½‖r/ν − y‖² (r = counts/T, ν the target rate); error cells carry its
// rectified halves back through |R|∘sign(W) at every step, gated by the ATan surrogate σ′(v[t]),
// and each synapse accumulates post apical error × presynaptic trace over the window:
// ΔW_l = Σ_t δ_l[t]ᵀ x̄_{l−1}[t] / (νTn). Nothing is carried back through the time recursion.
// A second rule name because it runs its own forward pass ('own'), which the engine reads per
// rule, not per option set.
import type { Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import type { LearningRule } from '../../engine/rule.js';
import type { Network, Workspace } from '../../network/network.js';
import {
  disposeFeedback, feedbackMatrix, feedbackOptionShape, hebbianUpdate, initFeedback, splitErrorCells,
  type FeedbackOptions, type FeedbackState,
} from './circuit.js';
import { constantTrace, disposeLifBuffers, makeLifBuffers, PoissonEncoder, readout, simulate, type LifBuffers, type LifDynamics } from './lif.js';
import { neuronOption } from './rule.js';

export interface MicrocircuitLifOptions extends FeedbackOptions {
  neuron: 'lif';
  /** Time steps T per presentation (dt = 1 ms). */
  steps: number;
  /** Membrane time constant τ_m in steps: β = e^{−1/τ_m}. */
  tauMem: number;
  /** Presynaptic trace time constant in steps: λ = e^{−1/τ}; default τ_m (then x̄ is ∂v/∂W without resets). */
  tauTrace?: number;
  threshold: number;
  /** ATan surrogate sharpness α: σ′(v) = (α/2) / (1 + (πα(v − θ)/2)²). */
  surrogateAlpha: number;
  /** 'current': pixel values as a constant input current every step; 'poisson': spikes with probability x per step. */
  encoding: 'current' | 'poisson';
  /** ν: the true class's target rate in spikes per step (the others' is 0). */
  targetRate: number;
}

interface Backward {
  err: Tensor;
  errPlus: Tensor;
  errMinus: Tensor;
  delta: Tensor[];
  apical: Tensor[];
  acc: Tensor[];
  plus: Tensor[];
  minus: Tensor[];
}

interface SpikeStats {
  epoch: number;
  batches: number;
  rate: number[];
  silent: number[];
  dead: number[];
}

export interface MicrocircuitLifState {
  feedback: FeedbackState;
  train: Map<number, { buf: LifBuffers; back: Backward }>;
  infer: Map<number, LifBuffers>;
  /** Poisson noise of inference is the same stream on every call, so evaluation is deterministic. */
  inferSeed: number;
  stats: SpikeStats;
}

export function lifDynamics(o: MicrocircuitLifOptions): LifDynamics {
  return {
    steps: o.steps,
    beta: Math.exp(-1 / o.tauMem),
    threshold: o.threshold,
    traceDecay: Math.exp(-1 / (o.tauTrace ?? o.tauMem)),
    surrogateAlpha: o.surrogateAlpha,
    encoding: o.encoding,
  };
}

export const microcircuitLifRule: LearningRule<MicrocircuitLifOptions, MicrocircuitLifState> = {
  name: 'microcircuit-lif',
  description: 'cortical microcircuit on LIF neurons: spike-count error, error cells through |R|∘sign(W), surrogate-gated Hebbian updates on presynaptic traces over the window (no BPTT)',
  signals:
    'W_l accumulates, over the T steps, its postsynaptic apical error (error cells of layer l+1 through fixed positive strengths routed by sign(W_{l+1}), gated by its own σ′(v_l[t])) times its presynaptic trace x̄_{l−1}[t]; the output error cells read the spike counts and the target',
  forward: 'own',
  requiresLoss: 'mse',
  options: z
    .object({
      neuron: neuronOption('lif'),
      ...feedbackOptionShape,
      steps: z.number().int().min(1).max(10000).default(50),
      tauMem: z.number().positive().finite().default(20),
      tauTrace: z.number().positive().finite().optional(),
      threshold: z.number().positive().finite().default(1),
      surrogateAlpha: z.number().positive().finite().default(2),
      encoding: z.enum(['current', 'poisson']).default('current'),
      targetRate: z.number().positive().max(1).default(0.5),
    })
    .strict() as unknown as z.ZodType<MicrocircuitLifOptions>,
  init(net, rng, o) {
    const out = net.layers[net.depth - 1].activation;
    if (out === 'softmax') {
      throw new RangeError("microcircuit-lif reads the output spike counts as rates: use an elementwise output layer (output 'linear') with loss 'mse', not 'softmax'");
    }
    return {
      feedback: initFeedback(net, rng, o),
      train: new Map(),
      infer: new Map(),
      inferSeed: rng.fork('infer-noise').int(0x7fffffff),
      stats: { epoch: -1, batches: 0, rate: [], silent: [], dead: [] },
    };
  },
  step(ctx, state, o) {
    const { net, ws, grads } = ctx;
    const be = net.backend;
    const dyn = lifDynamics(o);
    const { buf, back } = trainBuffers(net, ws, state, dyn);
    const encoder = dyn.encoding === 'poisson' ? new PoissonEncoder(ctx.rng.int(0x7fffffff)) : null;
    simulate(net, ws, buf, dyn, encoder);
    readout(net, ws, buf, dyn, o.targetRate);
    const L = net.depth - 1;
    const n = ws.batchSize;

    // Output error cells: e± = [±(r/ν − y)]₊, constant over the window.
    be.sub(ws.h[L], ws.targets, back.err);
    const loss = (0.5 * be.sumSquares(back.err)) / n;
    splitErrorCells(be, back.err, back.errPlus, back.errMinus);

    for (let l = 1; l <= L; l++) feedbackMatrix(net, state.feedback, l);
    for (const a of back.acc) be.fill(a, 0);
    // ∂E/∂s_L[t] = (r/ν − y)/(νT); the batch mean adds 1/n.
    const k = 1 / (o.targetRate * dyn.steps * n);
    for (let t = 0; t < dyn.steps; t++) {
      const c = constantTrace(dyn.traceDecay, t + 1);
      for (let l = L; l >= 0; l--) {
        if (l === L) {
          be.mul(back.err, buf.surrogateAt[L][t], back.delta[L]);
        } else {
          be.gemm(back.delta[l + 1], state.feedback.B[l + 1], back.apical[l]);
          be.mul(back.apical[l], buf.surrogateAt[l][t], back.delta[l]);
          splitErrorCells(be, back.delta[l], back.plus[l], back.minus[l]);
        }
        const pre = l > 0 ? buf.traceAt[l - 1][t] : dyn.encoding === 'poisson' ? buf.inputTraceAt[t] : null;
        if (pre) hebbianUpdate(be, back.delta[l], pre, grads.dW[l], k, t === 0 ? 0 : 1);
        // A bias (and a direct-current input) is a presynaptic activity of 1 (x) every step, with trace c_t (c_t·x).
        be.axpy(c, back.delta[l], back.acc[l]);
      }
    }
    for (let l = 0; l <= L; l++) be.sumRows(back.acc[l], grads.db[l], k);
    if (dyn.encoding === 'current') hebbianUpdate(be, back.acc[0], ws.x, grads.dW[0], k);

    return { loss, diagnostics: spikeDiagnostics(net, buf, dyn, state.stats, ctx.epoch) };
  },
  infer(net, ws, state, o) {
    const dyn = lifDynamics(o);
    let buf = state.infer.get(ws.batchSize);
    if (!buf) {
      buf = makeLifBuffers(net, ws.batchSize, dyn, false);
      state.infer.set(ws.batchSize, buf);
    }
    simulate(net, ws, buf, dyn, dyn.encoding === 'poisson' ? new PoissonEncoder(state.inferSeed) : null);
    readout(net, ws, buf, dyn, o.targetRate);
  },
  dispose(net, state) {
    const be = net.backend;
    disposeFeedback(be, state.feedback);
    for (const { buf, back } of state.train.values()) {
      disposeLifBuffers(be, buf);
      for (const t of [back.err, back.errPlus, back.errMinus, ...back.delta, ...back.apical, ...back.acc, ...back.plus, ...back.minus]) be.dispose(t);
    }
    for (const buf of state.infer.values()) disposeLifBuffers(be, buf);
    state.train.clear();
    state.infer.clear();
  },
};

function trainBuffers(net: Network, ws: Workspace, state: MicrocircuitLifState, dyn: LifDynamics): { buf: LifBuffers; back: Backward } {
  let e = state.train.get(ws.batchSize);
  if (!e) {
    const be = net.backend;
    const n = ws.batchSize;
    const per = () => net.layers.map((l) => be.zeros(n, l.outSize));
    const out = net.outputSize;
    e = {
      buf: makeLifBuffers(net, n, dyn, true),
      back: {
        err: be.zeros(n, out), errPlus: be.zeros(n, out), errMinus: be.zeros(n, out),
        delta: per(), apical: per(), acc: per(), plus: per(), minus: per(),
      },
    };
    state.train.set(n, e);
  }
  return e;
}

/**
 * Per layer, averaged over the epoch's batches so far: spikeRate (spikes per neuron per step),
 * silentFraction (neuron-presentations with no spike in the window), deadFraction (neurons
 * silent for every sample of the batch).
 */
function spikeDiagnostics(net: Network, buf: LifBuffers, dyn: LifDynamics, st: SpikeStats, epoch: number): Record<string, number[]> {
  const L = net.depth;
  if (st.epoch !== epoch) Object.assign(st, { epoch, batches: 0, rate: new Array(L).fill(0), silent: new Array(L).fill(0), dead: new Array(L).fill(0) });
  for (let l = 0; l < L; l++) {
    const c = net.backend.read(buf.count[l]);
    const cols = net.layers[l].outSize;
    const rows = buf.batchSize;
    let sum = 0;
    let zeros = 0;
    const colSum = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = c[i * cols + j];
        sum += v;
        if (v === 0) zeros++;
        colSum[j] += v;
      }
    }
    st.rate[l] += sum / (rows * cols * dyn.steps);
    st.silent[l] += zeros / (rows * cols);
    st.dead[l] += colSum.reduce((a, v) => a + (v === 0 ? 1 : 0), 0) / cols;
  }
  st.batches++;
  return {
    spikeRate: st.rate.map((v) => v / st.batches),
    silentFraction: st.silent.map((v) => v / st.batches),
    deadFraction: st.dead.map((v) => v / st.batches),
  };
}
