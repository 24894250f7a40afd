// `gupta`: the STDP-derived local rule of Gupta 2020 ("A More Biologically Plausible Local
// Learning Rule for ANNs", arXiv:2011.12012), reconstructed — the paper's text was not found, so
// only its abstract's claims are the paper's (docs/rules/gupta.md says which part is which).
// Units fire once in a window of length T, a stronger unit earlier: t = T(1 − a). The output's
// spikes are moved by a teacher towards label-timed targets (rule (b)); hidden layers learn
// from their own activity, a fixed association to the classes and the label only (PA, CA,
// H-assoc, H-stdp). No error travels between layers, so every layer can update in parallel.
import { z } from 'zod';
import type { LearningRule, StepContext } from '../../engine/rule.js';
import type { Network } from '../../network/network.js';
import type { Rng } from '../../rng.js';
import { LayerUpdater, readsWeights, type LayerInputs, type LayerKind, type LayerPlan } from './layers.js';
import { guptaOptionsSchema, type GuptaOptions } from './options.js';
import { LayerPool } from './parallel.js';

export interface GuptaState {
  readonly plans: readonly LayerPlan[];
  /** Labels the teacher has seen per class, from a prior of 1 each (gives s_y = 1/(K·π_y)). */
  readonly classCounts: Float64Array;
  /** Sequential mode: one updater per layer, on the training backend. */
  readonly updaters: LayerUpdater[];
  /** parallel: 'layers': the worker threads (started on the first step). */
  pool: LayerPool | null;
  /** s_i of the last batch. */
  amplitude: Float64Array;
}

/** Checks the network is one the latency code can read: sigmoid hidden units, an output read as σ(z). */
function checkNetwork(net: Network, o: GuptaOptions): void {
  net.layers.forEach((l, i) => {
    const last = i === net.depth - 1;
    if (!last && l.activation !== 'sigmoid') {
      throw new RangeError(
        `gupta: layer ${i} is '${l.activation}', but the latency code t = T(1 − a) needs activities in [0, 1]: ` +
          "train with sigmoid hidden units (--activation sigmoid)",
      );
    }
    if (last && !['softmax', 'linear', 'sigmoid'].includes(l.activation)) {
      throw new RangeError(
        `gupta: the output layer is '${l.activation}'; its units fire at T(1 − σ(z)), so it must be 'softmax' (its logits z are read), 'linear' or 'sigmoid'`,
      );
    }
  });
  if (net.classUnits !== net.outputSize) throw new RangeError('gupta: every output unit must be a class unit (no auxiliary output units)');
  if (o.layerRates.length && o.layerRates.length !== net.depth) {
    throw new RangeError(`gupta: layerRates has ${o.layerRates.length} entries; the network has ${net.depth} layers (give one per layer, output last)`);
  }
  if (o.teacherLate >= o.teacherEarly) {
    throw new RangeError(`gupta: teacherEarly (${o.teacherEarly}) must be above teacherLate (${o.teacherLate}): the label's unit fires first`);
  }
}

/** The per-layer plans: rates, fixed association matrices and unit classes from the seeded rng. */
export function makePlans(net: Network, rng: Rng, o: GuptaOptions): LayerPlan[] {
  checkNetwork(net, o);
  const k = net.classUnits;
  return net.layers.map((layer, l): LayerPlan => {
    const last = l === net.depth - 1;
    const kind: LayerKind = last ? 'output' : o.hidden;
    const rate = o.layerRates.length ? o.layerRates[l] : last ? o.outputRate : o.hiddenRate;
    const base = { layer: l, kind, inSize: layer.inSize, outSize: layer.outSize, classes: k, rate, options: o };
    const h = layer.outSize;
    if (kind === 'pa') {
      // B^l ~ N(0, β²/H_l): drawn once, never learned, and not W^{l+1} (no weight transport).
      const r = rng.fork(`association-${l}`);
      const s = o.association / Math.sqrt(h);
      return { ...base, association: Float64Array.from({ length: k * h }, () => s * r.normal()) };
    }
    if (kind === 'ca' || kind === 'assoc') {
      // Balanced classes: unit μ ↦ μ mod K, shuffled.
      const unitClass = Int32Array.from({ length: h }, (_, m) => m % k);
      rng.fork(`classes-${l}`).shuffle(unitClass);
      return { ...base, unitClass };
    }
    if (kind === 'stdp') {
      const W = net.backend.read(layer.W);
      const rowNorms = new Float64Array(h);
      for (let m = 0; m < h; m++) {
        let s = 0;
        for (let j = 0; j < layer.inSize; j++) s += W[m * layer.inSize + j] ** 2;
        rowNorms[m] = Math.sqrt(s);
      }
      return { ...base, rowNorms };
    }
    return base;
  });
}

