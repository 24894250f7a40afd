// Predict and attack on a model held in memory: the work behind POST …/predict and
// POST …/attack, shared by the Express app and the edge handler. Node-free.
//
// Every input is checked (shape, finite, inside the model's feature range) before any work.
// Predict runs in fixed batch sizes (powers of two up to 256) because a network caches one
// workspace per batch size and never frees it: arbitrary sizes would grow memory per request.
import type { Backend } from '@plasticity/core-wasm';
import { AttackError, infer, parseAttackConfig, restoreModel, runAttack, type AttackModel, type Model, type RestoredModel } from '@plasticity/rules';
import type { z } from 'zod';
import { fromZodError, invalid, ProblemError } from './problem.js';
import { LIMITS, type AttackRequest, type AttackResponseBody, type ModelSummaryBody, type PredictResponseBody } from './schemas.js';

const MAX_BUCKET = 256;

export interface FeatureRange {
  lo: number;
  hi: number;
}

/** A model ready to answer: its network restored on a backend and the checks its inputs need. */
export interface ServedModel {
  readonly id: string;
  readonly model: Model;
  readonly backend: Backend;
  readonly restored: RestoredModel;
  readonly inputSize: number;
  readonly classUnits: number;
  /** Declared bounds of every input feature; null when the model does not declare one. */
  readonly range: FeatureRange | null;
  /** Padded input buffers per bucket size. */
  readonly buffers: Map<number, Float32Array>;
}

export function serveModel(backend: Backend, model: Model, id: string): ServedModel {
  const restored = restoreModel(backend, model);
  const fr = model.meta.dataset?.featureRange;
  return {
    id,
    model,
    backend,
    restored,
    inputSize: restored.net.inputSize,
    classUnits: restored.net.classUnits,
    range: fr && Number.isFinite(fr.lo) && Number.isFinite(fr.hi) && fr.lo < fr.hi ? { lo: fr.lo, hi: fr.hi } : null,
    buffers: new Map(),
  };
}

export function disposeServed(sm: ServedModel): void {
  sm.restored.net.dispose();
}

/** Parses `body` with a zod schema; a failure is a 400 problem naming every field at fault. */
export function parseWith<S extends z.ZodType>(schema: S, body: unknown, root = '#'): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw fromZodError(r.error, root);
  return r.data;
}

function describeRange(range: FeatureRange | null): string {
  return range ? `a finite number in the model's feature range [${range.lo}, ${range.hi}]` : 'a finite number';
}

/**
 * Checks a `Matrix` (schemas.ts) for a model with `d` inputs and packs it as float32 rows.
 * Agrees with the zod `Matrix` schema on what is accepted (tested), then also checks the
 * row width, finiteness and the feature range; errors point at the first bad value.
 */
export function checkMatrix(value: unknown, d: number, range: FeatureRange | null, path: readonly PropertyKey[], maxRows: number): { x: Float32Array; n: number } {
  if (!Array.isArray(value)) throw invalid(path, `must be an array of rows (arrays of ${d} numbers), got ${kindOf(value)}`);
  const n = value.length;
  if (n === 0) throw invalid(path, `must hold at least one row of ${d} numbers`);
  if (n > maxRows) throw invalid(path, `holds ${n} rows; at most ${maxRows} are accepted in one request`);
  const lo = range ? range.lo : -Infinity;
  const hi = range ? range.hi : Infinity;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = value[i] as unknown;
    if (!Array.isArray(row)) throw invalid([...path, i], `must be an array of ${d} numbers, got ${kindOf(row)}`);
    if (row.length !== d) throw invalid([...path, i], `has ${row.length} values; the model takes ${d} input features`);
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = row[j] as unknown;
      // Compared as the float32 the network will see (declared ranges are float32 too); the
      // comparison also rejects NaN, and isFinite ±Infinity (JSON's 1e999) on unbounded models.
      if (typeof v !== 'number' || !(Math.fround(v) >= lo && Math.fround(v) <= hi) || !Number.isFinite(v)) {
        throw invalid([...path, i, j], `must be ${describeRange(range)}, got ${typeof v === 'number' ? String(v) : kindOf(v)}`);
      }
      x[o + j] = v;
    }
  }
  return { x, n };
}

