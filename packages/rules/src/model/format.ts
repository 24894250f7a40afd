// The model file format: `model.json` (what the model is, how it was trained, on what data,
// how well it did) and `weights.bin` (little-endian float32, W_0 b_0 W_1 b_1 …). Pure
// functions over strings and bytes, so the browser, the server and the CLI share them.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { z } from 'zod';
import type { Backend } from '@plasticity/core-wasm';
import { Network, validateNetworkSpec, type NetworkSpec } from '../network/network.js';
import { VERSION } from '../version.js';

export const MODEL_FORMAT = 'plasticity-model';
export const MODEL_VERSION = 1;

export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

const activation = z.enum(['linear', 'relu', 'leaky-relu', 'tanh', 'sigmoid', 'softplus', 'softmax']);

const metaSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.number().int(),
  createdAt: z.string(),
  plasticityVersion: z.string(),
  architecture: z.object({
    inputSize: z.number().int().positive(),
    layers: z.array(z.object({ size: z.number().int().positive(), activation })).min(1),
    leakySlope: z.number().optional(),
    /** Output units read out as classes (the rest auxiliary); absent: all. */
    classUnits: z.number().int().positive().optional(),
    inputTransform: z
      .object({ kind: z.enum(['standardize', 'min-max']), shift: z.array(z.number()), scale: z.array(z.number()) })
      .nullable()
      .optional(),
  }),
  rule: z.object({ name: z.string(), options: z.record(z.string(), z.unknown()) }),
  training: z.record(z.string(), z.unknown()).optional(),
  dataset: z
    .object({
      name: z.string(),
      fingerprint: z.string(),
      classNames: z.array(z.string()),
      inputShape: z.array(z.number().int()),
      featureRange: z.object({ lo: z.number(), hi: z.number() }),
      task: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  weights: z.object({
    dtype: z.literal('float32'),
    byteOrder: z.literal('little-endian'),
    byteLength: z.number().int().nonnegative(),
    sha256: z.string(),
    tensors: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative() })),
  }),
});

export type ModelMeta = z.infer<typeof metaSchema>;
export type DatasetInfoMeta = NonNullable<ModelMeta['dataset']>;

export interface ModelWeights {
  W: Float32Array[];
  b: Float32Array[];
  /** Rule tensors a model needs beyond W and b (e.g. visible biases of a symmetric net), by name. */
  extra?: Record<string, { shape: number[]; data: Float32Array }>;
}

export interface Model {
  meta: ModelMeta;
  weights: ModelWeights;
}

/** What a caller supplies to make a model; the format fields and the weights table are filled in. */
export interface ModelInput {
  spec: NetworkSpec & { inputTransform?: { kind?: 'standardize' | 'min-max'; shift: ArrayLike<number>; scale: ArrayLike<number> } };
  rule: { name: string; options: object };
  training?: object;
  dataset?: DatasetInfoMeta;
  metrics?: Record<string, unknown>;
  weights: { W: ArrayLike<number>[]; b: ArrayLike<number>[] };
  extra?: Record<string, { shape: number[]; data: ArrayLike<number> }>;
}

const LAYER_TENSOR = /^[Wb]\d+$/;

