// The model under attack and the three places an input gradient can come from. Predictions
// always use the model's own inference (a rule's dynamics where it has them); the 'true'
// gradient is exact backprop through the network's forward pass whatever rule trained it.
import type { Dataset } from '../data/types.js';
import { backpropInputGrad, outputError } from '../engine/backprop.js';
import { infer, type Inference } from '../engine/evaluate.js';
import type { LossKind } from '../engine/rule.js';
import type { Network, Workspace } from '../network/network.js';
import { AttackError, type GradientSourceName } from './config.js';

export interface AttackModel {
  net: Network;
  /** How the model predicts: its rule's own `infer` when it has one, else the forward pass. Also holds the rule's feedback state for the 'rule' gradient source. */
  inference?: Inference;
  /** The loss whose input gradient the attacks ascend; default cross-entropy for softmax/linear outputs, else mse. */
  loss?: LossKind;
}

export interface GradientOptions {
  source: GradientSourceName;
  /** 'transfer': the separately trained model whose true gradient crafts the attack. */
  surrogate?: AttackModel;
}

/** The rows an attack runs on: a data set or any slice with the same fields. */
export type AttackData = Pick<Dataset, 'x' | 'y' | 'n' | 'd' | 'featureRange' | 'inputShape'> & {
  readonly name?: string;
  readonly featureNames?: readonly string[];
};

export function lossOf(model: AttackModel): LossKind {
  if (model.loss) return model.loss;
  const act = model.net.layers[model.net.depth - 1].activation;
  return act === 'softmax' || act === 'linear' ? 'cross-entropy' : 'mse';
}

/**
 * Checks that `data` can be attacked on `model`: same input size, labels the model has, and
 * every value inside the declared feature range (the ε semantics assume it).
 */
export function checkAttackData(model: AttackModel, data: AttackData): void {
  const name = data.name ?? 'data';
  if (data.d !== model.net.inputSize) {
    throw new AttackError(`the model expects ${model.net.inputSize} input features but ${name} has ${data.d}`);
  }
  if (data.x.length !== data.n * data.d) throw new AttackError(`${name}: x has ${data.x.length} values, expected n·d = ${data.n}×${data.d}`);
  if (data.y.length !== data.n) throw new AttackError(`${name}: y has ${data.y.length} labels, expected n = ${data.n}`);
  const { lo, hi } = data.featureRange;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
    throw new AttackError(`${name}: the declared feature range [${lo}, ${hi}] is not a range; expected finite lo < hi`);
  }
  const k = model.net.outputSize;
  for (let i = 0; i < data.n; i++) {
    const y = data.y[i];
    if (!Number.isInteger(y) || y < 0 || y >= k) throw new AttackError(`${name}: row ${i} has label ${y}, but the model has ${k} outputs (labels 0..${k - 1})`);
  }
  const d = data.d;
  for (let i = 0; i < data.x.length; i++) {
    const v = data.x[i];
    if (!(v >= lo && v <= hi)) {
      const row = Math.floor(i / d);
      const j = i % d;
      const feature = data.featureNames?.[j] !== undefined ? `feature ${j} ("${data.featureNames[j]}")` : `feature ${j}`;
      throw new AttackError(
        `${name}: row ${row}, ${feature} is ${v}, outside the declared feature range [${lo}, ${hi}]; attacks only take inputs inside it ` +
          '(images must be scaled to [0, 1]; normalisation belongs inside the model)',
      );
    }
  }
}

/**
 * Runs `fn` over the rows of `rows` (indices into x) in batches of a fixed size, padding the
 * last batch with copies of its first row, so a network only ever makes one workspace size
 * here (workspaces are cached per size and never freed).
 */
export class Batcher {
  readonly size: number;
  private readonly xb: Float32Array | Float64Array;
  private readonly yb: Int32Array;

  constructor(
    readonly net: Network,
    batchSize: number,
    n: number,
  ) {
    this.size = Math.max(1, Math.min(batchSize, n));
    // A float64 backend gets float64 inputs, so exactness tests are not limited by float32 rounding.
    this.xb = net.backend.precision === 'f64' ? new Float64Array(this.size * net.inputSize) : new Float32Array(this.size * net.inputSize);
    this.yb = new Int32Array(this.size);
  }

  /** Loads rows `idx[start..start+m)` of (x, labels) into a workspace; returns it and m. */
  load(x: ArrayLike<number>, labels: ArrayLike<number> | null, idx: ArrayLike<number>, start: number): { ws: Workspace; m: number } {
    const d = this.net.inputSize;
    const m = Math.min(this.size, idx.length - start);
    for (let k = 0; k < this.size; k++) {
      const i = idx[start + (k < m ? k : 0)];
      for (let j = 0; j < d; j++) this.xb[k * d + j] = x[i * d + j];
      this.yb[k] = labels ? labels[i] : 0;
    }
    const ws = this.net.workspace(this.size);
    this.net.setInput(ws, this.xb);
    this.net.setLabels(ws, this.yb);
    return { ws, m };
  }
}