/** Checks raw little-endian float32 rows (the application/octet-stream form of predict). */
export function checkFloat32Rows(bytes: Uint8Array, d: number, range: FeatureRange | null, maxRows: number): { x: Float32Array; n: number } {
  const rowBytes = 4 * d;
  if (bytes.byteLength === 0 || bytes.byteLength % rowBytes !== 0) {
    throw invalid([], `an application/octet-stream body holds rows of ${d} little-endian float32 values (${rowBytes} bytes each); got ${bytes.byteLength} bytes`);
  }
  const n = bytes.byteLength / rowBytes;
  if (n > maxRows) throw invalid([], `holds ${n} rows; at most ${maxRows} are accepted in one request`);
  const x = new Float32Array(n * d);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = range ? range.lo : -Infinity;
  const hi = range ? range.hi : Infinity;
  for (let k = 0; k < x.length; k++) {
    const v = view.getFloat32(4 * k, true);
    if (!(v >= lo && v <= hi) || !Number.isFinite(v)) {
      throw invalid([Math.floor(k / d), k % d], `must be ${describeRange(range)}, got ${v}`);
    }
    x[k] = v;
  }
  return { x, n };
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : `${typeof v} ${String(v)}`;
}

function bucketOf(m: number): number {
  let b = 1;
  while (b < m) b *= 2;
  return Math.min(b, MAX_BUCKET);
}

/** Six significant digits: float32 carries about seven, and the JSON stays short. */
const round6 = (v: number): number => (v === 0 ? 0 : Number(v.toPrecision(6)));

/** Predicted class and class probabilities for n checked rows. */
export function predict(sm: ServedModel, x: Float32Array, n: number): PredictResponseBody {
  const net = sm.restored.net;
  const d = sm.inputSize;
  const k = sm.classUnits;
  const out = net.outputSize;
  const L = net.depth - 1;
  const softmax = net.softmaxOutput;
  const predictions = new Array<number>(n);
  const probabilities = new Array<number[]>(n);
  for (let start = 0; start < n; ) {
    const m = Math.min(MAX_BUCKET, n - start);
    const size = bucketOf(m);
    let buf = sm.buffers.get(size);
    if (!buf) {
      buf = new Float32Array(size * d);
      sm.buffers.set(size, buf);
    }
    buf.set(x.subarray(start * d, (start + m) * d));
    // Padding rows repeat the first row: real inputs, so no rule's dynamics see garbage.
    for (let r = m; r < size; r++) buf.copyWithin(r * d, 0, d);
    const ws = net.workspace(size);
    net.setInput(ws, buf);
    infer(net, ws, sm.restored.inference);
    const h = sm.backend.read(ws.h[L]);
    for (let r = 0; r < m; r++) {
      const o = r * out;
      const p = new Array<number>(k);
      let best = 0;
      if (softmax) {
        let s = 0;
        for (let c = 0; c < k; c++) s += h[o + c];
        for (let c = 0; c < k; c++) p[c] = s > 0 ? h[o + c] / s : 1 / k;
      } else {
        let mx = -Infinity;
        for (let c = 0; c < k; c++) if (h[o + c] > mx) mx = h[o + c];
        let s = 0;
        for (let c = 0; c < k; c++) s += (p[c] = Math.exp(h[o + c] - mx));
        for (let c = 0; c < k; c++) p[c] /= s;
      }
      for (let c = 1; c < k; c++) if (h[o + c] > h[o + best]) best = c;
      for (let c = 0; c < k; c++) p[c] = round6(p[c]);
      predictions[start + r] = best;
      probabilities[start + r] = p;
    }
    start += m;
  }
  return { predictions, probabilities };
}

type AttackBody = z.output<typeof AttackRequest>;

/** Maps an AttackError to the request field its message is about. */
function attackProblem(e: AttackError): ProblemError {
  const m = e.message;
  const field = /gradient source|surrogate|feedback/.test(m) ? 'gradient' : /target/.test(m) ? 'target' : /label/.test(m) ? 'labels' : /epsilon/.test(m) ? 'epsilon' : null;
  return invalid(field ? [field] : [], m);
}

/**
 * Runs one attack on the request's rows. A fresh copy of the network is restored per call, so
 * an attack that yields between batches never shares workspaces with concurrent predictions.
 */