export function makeModel(input: ModelInput): Model {
  validateNetworkSpec(input.spec);
  const W = input.weights.W.map((w) => Float32Array.from(w));
  const b = input.weights.b.map((v) => Float32Array.from(v));
  const tensors: ModelMeta['weights']['tensors'] = [];
  let offset = 0;
  let inSize = input.spec.inputSize;
  input.spec.layers.forEach((l, i) => {
    if (W[i]?.length !== l.size * inSize || b[i]?.length !== l.size) {
      throw new ModelError(`layer ${i}: weights do not match the architecture (${l.size}×${inSize})`);
    }
    tensors.push({ name: `W${i}`, shape: [l.size, inSize], offset });
    offset += W[i].byteLength;
    tensors.push({ name: `b${i}`, shape: [l.size], offset });
    offset += b[i].byteLength;
    inSize = l.size;
  });
  const extra: NonNullable<ModelWeights['extra']> = {};
  for (const [name, e] of Object.entries(input.extra ?? {})) {
    if (LAYER_TENSOR.test(name)) throw new ModelError(`extra tensor name '${name}' is reserved for layer weights`);
    const count = e.shape.reduce((a, c) => a * c, 1);
    if (e.data.length !== count) throw new ModelError(`extra tensor '${name}' has ${e.data.length} values but shape [${e.shape}]`);
    extra[name] = { shape: [...e.shape], data: Float32Array.from(e.data) };
    tensors.push({ name, shape: [...e.shape], offset });
    offset += count * 4;
  }
  const t = input.spec.inputTransform;
  const meta: ModelMeta = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    createdAt: new Date().toISOString(),
    plasticityVersion: VERSION,
    architecture: {
      inputSize: input.spec.inputSize,
      layers: input.spec.layers.map((l) => ({ size: l.size, activation: l.activation })),
      leakySlope: input.spec.leakySlope,
      ...(input.spec.classUnits !== undefined ? { classUnits: input.spec.classUnits } : {}),
      inputTransform: t ? { kind: t.kind ?? 'standardize', shift: Array.from(t.shift, Number), scale: Array.from(t.scale, Number) } : null,
    },
    rule: { name: input.rule.name, options: { ...input.rule.options } as Record<string, unknown> },
    training: input.training as Record<string, unknown> | undefined,
    dataset: input.dataset,
    metrics: input.metrics,
    weights: { dtype: 'float32', byteOrder: 'little-endian', byteLength: offset, sha256: '', tensors },
  };
  const model: Model = { meta, weights: Object.keys(extra).length ? { W, b, extra } : { W, b } };
  meta.weights.sha256 = bytesToHex(sha256(weightsBytes(model.weights)));
  return model;
}

/** The weights as the little-endian float32 bytes of weights.bin. */
export function weightsBytes(w: ModelWeights): Uint8Array {
  const total = w.W.reduce((s, m, i) => s + m.length + w.b[i].length, 0) + Object.values(w.extra ?? {}).reduce((s, e) => s + e.data.length, 0);
  const out = new Uint8Array(total * 4);
  const view = new DataView(out.buffer);
  let o = 0;
  const put = (a: Float32Array) => {
    for (let i = 0; i < a.length; i++, o += 4) view.setFloat32(o, a[i], true);
  };
  w.W.forEach((m, i) => {
    put(m);
    put(w.b[i]);
  });
  for (const e of Object.values(w.extra ?? {})) put(e.data);
  return out;
}

export function serializeModel(model: Model): { json: string; bin: Uint8Array } {
  return { json: `${JSON.stringify(model.meta, null, 2)}\n`, bin: weightsBytes(model.weights) };
}

/**
 * Reads a model from the text of model.json and the bytes of weights.bin, checking format,
 * version, the architecture against the weights table, byte lengths, the checksum and NaNs.
 * `source` names the model in error messages (a path or an upload).
 */