/** The teacher's amplitudes s_i = 1/(K·π_{y_i}) after counting this batch's labels (1 each without balancing). */
export function teacherAmplitudes(counts: Float64Array, labels: Int32Array, n: number, balance: boolean, out: Float64Array): void {
  if (!balance) {
    out.fill(1, 0, n);
    return;
  }
  for (let i = 0; i < n; i++) counts[labels[i]]++;
  let total = 0;
  for (const c of counts) total += c;
  const k = counts.length;
  for (let i = 0; i < n; i++) out[i] = total / (k * counts[labels[i]]);
}

const DESCRIPTION =
  'STDP-derived local rule (Gupta 2020, reconstructed): latency code t = T(1 − a); a teacher moves each output spike to a label-timed target, ' +
  'hidden layers learn from their own spikes and a fixed local association to the classes (PA by default; CA, H-assoc, H-stdp), no error travels between layers';

const SIGNALS =
  'layer l reads its presynaptic activities a_{l−1} (spike times t = T(1 − a)), its own activities a_l, the label and the teacher\'s class-balanced ' +
  'amplitude s_y; PA adds its fixed association matrix B_l (p = softmax(B_l a_l)), CA the first-spike ranks of its own units and their fixed classes, ' +
  'H-stdp its own W_l; the output reads a_{L−1}, σ(z_L) and the label. Nothing from any layer above.';

export const guptaRule: LearningRule<GuptaOptions, GuptaState> = {
  name: 'gupta',
  description: DESCRIPTION,
  signals: SIGNALS,
  options: guptaOptionsSchema as unknown as z.ZodType<GuptaOptions>,
  init(net, rng, o) {
    const plans = makePlans(net, rng, o);
    return {
      plans,
      classCounts: new Float64Array(net.classUnits).fill(1),
      updaters: o.parallel === 'none' ? plans.map((p) => new LayerUpdater(net.backend, p)) : [],
      pool: null,
      amplitude: new Float64Array(0),
    };
  },
  step(ctx, state, o) {
    const { net, ws, n, labels, grads } = ctx;
    if (state.amplitude.length < n) state.amplitude = new Float64Array(n);
    teacherAmplitudes(state.classCounts, labels, n, o.classBalance, state.amplitude);
    const inputs = net.layers.map((layer, l): LayerInputs => ({
      n,
      pre: l === 0 ? ws.x : ws.h[l - 1],
      post: l === net.depth - 1 ? ws.z[l] : ws.h[l],
      labels,
      amplitude: state.amplitude,
      W: readsWeights(state.plans[l].kind) ? layer.W : undefined,
    }));
    let shifts: (Float64Array | null)[];
    if (o.parallel === 'layers') {
      state.pool ??= LayerPool.start(net.backend, state.plans);
      shifts = state.pool.run(net.backend, inputs, grads);
    } else {
      shifts = state.updaters.map((u, l) => u.compute(inputs[l], grads.dW[l], grads.db[l]).shift);
    }
    applyShifts(net, shifts);
    return { diagnostics: diagnostics(ctx) };
  },
  endTraining(state) {
    state.pool?.close();
    state.pool = null;
  },
  dispose(_net, state) {
    state.pool?.close();
    state.pool = null;
    for (const u of state.updaters) u.dispose();
  },
};

/** Adaptive thresholds live in the biases: spike-frequency adaptation moves b directly, outside the optimiser. */
function applyShifts(net: Network, shifts: (Float64Array | null)[]): void {
  const be = net.backend;
  shifts.forEach((shift, l) => {
    if (!shift) return;
    const b = be.read(net.layers[l].b);
    for (let m = 0; m < b.length; m++) b[m] += shift[m];
    be.write(net.layers[l].b, b);
  });
}

/** Per layer: mean spike time (in units of T) and the fraction of spikes before T/2. */
function diagnostics(ctx: StepContext): Record<string, number[]> {
  const { net, ws } = ctx;
  const meanSpikeTime: number[] = [];
  const earlyFraction: number[] = [];
  for (let l = 0; l < net.depth - 1; l++) {
    const a = net.backend.read(ws.h[l]);
    let sum = 0;
    let early = 0;
    for (let i = 0; i < a.length; i++) {
      sum += a[i];
      if (a[i] > 0.5) early++;
    }
    meanSpikeTime.push(1 - sum / a.length);
    earlyFraction.push(early / a.length);
  }
  return { meanSpikeTime, earlyFraction };
}