export async function attack(sm: ServedModel, body: AttackBody, surrogate: ServedModel | null, signal?: AbortSignal): Promise<AttackResponseBody> {
  const d = sm.inputSize;
  if (!sm.range) throw invalid([], 'this model declares no feature range (model.json dataset.featureRange); attacks clip to it and cannot run without one');
  const { x, n } = checkMatrix(body.inputs, d, sm.range, ['inputs'], LIMITS.attackRows);
  if (body.labels.length !== n) throw invalid(['labels'], `has ${body.labels.length} labels for ${n} input rows; give one per row`);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (body.labels[i] >= sm.classUnits) throw invalid(['labels', i], `is ${body.labels[i]}, but the model has ${sm.classUnits} classes (0..${sm.classUnits - 1})`);
    y[i] = body.labels[i];
  }
  if (body.gradient === 'transfer' && !surrogate) throw invalid(['surrogate'], "gradient 'transfer' needs `surrogate`, the id of a stored model whose gradient crafts the attack");
  if (body.gradient !== 'transfer' && body.surrogate !== undefined) throw invalid(['surrogate'], "is only used with gradient 'transfer'");
  const { inputs: _i, labels: _l, gradient, surrogate: _s, ...options } = body;
  let config;
  try {
    config = parseAttackConfig(options);
  } catch (e) {
    if (e instanceof AttackError) throw attackProblem(e);
    throw e;
  }
  const own = restoreModel(sm.backend, sm.model);
  const sur = surrogate ? restoreModel(surrogate.backend, surrogate.model) : null;
  try {
    const loss = (sm.model.meta.training as { loss?: AttackModel['loss'] } | undefined)?.loss;
    const model: AttackModel = { net: own.net, inference: own.inference, ...(loss ? { loss } : {}) };
    const shape = sm.model.meta.dataset?.inputShape;
    const r = await runAttack(
      model,
      { x, y, n, d, featureRange: sm.range, inputShape: shape && shape.reduce((a, b) => a * b, 1) === d ? shape : [d] },
      config,
      { gradient: { source: gradient, ...(sur ? { surrogate: { net: sur.net, inference: sur.inference } } : {}) }, signal },
    ).catch((e: unknown) => {
      if (e instanceof AttackError) throw attackProblem(e);
      throw e;
    });
    const adversarial = new Array<number[]>(n);
    const linf = new Array<number>(n);
    const l2 = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const row = new Array<number>(d);
      let mx = 0;
      let ss = 0;
      for (let j = 0; j < d; j++) {
        const v = r.xAdv[i * d + j];
        row[j] = v;
        const dv = Math.abs(v - x[i * d + j]);
        if (dv > mx) mx = dv;
        ss += dv * dv;
      }
      adversarial[i] = row;
      linf[i] = mx;
      l2[i] = Math.sqrt(ss);
    }
    return {
      attack: r.config.attack,
      epsilon: r.config.epsilon,
      gradientSource: r.gradientSource,
      norm: r.norm,
      config: { ...r.config },
      adversarial,
      predictions: Array.from(r.predAdv),
      cleanPredictions: Array.from(r.predClean),
      targets: r.targets ? Array.from(r.targets) : null,
      perturbation: { linf, l2 },
      cleanAccuracy: r.cleanAccuracy,
      robustAccuracy: r.robustAccuracy,
      successRate: r.successRate,
      meanLinf: r.meanLinf,
      meanL2: r.meanL2,
      seconds: r.seconds,
    };
  } finally {
    own.net.dispose();
    sur?.net.dispose();
  }
}

/** The summary of a stored model that lists and uploads answer. */
export function modelSummary(id: string, model: Model): ModelSummaryBody {
  const m = model.meta;
  const ds = m.dataset;
  const acc = (m.metrics as { testAccuracy?: unknown } | undefined)?.testAccuracy;
  return {
    id,
    rule: m.rule.name,
    createdAt: m.createdAt,
    plasticityVersion: m.plasticityVersion,
    architecture: { inputSize: m.architecture.inputSize, layers: m.architecture.layers.map((l) => ({ size: l.size, activation: l.activation })) },
    dataset: ds ? { name: ds.name, classNames: [...ds.classNames], inputShape: [...ds.inputShape], featureRange: { ...ds.featureRange } } : null,
    testAccuracy: typeof acc === 'number' && Number.isFinite(acc) ? acc : null,
    weightsBytes: m.weights.byteLength,
  };
}