export function parseModel(jsonText: string, bin: Uint8Array, source = 'model'): Model {
  let raw: unknown;
  try {
    raw = JSON.parse(jsonText);
  } catch (e) {
    throw new ModelError(`${source}: model.json is not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || (raw as { format?: unknown }).format !== MODEL_FORMAT) {
    throw new ModelError(`${source}: model.json is not a Plasticity model (expected "format": "${MODEL_FORMAT}")`);
  }
  const version = (raw as { version?: unknown }).version;
  if (version !== MODEL_VERSION) {
    throw new ModelError(`${source}: model format version ${String(version)} is not supported; this Plasticity reads version ${MODEL_VERSION}`);
  }
  const parsed = metaSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelError(`${source}: model.json field '${issue.path.join('.')}' is not valid: ${issue.message}`);
  }
  const meta = parsed.data;
  const spec = specOf(meta);
  try {
    validateNetworkSpec(spec);
  } catch (e) {
    throw new ModelError(`${source}: ${(e as Error).message}`);
  }
  if (bin.byteLength !== meta.weights.byteLength) {
    throw new ModelError(
      `${source}: weights.bin has ${bin.byteLength} bytes but model.json says ${meta.weights.byteLength}` +
        (bin.byteLength < meta.weights.byteLength ? ' (truncated?)' : ''),
    );
  }
  const W: Float32Array[] = [];
  const b: Float32Array[] = [];
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  let expectedOffset = 0;
  let inSize = spec.inputSize;
  const byName = new Map(meta.weights.tensors.map((t) => [t.name, t]));
  spec.layers.forEach((l, i) => {
    for (const [name, shape, into] of [[`W${i}`, [l.size, inSize], W], [`b${i}`, [l.size], b]] as const) {
      const t = byName.get(name);
      if (!t) throw new ModelError(`${source}: model.json has no weights entry '${name}'`);
      if (t.shape.length !== shape.length || t.shape.some((s, k) => s !== shape[k])) {
        throw new ModelError(`${source}: '${name}' has shape [${t.shape}] but the architecture needs [${shape}]`);
      }
      const count = shape.reduce((a, c) => a * c, 1);
      if (t.offset !== expectedOffset || t.offset + count * 4 > bin.byteLength) {
        throw new ModelError(`${source}: '${name}' at byte ${t.offset} does not fit weights.bin (${bin.byteLength} bytes)`);
      }
      const a = new Float32Array(count);
      for (let k = 0; k < count; k++) {
        const v = view.getFloat32(t.offset + 4 * k, true);
        if (!Number.isFinite(v)) throw new ModelError(`${source}: '${name}' holds a non-finite value (${v}) at index ${k}`);
        a[k] = v;
      }
      into.push(a);
      expectedOffset += count * 4;
    }
    inSize = l.size;
  });
  const extra: NonNullable<ModelWeights['extra']> = {};
  for (const t of meta.weights.tensors) {
    if (LAYER_TENSOR.test(t.name)) continue;
    const count = t.shape.reduce((a, c) => a * c, 1);
    if (t.offset !== expectedOffset || t.offset + count * 4 > bin.byteLength) {
      throw new ModelError(`${source}: '${t.name}' at byte ${t.offset} does not fit weights.bin (${bin.byteLength} bytes)`);
    }
    const a = new Float32Array(count);
    for (let k = 0; k < count; k++) {
      const v = view.getFloat32(t.offset + 4 * k, true);
      if (!Number.isFinite(v)) throw new ModelError(`${source}: '${t.name}' holds a non-finite value (${v}) at index ${k}`);
      a[k] = v;
    }
    extra[t.name] = { shape: t.shape, data: a };
    expectedOffset += count * 4;
  }
  if (expectedOffset !== bin.byteLength) {
    throw new ModelError(`${source}: weights.bin has ${bin.byteLength - expectedOffset} bytes beyond the last tensor`);
  }
  const digest = bytesToHex(sha256(bin));
  if (digest !== meta.weights.sha256) {
    throw new ModelError(`${source}: weights.bin does not match the checksum in model.json (corrupt or from another model)`);
  }
  return { meta, weights: Object.keys(extra).length ? { W, b, extra } : { W, b } };
}

/** The network spec a model describes. */
export function specOf(meta: ModelMeta): NetworkSpec {
  const a = meta.architecture;
  return {
    inputSize: a.inputSize,
    layers: a.layers.map((l) => ({ size: l.size, activation: l.activation })),
    leakySlope: a.leakySlope,
    ...(a.classUnits !== undefined ? { classUnits: a.classUnits } : {}),
    inputTransform: a.inputTransform ? { shift: a.inputTransform.shift, scale: a.inputTransform.scale } : undefined,
  };
}

/** A network on `backend` holding the model's weights. */
export function networkFromModel(backend: Backend, model: Model): Network {
  return Network.fromWeights(backend, specOf(model.meta), model.weights);
}

/** A model of a network's current weights. */
export function modelFromNetwork(net: Network, info: Omit<ModelInput, 'spec' | 'weights'>): Model {
  const w = net.getWeights();
  return makeModel({ ...info, spec: net.spec as ModelInput['spec'], weights: w });
}
