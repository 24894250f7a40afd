// A stack of dense layers h_l = f_l(W_l h_{l-1} + b_l), shared by every rule. Row-major
// batches: H_l (B × n_l) = f(H_{l-1} W_lᵀ + b_l), W_l stored n_l × n_{l-1} (fan-out × fan-in).
import type { Activation, Backend, Tensor } from '@plasticity/core-wasm';
import { ACTIVATIONS } from '@plasticity/core-wasm';
import type { Rng } from '../rng.js';
import { initMatrix, type Initializer, INITIALIZERS } from './init.js';

/** The output layer's non-linearity; 'softmax' means linear logits read through a softmax. */
export type OutputActivation = Activation | 'softmax';

export interface LayerSpec {
  size: number;
  activation: OutputActivation;
}

/** x' = (x − shift) ⊙ scale per feature; lives inside the model so attacks work in data units. */
export interface InputTransform {
  shift: Float32Array | number[];
  scale: Float32Array | number[];
}

export interface NetworkSpec {
  inputSize: number;
  layers: LayerSpec[];
  /** Negative slope of leaky-relu layers. */
  leakySlope?: number;
  inputTransform?: InputTransform;
  /**
   * Output units that are class scores: units 0..classUnits−1 are read out (argmax, labels);
   * the rest are auxiliary units (e.g. GAIT-prop's square nets, whose 784-wide output carries
   * the 10 classes in its first units) whose target is their own activity. Default: all.
   */
  classUnits?: number;
}

export interface DenseLayer {
  readonly inSize: number;
  readonly outSize: number;
  readonly activation: OutputActivation;
  readonly W: Tensor; // outSize × inSize
  readonly b: Tensor; // 1 × outSize
}

/** Per-batch-size buffers the forward pass writes and the rules read. */
export interface Workspace {
  readonly batchSize: number;
  /** The (transformed) input batch, B × inputSize. */
  readonly x: Tensor;
  /** Pre-activations z_l, B × n_l, one per layer. */
  readonly z: Tensor[];
  /** Activations h_l, B × n_l; for a softmax output h_L holds the probabilities. */
  readonly h: Tensor[];
  /** dL/dz_l (or a rule's teaching signal), B × n_l, one per layer. */
  readonly delta: Tensor[];
  /** Backward scratch for dL/dh_{l}, B × n_l, one per layer. */
  readonly dh: Tensor[];
  /** Targets for the output, B × n_L (one-hot for classification). */
  readonly targets: Tensor;
  /** dL/dx, B × inputSize (attacks). */
  readonly dx: Tensor;
}

export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

export function validateNetworkSpec(spec: NetworkSpec): void {
  if (!Number.isInteger(spec.inputSize) || spec.inputSize < 1) {
    throw new NetworkError(`inputSize must be a positive integer, got ${spec.inputSize}`);
  }
  if (spec.layers.length < 1) throw new NetworkError('a network needs at least one layer');
  spec.layers.forEach((l, i) => {
    if (!Number.isInteger(l.size) || l.size < 1) {
      throw new NetworkError(`layer ${i}: size must be a positive integer, got ${l.size}`);
    }
    const ok = l.activation === 'softmax' ? i === spec.layers.length - 1 : ACTIVATIONS.includes(l.activation);
    if (!ok) {
      throw new NetworkError(
        `layer ${i}: activation '${l.activation}' is not valid; expected one of ${ACTIVATIONS.join(', ')}` +
          ' (softmax only on the output layer)',
      );
    }
  });
  const out = spec.layers[spec.layers.length - 1];
  if (spec.classUnits !== undefined) {
    if (!Number.isInteger(spec.classUnits) || spec.classUnits < 1 || spec.classUnits > out.size) {
      throw new NetworkError(`classUnits must be an integer from 1 to the output size ${out.size}, got ${spec.classUnits}`);
    }
    if (spec.classUnits < out.size && out.activation === 'softmax') {
      throw new NetworkError('auxiliary output units (classUnits < output size) need an elementwise output activation, not softmax');
    }
  }
  const t = spec.inputTransform;
  if (t && (t.shift.length !== spec.inputSize || t.scale.length !== spec.inputSize)) {
    throw new NetworkError(
      `inputTransform has ${t.shift.length} shifts and ${t.scale.length} scales; expected ${spec.inputSize} of each`,
    );
  }
}

export class Network {
  readonly layers: DenseLayer[];
  private workspaces = new Map<number, Workspace>();
  private readonly shift: Float32Array | null;
  private readonly scale: Float32Array | null;
  private upload: Float32Array = new Float32Array(0);

  private constructor(
    readonly backend: Backend,
    readonly spec: NetworkSpec,
    layers: DenseLayer[],
  ) {
    this.layers = layers;
    const t = spec.inputTransform;
    this.shift = t ? Float32Array.from(t.shift) : null;
    this.scale = t ? Float32Array.from(t.scale) : null;
  }