export function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** The model's predicted class for each row of x (n rows), through its own inference. */
export function predictRows(model: AttackModel, x: ArrayLike<number>, n: number, batchSize = 256): Int32Array {
  const out = new Int32Array(n);
  const b = new Batcher(model.net, batchSize, n);
  const idx = allRows(n);
  for (let start = 0; start < n; start += b.size) {
    const { ws, m } = b.load(x, null, idx, start);
    infer(model.net, ws, model.inference);
    const pred = model.net.backend.argmaxRows(ws.h[model.net.depth - 1]);
    out.set(pred.subarray(0, m), start);
  }
  return out;
}

/**
 * Class scores (n·k) for the rows `idx` of x: logits for a softmax model on the shared forward
 * pass, log-probabilities for a softmax model with its own inference, else the output activations.
 * The argmax of the scores is the model's prediction.
 */
export function scoreRows(model: AttackModel, x: ArrayLike<number>, idx: ArrayLike<number>, batchSize = 256): Float64Array {
  const net = model.net;
  const L = net.depth - 1;
  const k = net.outputSize;
  const out = new Float64Array(idx.length * k);
  const b = new Batcher(net, batchSize, idx.length);
  const own = model.inference?.rule?.infer !== undefined;
  for (let start = 0; start < idx.length; start += b.size) {
    const { ws, m } = b.load(x, null, idx, start);
    infer(net, ws, model.inference);
    if (net.softmaxOutput && !own) {
      const z = net.backend.read(ws.z[L]);
      for (let i = 0; i < m * k; i++) out[start * k + i] = z[i];
    } else {
      const h = net.backend.read(ws.h[L]);
      for (let i = 0; i < m * k; i++) out[start * k + i] = net.softmaxOutput ? Math.log(Math.max(h[i], 1e-300)) : h[i];
    }
  }
  return out;
}

/**
 * dL/dx in data units for rows `idx` of x against `labels` (the label, or the target class of a
 * targeted attack), from the chosen source, into `grad` (idx.length·d). Returns the per-row loss
 * of the network the gradient came from; `pred`, when given, receives that network's forward-pass
 * prediction per row.
 */
export function inputGradRows(
  model: AttackModel,
  g: GradientOptions,
  x: ArrayLike<number>,
  labels: ArrayLike<number>,
  idx: ArrayLike<number>,
  grad: Float64Array,
  batchSize = 256,
  pred?: Int32Array,
): Float64Array {
  const src = gradientModel(model, g);
  const net = src.net;
  const loss = lossOf(src);
  const d = net.inputSize;
  const k = net.outputSize;
  const L = net.depth - 1;
  const losses = new Float64Array(idx.length);
  const b = new Batcher(net, batchSize, idx.length);
  const rule = model.inference?.rule;
  for (let start = 0; start < idx.length; start += b.size) {
    const { ws, m } = b.load(x, labels, idx, start);
    net.forward(ws);
    outputError(net, ws, loss);
    if (g.source === 'rule') rule!.feedbackInputGrad!(net, ws, model.inference!.state, model.inference!.options ?? {});
    else backpropInputGrad(net, ws);
    const dx = net.backend.read(ws.dx);
    net.inputGradToData(dx);
    for (let i = 0; i < m * d; i++) grad[start * d + i] = dx[i];
    const h = net.backend.read(ws.h[L]);
    const t = net.backend.read(ws.targets);
    if (pred) pred.set(net.backend.argmaxRows(ws.h[L]).subarray(0, m), start);
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let c = 0; c < k; c++) {
        const p = h[r * k + c];
        const tc = t[r * k + c];
        s += loss === 'cross-entropy' ? (tc > 0 ? -tc * Math.log(Math.max(p, 1e-300)) : 0) : 0.5 * (p - tc) * (p - tc);
      }
      losses[start + r] = s;
    }
  }
  return losses;
}

/** The network whose gradient a source reads, after checking the source can be used. */
export function gradientModel(model: AttackModel, g: GradientOptions): AttackModel {
  if (g.source === 'true') return model;
  if (g.source === 'rule') {
    const rule = model.inference?.rule;
    if (!rule) throw new AttackError("gradient source 'rule' needs the model's rule and its state (inference.rule, inference.state); none was given");
    if (!rule.feedbackInputGrad) {
      throw new AttackError(
        `gradient source 'rule' is not available for rule '${rule.name}': it has no feedback path to carry dL/dx (no feedbackInputGrad); use 'true' (exact backprop) or 'transfer'`,
      );
    }
    if (model.inference?.state === undefined) throw new AttackError(`gradient source 'rule' needs the state of rule '${rule.name}' (its feedback matrices); none was given`);
    return model;
  }
  if (g.source === 'transfer') {
    if (!g.surrogate) throw new AttackError("gradient source 'transfer' needs a surrogate model (a separately trained network) to craft the attack on");
    if (g.surrogate.net.inputSize !== model.net.inputSize || g.surrogate.net.outputSize !== model.net.outputSize) {
      throw new AttackError(
        `the transfer surrogate has ${g.surrogate.net.inputSize} inputs and ${g.surrogate.net.outputSize} outputs; the attacked model has ${model.net.inputSize} and ${model.net.outputSize}`,
      );
    }
    return g.surrogate;
  }
  throw new AttackError(`unknown gradient source '${String(g.source)}'; expected one of true, rule, transfer`);
}
