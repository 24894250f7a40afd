// aSTDP (Li 2022, arXiv:2206.14137), reconstructed: rate neurons with symmetric weights relax to
// a steady state; a free phase (input clamped), a label phase (label clamped or nudged) and a
// dream phase (label clamped, input free: the model's own generation) each move the rates, and
// every synapse changes by presynaptic rate × change of postsynaptic rate between phases. There
// is no loss and no error signal. docs/rules/astdp.md says which parts are the paper's.
import type { Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import type { LearningRule, StepContext } from '../../engine/rule.js';
import type { Network, Workspace } from '../../network/network.js';
import type { Rng } from '../../rng.js';
import {
  backpropThroughTape, clearTape, disposeAdjoint, disposeTape, makeAdjoint, newTape, SymmetricNet,
  type Adjoint, type Buffers, type PhaseOptions, type Relaxation, type Tape,
} from './dynamics.js';
import { accumulateProducts, accumulateTransition, disposeTransitionScratch, makeTransitionScratch, type TransitionScratch } from './stdp.js';

export interface AstdpOptions {
  /** 'supervised': free, label and dream phases. 'unsupervised': free (wake) and dream phases, no label. */
  mode: 'supervised' | 'unsupervised';
  relaxation: Relaxation;
  /** Euler step of the 'euler' relaxation. */
  alpha: number;
  /** Most steps of the free phase (input clamped), in training. */
  freeSteps: number;
  /** Most steps of the label phase (from the free steady state). */
  labelSteps: number;
  /** Most steps of the free phase at inference (evaluation, attacks' predictions). */
  inferSteps: number;
  /** A phase stops early once the RMS change per free neuron in a step is ≤ tol (0: never). */
  tol: number;
  /** 1: the label is clamped; below 1 the output is nudged, target (1 − β)ρ(u) + β·label, and the update is divided by β. */
  beta: number;
  /** Per-layer multipliers of the learning rate (length = layers); empty: 1 for hidden layers, 0.5 for the output. */
  layerRates: number[];
  /** Multiplier of the learning rate for the dream → wake transition (0: no dream phase, no generation learning). */
  dreamRate: number;
  /**
   * The dream rate's own schedule: dreamRate · dreamDecay^epoch. Early dreams build the
   * generative path; later they only add the irreducible mismatch between one dream per class and
   * the variety of the data, which the classifier pays for (docs/rules/astdp.md).
   */
  dreamDecay: number;
  /** Steps of the dream phase (always run in full). */
  dreamSteps: number;
  /** Dream every N training steps. */
  dreamEvery: number;
  /** The dream's starting input: blank (as generation starts) or uniform noise. */
  dreamInit: 'zero' | 'noise';
  /**
   * The rate γ of the clamped label neuron in the generative phases (wake, dream, generation): a
   * label neuron driven harder than its [0, 1] range, so the label still shapes the steady state
   * when 784 free inputs feed back into the hidden layer (γ = 1 lets them drown it).
   */
  labelGain: number;
  /** Learning rate of the input biases (rule state, so outside the optimiser). */
  visibleRate: number;
  /** Relaxation steps unrolled for the 'rule' input gradient of attacks (0: inferSteps). */
  attackSteps: number;
}

export interface AstdpState {
  readonly sym: SymmetricNet;
  /** Input biases b_x (1 × n_0): the input layer's own bias, used when it is free. */
  readonly bx: Tensor;
  readonly dbx: Tensor;
  /** Per batch size: phase snapshots and transition scratch. */
  readonly perBatch: Map<number, { snap: Tensor[]; wake: Tensor[]; scratch: TransitionScratch }>;
  /** Per dream batch size: class-count weights, γ·I (the labels of a per-class dream), γ·labels, weighted copies. */
  readonly dreams: Map<number, { weights: Tensor; identity: Tensor; gained: Tensor; weighted: Tensor[] }>;
  /** The clamped label's rate in the generative phases (options.labelGain). */
  readonly labelGain: number;
  readonly tape: Tape;
  readonly adjoints: Map<number, Adjoint>;
  /** Steps each phase took in the last training step (diagnostics). */
  lastSteps: { free: number; label: number; dream: number };
}

const schema = z
  .object({
    mode: z.enum(['supervised', 'unsupervised']).default('supervised'),
    relaxation: z.enum(['target', 'euler']).default('target'),
    alpha: z.number().gt(0).max(1).default(0.5),
    freeSteps: z.number().int().positive().default(20),
    labelSteps: z.number().int().positive().default(8),
    inferSteps: z.number().int().positive().default(30),
    tol: z.number().min(0).default(1e-4),
    beta: z.number().gt(0).max(1).default(0.5),
    layerRates: z.array(z.number().nonnegative().finite()).default([]),
    dreamRate: z.number().min(0).finite().default(0.2),
    dreamDecay: z.number().gt(0).max(1).default(0.8),
    dreamSteps: z.number().int().positive().default(40),
    dreamEvery: z.number().int().positive().default(2),
    dreamInit: z.enum(['zero', 'noise']).default('zero'),
    labelGain: z.number().min(1).finite().default(3),
    visibleRate: z.number().min(0).finite().default(0.01),
    attackSteps: z.number().int().nonnegative().default(0),
  })
  .strict();

/** Checks the network is one aSTDP can run: hard-sigmoid hidden units seen forward as relu, a linear output drive. */
function checkNetwork(net: Network, o: AstdpOptions): void {
  net.layers.forEach((l, i) => {
    const last = i === net.depth - 1;
    const want = last ? 'linear' : 'relu';
    if (l.activation !== want) {
      throw new RangeError(
        `astdp: layer ${i} is '${l.activation}', but aSTDP's neurons are hard-sigmoid rate units, clip(u, 0, 1); declare the hidden ` +
          "layers 'relu' (their feed-forward view below saturation) and the output 'linear' (its drive, which predicts)",
      );
    }
  });
  if (o.layerRates.length && o.layerRates.length !== net.depth) {
    throw new RangeError(`astdp: layerRates has ${o.layerRates.length} entries; the network has ${net.depth} layers`);
  }
  if (net.spec.inputTransform) {
    throw new RangeError("astdp: the input is a layer of rate neurons in [0, 1]; train with inputTransform 'none' (got a normalised input)");
  }
}

function makeState(net: Network, o: AstdpOptions, bx?: ArrayLike<number>): AstdpState {
  checkNetwork(net, o);
  const be = net.backend;
  const bxT = bx ? be.fromArray(1, net.inputSize, bx) : be.zeros(1, net.inputSize);
  return {
    sym: new SymmetricNet(net, bxT),
    bx: bxT,
    dbx: be.zeros(1, net.inputSize),
    perBatch: new Map(),
    dreams: new Map(),
    labelGain: o.labelGain,
    tape: newTape(),
    adjoints: new Map(),
    lastSteps: { free: 0, label: 0, dream: 0 },
  };
}

function perBatch(state: AstdpState, batch: number) {
  let p = state.perBatch.get(batch);
  if (!p) {
    const be = state.sym.backend;
    const sizes = state.sym.sizes;
    p = {
      snap: sizes.map((n) => be.zeros(batch, n)),
      wake: sizes.map((n) => be.zeros(batch, n)),
      scratch: makeTransitionScratch(be, sizes, batch),
    };
    state.perBatch.set(batch, p);
  }
  return p;
}

function phase(o: AstdpOptions, steps: number, extra: Partial<PhaseOptions>): PhaseOptions {
  return { relaxation: o.relaxation, alpha: o.alpha, steps, tol: o.tol, inputFree: false, top: 'free', ...extra };
}

/** Loads x into the input layer and blanks the rest. */
function startFree(sym: SymmetricNet, buf: Buffers, x: Tensor): void {
  const be = sym.backend;
  be.copy(x, buf.s[0]);
  for (let k = 1; k <= sym.L; k++) be.fill(buf.s[k], 0);
}

/** The free phase's result into the workspace: hidden rates in ws.h, the output drive (which predicts) in ws.z and ws.h. */
function publish(sym: SymmetricNet, buf: Buffers, ws: Workspace): void {
  const be = sym.backend;
  const L = sym.L;
  for (let k = 1; k < L; k++) {
    be.copy(buf.s[k], ws.h[k - 1]);
    be.copy(buf.u[k], ws.z[k - 1]);
  }
  // The output's last update may predate the last update of the layer below: read the drive again from the end state.
  sym.netInput(buf, L, true);
  be.copy(buf.u[L], ws.z[L - 1]);
  be.copy(buf.u[L], ws.h[L - 1]);
}

export function rateOf(o: AstdpOptions, k: number, L: number): number {
  if (o.layerRates.length) return o.layerRates[k - 1];
  return k === L ? 0.5 : 1;
}

/** Runs the free phase on ws.x (inference). Returns the steps it took. */
export function freePhase(net: Network, ws: Workspace, state: AstdpState, o: AstdpOptions, steps = o.inferSteps): number {
  const sym = state.sym;
  const buf = sym.buffersFor(ws.batchSize);
  startFree(sym, buf, ws.x);
  const r = sym.relax(buf, phase(o, steps, {}));
  publish(sym, buf, ws);
  return r.steps;
}

function step(ctx: StepContext, state: AstdpState, o: AstdpOptions): { loss: number; diagnostics: Record<string, number> } {
  const { backend: be, ws, grads } = ctx;
  const sym = state.sym;
  const L = sym.L;
  const B = ctx.n;
  const buf = sym.buffersFor(B);
  const { snap, wake, scratch } = perBatch(state, B);
  for (const t of [...grads.dW, ...grads.db, state.dbx]) be.fill(t, 0);

  // Free phase: the input clamped, everything else settles.
  startFree(sym, buf, ws.x);
  const free = sym.relax(buf, phase(o, o.freeSteps, {}));
  publish(sym, buf, ws);
  be.sub(ws.h[L - 1], ws.targets, ws.dh[L - 1]);
  const loss = (0.5 * be.sumSquares(ws.dh[L - 1])) / B;
  for (let k = 0; k <= L; k++) be.copy(buf.s[k], snap[k]);

  let labelSteps = 0;
  if (o.mode === 'supervised') {
    // Label phase: from the free steady state, the output is clamped (or nudged) to the label.
    const r = sym.relax(buf, phase(o, o.labelSteps, { top: o.beta === 1 ? 'clamp' : 'nudge', beta: o.beta, targets: ws.targets }));
    labelSteps = r.steps;
    // Divided by β (as in equilibrium propagation) so the update's size does not depend on the nudge.
    const coef = [0, ...Array.from({ length: L }, (_, i) => -rateOf(o, i + 1, L) / (B * o.beta))];
    accumulateTransition(sym, snap, buf.s, [false, ...Array<boolean>(L).fill(true)], coef, scratch, { dW: grads.dW, db: grads.db, dbx: state.dbx });
  }

  let dreamSteps = 0;
  if (o.dreamRate > 0 && ctx.step % o.dreamEvery === 0) {
    let wakeState: readonly Tensor[] = snap;
    if (o.mode === 'supervised') {
      // Wake phase: the data arrives with its label, the label neuron clamped at its generative
      // rate γ (as in the dream); the hidden layers settle from the label phase's state.
      const d = dreamScratch(state, B);
      be.scale(ws.targets, o.labelGain, d.gained);
      sym.relax(buf, phase(o, o.labelSteps, { top: 'clamp', targets: d.gained }));
      for (let k = 0; k <= L; k++) be.copy(buf.s[k], wake[k]);
      wakeState = wake;
    }
    dreamSteps = dream(ctx, state, o, wakeState);
    // dbx holds −Σ Δx / B (a descent direction like the others).
    be.axpy(-o.visibleRate * o.dreamDecay ** ctx.epoch, state.dbx, state.bx);
  }
  // Dreams run every dreamEvery steps: report the last one's length, not 0 in between.
  state.lastSteps = { free: free.steps, label: labelSteps, dream: dreamSteps || state.lastSteps.dream };
  return { loss, diagnostics: { freeSteps: free.steps, labelSteps, dreamSteps: state.lastSteps.dream } };
}

/**
 * Dream phase: the input is free (and, supervised, the label clamped): the model generates.
 * Then the data arrives: dream → wake is one more transition for the same rule, ½Δ(s_i s_j)
 * with the dream's rates before and the wake's after. From a blank input the dream of every row
 * of class c is the same, so it runs once per class, weighted by the class's count in the batch.
 */
function dream(ctx: StepContext, state: AstdpState, o: AstdpOptions, wake: readonly Tensor[]): number {
  const { backend: be, ws, grads } = ctx;
  const sym = state.sym;
  const L = sym.L;
  const B = ctx.n;
  const supervised = o.mode === 'supervised';
  const perClass = supervised && o.dreamInit === 'zero';
  const C = sym.sizes[L];
  const rows = perClass ? C : B;
  const buf = sym.buffersFor(rows);
  const d = dreamScratch(state, rows);
  if (perClass) {
    const counts = new Float64Array(C * C);
    for (let i = 0; i < B; i++) counts[ctx.labels[i] * (C + 1)] += 1;
    be.write(d.weights, counts);
  }
  if (o.dreamInit === 'zero') be.fill(buf.s[0], 0);
  else be.write(buf.s[0], uniform(ctx.rng, rows * sym.sizes[0]));
  for (let k = 1; k <= L; k++) be.fill(buf.s[k], 0);
  if (!perClass) be.scale(ws.targets, o.labelGain, d.gained);
  const targets = perClass ? d.identity : d.gained;
  // A fixed number of steps: a tolerance on the batch's RMS change would stop a per-class dream at another step than per-row dreams.
  const r = sym.relax(buf, phase(o, o.dreamSteps, { inputFree: true, top: supervised ? 'clamp' : 'free', targets, tol: 0 }));
  const rate = o.dreamRate * o.dreamDecay ** ctx.epoch;
  const coef = [1 / B, ...Array.from({ length: L }, () => rate / B)];
  const skip = Array.from({ length: L + 1 }, (_, k) => supervised && k === L);
  const acc = { dW: grads.dW, db: grads.db, dbx: state.dbx };
  accumulateProducts(sym, wake, null, coef.map((c) => -c), skip, d.weighted, acc);
  accumulateProducts(sym, buf.s, perClass ? d.weights : null, coef, skip, d.weighted, acc);
  return r.steps;
}

function dreamScratch(state: AstdpState, rows: number) {
  let d = state.dreams.get(rows);
  if (!d) {
    const be = state.sym.backend;
    const C = state.sym.sizes[state.sym.L];
    const eye = new Float64Array(C * C);
    for (let c = 0; c < C; c++) eye[c * (C + 1)] = state.labelGain;
    d = {
      weights: be.zeros(C, C), identity: be.fromArray(C, C, eye), gained: be.zeros(rows, C),
      weighted: state.sym.sizes.map((n) => be.zeros(rows, n)),
    };
    state.dreams.set(rows, d);
  }
  return d;
}

function uniform(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.next();
  return a;
}

export const astdpRule: LearningRule<AstdpOptions, AstdpState> = {
  name: 'astdp',
  description: 'aSTDP: symmetric rate neurons relax to a steady state; each synapse changes by pre rate × change of post rate between phases (classifies and generates)',
  signals:
    'W_k reads the rates of its two neurons and their change between phases (free → label, dream → wake); b_k the change of its own neuron; no loss, no error signal',
  options: schema as unknown as z.ZodType<AstdpOptions>,
  forward: 'own',
  requiresLoss: 'mse',
  init(net, _rng, o) {
    return makeState(net, o);
  },
  step,
  infer(net, ws, state, o) {
    freePhase(net, ws, state, o);
  },
  feedbackInputGrad(net, ws, state, o) {
    const sym = state.sym;
    const be = net.backend;
    const L = sym.L;
    const B = ws.batchSize;
    const buf = sym.buffersFor(B);
    let adj = state.adjoints.get(B);
    if (!adj) state.adjoints.set(B, (adj = makeAdjoint(be, sym.sizes, B)));
    clearTape(state.tape);
    startFree(sym, buf, ws.x);
    sym.relax(buf, phase(o, o.attackSteps || o.inferSteps, { tol: 0, tape: state.tape }));
    for (const g of adj.g) be.fill(g, 0);
    // The loss the attacks ascend for this model (its training loss, 'mse', as outputError
    // computes it): ½‖u_L − label‖² of the output drive u_L = s_{L−1}W_Lᵀ + b_L read at the end,
    // as the prediction is; it enters the dynamics through s_{L−1}.
    sym.netInput(buf, L, true);
    be.sub(buf.u[L], ws.targets, adj.drive);
    be.gemm(adj.drive, sym.W(L), adj.g[L - 1]);
    backpropThroughTape(sym, state.tape, adj);
    be.copy(adj.g[0], ws.dx);
  },
  saveState(_net, state) {
    return { 'astdp.bx': { shape: [state.bx.cols], data: Float32Array.from(state.sym.backend.read(state.bx)) } };
  },
  loadState(net, tensors, o) {
    const t = tensors['astdp.bx'];
    if (t && t.data.length !== net.inputSize) {
      throw new RangeError(`astdp: saved input biases have ${t.data.length} values; the network has ${net.inputSize} inputs`);
    }
    return makeState(net, o, t?.data);
  },
  dispose(net, state) {
    const be = net.backend;
    state.sym.dispose();
    be.dispose(state.bx);
    be.dispose(state.dbx);
    for (const p of state.perBatch.values()) {
      for (const t of [...p.snap, ...p.wake]) be.dispose(t);
      disposeTransitionScratch(be, p.scratch);
    }
    for (const d of state.dreams.values()) for (const t of [d.weights, d.identity, d.gained, ...d.weighted]) be.dispose(t);
    for (const a of state.adjoints.values()) disposeAdjoint(be, a);
    disposeTape(be, state.tape);
  },
};