  /** A freshly initialised network; biases start at zero. */
  static create(backend: Backend, spec: NetworkSpec, rng: Rng, init: Initializer = 'glorot-uniform'): Network {
    validateNetworkSpec(spec);
    if (!INITIALIZERS.includes(init)) {
      throw new NetworkError(`unknown initializer '${init}'; expected one of ${INITIALIZERS.join(', ')}`);
    }
    let inSize = spec.inputSize;
    const layers = spec.layers.map((l, i) => {
      const w = initMatrix(init, l.size, inSize, rng.fork(`layer-${i}`));
      const layer: DenseLayer = {
        inSize,
        outSize: l.size,
        activation: l.activation,
        W: backend.fromArray(l.size, inSize, w),
        b: backend.zeros(1, l.size),
      };
      inSize = l.size;
      return layer;
    });
    return new Network(backend, spec, layers);
  }

  /** A network holding the given weights (W_l row-major n_l × n_{l−1}, b_l length n_l). */
  static fromWeights(backend: Backend, spec: NetworkSpec, weights: { W: ArrayLike<number>[]; b: ArrayLike<number>[] }): Network {
    validateNetworkSpec(spec);
    if (weights.W.length !== spec.layers.length || weights.b.length !== spec.layers.length) {
      throw new NetworkError(`expected ${spec.layers.length} weight matrices and bias vectors, got ${weights.W.length} and ${weights.b.length}`);
    }
    let inSize = spec.inputSize;
    const layers = spec.layers.map((l, i) => {
      if (weights.W[i].length !== l.size * inSize || weights.b[i].length !== l.size) {
        throw new NetworkError(
          `layer ${i}: expected W of ${l.size}×${inSize} and b of ${l.size}, got ${weights.W[i].length} and ${weights.b[i].length} values`,
        );
      }
      const layer: DenseLayer = {
        inSize,
        outSize: l.size,
        activation: l.activation,
        W: backend.fromArray(l.size, inSize, weights.W[i]),
        b: backend.fromArray(1, l.size, weights.b[i]),
      };
      inSize = l.size;
      return layer;
    });
    return new Network(backend, spec, layers);
  }

  get inputSize(): number {
    return this.spec.inputSize;
  }

  get outputSize(): number {
    return this.layers[this.layers.length - 1].outSize;
  }

  /** Output units read out as class scores (the first ones); the rest are auxiliary. */
  get classUnits(): number {
    return this.spec.classUnits ?? this.outputSize;
  }

  get depth(): number {
    return this.layers.length;
  }

  get leakySlope(): number {
    return this.spec.leakySlope ?? 0.01;
  }

  /** The activation kernel a layer uses ('softmax' layers compute linear logits). */
  kernelActivation(l: number): Activation {
    const a = this.layers[l].activation;
    return a === 'softmax' ? 'linear' : a;
  }

  get softmaxOutput(): boolean {
    return this.layers[this.layers.length - 1].activation === 'softmax';
  }

  /** Buffers for a batch of `batchSize`, made once per size and reused. */
  workspace(batchSize: number): Workspace {
    let ws = this.workspaces.get(batchSize);
    if (!ws) {
      const be = this.backend;
      const sizes = this.layers.map((l) => l.outSize);
      ws = {
        batchSize,
        x: be.zeros(batchSize, this.inputSize),
        z: sizes.map((n) => be.zeros(batchSize, n)),
        h: sizes.map((n) => be.zeros(batchSize, n)),
        delta: sizes.map((n) => be.zeros(batchSize, n)),
        dh: sizes.map((n) => be.zeros(batchSize, n)),
        targets: be.zeros(batchSize, this.outputSize),
        dx: be.zeros(batchSize, this.inputSize),
      };
      this.workspaces.set(batchSize, ws);
    }
    return ws;
  }

  /** Copy a host batch (n rows of raw features) into ws.x, applying the input transform. */
  setInput(ws: Workspace, x: ArrayLike<number>): void {
    const len = ws.batchSize * this.inputSize;
    if (x.length < len) {
      throw new NetworkError(`input batch has ${x.length} values; expected ${ws.batchSize}×${this.inputSize} = ${len}`);
    }
    if (!this.shift || !this.scale) {
      this.backend.write(ws.x, x.length === len ? x : Array.prototype.slice.call(x, 0, len));
      return;
    }
    if (this.upload.length !== len) this.upload = new Float32Array(len);
    const d = this.inputSize;
    for (let i = 0; i < ws.batchSize; i++) {
      for (let j = 0; j < d; j++) this.upload[i * d + j] = (x[i * d + j] - this.shift[j]) * this.scale[j];
    }
    this.backend.write(ws.x, this.upload);
  }

  /** dL/dx in data units from dL/dx' (the transform's chain rule), in place on a host array. */
  inputGradToData(g: Float32Array | Float64Array): void {
    if (!this.scale) return;
    const d = this.inputSize;
    for (let i = 0; i < g.length; i++) g[i] *= this.scale[i % d];
  }

  /** One-hot targets for integer labels into ws.targets. */
  setLabels(ws: Workspace, labels: ArrayLike<number>): void {
    const c = this.outputSize;
    const k = this.classUnits;
    const t = new Float32Array(ws.batchSize * c);
    for (let i = 0; i < ws.batchSize; i++) {
      const y = labels[i];
      if (!Number.isInteger(y) || y < 0 || y >= k) {
        throw new NetworkError(`label ${y} at row ${i} is out of range; the output layer has ${k} class units (labels 0..${k - 1})`);
      }
      t[i * c + y] = 1;
    }
    this.backend.write(ws.targets, t);
  }

  /** Auxiliary output units take their own activity as target (zero error); call after forward. */
  setAuxiliaryTargets(ws: Workspace): void {
    const c = this.outputSize;
    const k = this.classUnits;
    if (k === c) return;
    const h = this.backend.read(ws.h[this.depth - 1]);
    const t = this.backend.read(ws.targets);
    for (let i = 0; i < ws.batchSize; i++) t.set(h.subarray(i * c + k, (i + 1) * c), i * c + k);
    this.backend.write(ws.targets, t);
  }

  /** Predicted class per row of ws's output: the argmax over the class units only. */
  predictClasses(ws: Workspace): Int32Array {
    const out = ws.h[this.depth - 1];
    const c = this.outputSize;
    const k = this.classUnits;
    if (k === c) return this.backend.argmaxRows(out);
    const h = this.backend.read(out);
    const pred = new Int32Array(ws.batchSize);
    for (let i = 0; i < ws.batchSize; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (h[i * c + j] > h[i * c + best]) best = j;
      pred[i] = best;
    }
    return pred;
  }

  /** The forward pass: fills ws.z and ws.h from ws.x. A softmax output layer leaves logits in z and probabilities in h. */
  forward(ws: Workspace): void {
    const be = this.backend;
    let input = ws.x;
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l];
      be.gemm(input, layer.W, ws.z[l], { transB: true });
      be.addRowVector(ws.z[l], layer.b, ws.z[l]);
      if (layer.activation === 'softmax') {
        softmaxRows(be, ws.z[l], ws.h[l], ws.targets);
      } else {
        be.activation(layer.activation, ws.z[l], ws.h[l], this.leakySlope);
      }
      input = ws.h[l];
    }
  }

  /** Output probabilities (softmax) or activations for n rows of raw features. */
  predict(x: ArrayLike<number>, n = x.length / this.inputSize, batchSize = 500): Float32Array {
    if (!Number.isInteger(n) || x.length < n * this.inputSize) {
      throw new NetworkError(`predict: ${x.length} values do not hold ${n} rows of ${this.inputSize} features`);
    }
    const out = new Float32Array(n * this.outputSize);
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const ws = this.workspace(size);
      this.setInput(ws, subarray(x, start * this.inputSize, (start + size) * this.inputSize));
      this.forward(ws);
      out.set(this.backend.read(ws.h[this.depth - 1]), start * this.outputSize);
    }
    return out;
  }

  /** Host copies of all parameters (float32 or float64 by backend precision). */
  getWeights(): { W: Float32Array[] | Float64Array[]; b: Float32Array[] | Float64Array[] } {
    return {
      W: this.layers.map((l) => this.backend.read(l.W)) as Float32Array[],
      b: this.layers.map((l) => this.backend.read(l.b)) as Float32Array[],
    };
  }

  setWeights(weights: { W: ArrayLike<number>[]; b: ArrayLike<number>[] }): void {
    this.layers.forEach((l, i) => {
      this.backend.write(l.W, weights.W[i]);
      this.backend.write(l.b, weights.b[i]);
    });
  }

  /** Total number of trainable parameters. */
  parameterCount(): number {
    return this.layers.reduce((s, l) => s + l.outSize * l.inSize + l.outSize, 0);
  }

  dispose(): void {
    for (const ws of this.workspaces.values()) {
      for (const t of [ws.x, ws.targets, ws.dx, ...ws.z, ...ws.h, ...ws.delta, ...ws.dh]) this.backend.dispose(t);
    }
    this.workspaces.clear();
    for (const l of this.layers) {
      this.backend.dispose(l.W);
      this.backend.dispose(l.b);
    }
  }
}

/** Row softmax of z into out, using softmaxCrossEntropy with a dummy target (its loss is ignored). */
function softmaxRows(be: Backend, z: Tensor, out: Tensor, anyTargets: Tensor): void {
  be.softmaxCrossEntropy(z, anyTargets, out);
}

function subarray(x: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  if (ArrayBuffer.isView(x)) return (x as unknown as Float32Array).subarray(start, end);
  return Array.prototype.slice.call(x, start, end) as number[];
}
