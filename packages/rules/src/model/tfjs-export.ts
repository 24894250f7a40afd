// Export to the TensorFlow.js layers format (a Keras Sequential of Dense layers), so that
// `tf.loadLayersModel` in plain tfjs reproduces our predictions. Our W_l (out × in) becomes
// a Keras kernel (in × out); the input transform is folded into the first Dense layer
// (W' = W·diag(scale), b' = b − W·(shift ⊙ scale)), so the exported model takes raw inputs.
import { VERSION } from '../version.js';
import type { Model } from './format.js';
import { writeDirAtomic } from './files.js';

export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface TfjsExport {
  /** The contents of model.json (tfjs "layers-model" format). */
  modelJson: {
    format: 'layers-model';
    generatedBy: string;
    convertedBy: null;
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  };
  weightSpecs: TfjsWeightSpec[];
  weightData: Uint8Array;
}

export function exportTfjs(model: Model): TfjsExport {
  const a = model.meta.architecture;
  const layers: object[] = [];
  const weightSpecs: TfjsWeightSpec[] = [];
  const chunks: Float32Array[] = [];
  let inSize = a.inputSize;
  a.layers.forEach((l, i) => {
    const name = `dense_${i + 1}`;
    const leaky = l.activation === 'leaky-relu';
    layers.push({
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        dtype: 'float32',
        units: l.size,
        activation: leaky ? 'linear' : l.activation,
        use_bias: true,
        kernel_initializer: { class_name: 'Zeros', config: {} },
        bias_initializer: { class_name: 'Zeros', config: {} },
        ...(i === 0 ? { batch_input_shape: [null, a.inputSize] } : {}),
      },
    });
    if (leaky) {
      layers.push({ class_name: 'LeakyReLU', config: { name: `leaky_re_lu_${i + 1}`, trainable: true, dtype: 'float32', alpha: a.leakySlope ?? 0.01 } });
    }
    let W: Float64Array = Float64Array.from(model.weights.W[i]);
    let b: Float64Array = Float64Array.from(model.weights.b[i]);
    if (i === 0 && a.inputTransform) ({ W, b } = foldTransform(W, b, l.size, inSize, a.inputTransform));
    const kernel = new Float32Array(inSize * l.size);
    for (let o = 0; o < l.size; o++) for (let k = 0; k < inSize; k++) kernel[k * l.size + o] = W[o * inSize + k];
    chunks.push(kernel, Float32Array.from(b));
    weightSpecs.push({ name: `${name}/kernel`, shape: [inSize, l.size], dtype: 'float32' });
    weightSpecs.push({ name: `${name}/bias`, shape: [l.size], dtype: 'float32' });
    inSize = l.size;
  });
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const weightData = new Uint8Array(total * 4);
  const view = new DataView(weightData.buffer);
  let o = 0;
  for (const c of chunks) for (let k = 0; k < c.length; k++, o += 4) view.setFloat32(o, c[k], true);
  const modelTopology = {
    class_name: 'Sequential',
    config: { name: 'plasticity', layers },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: `plasticity ${VERSION} (rule ${model.meta.rule.name})`,
      convertedBy: null,
      modelTopology,
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: weightSpecs }],
    },
    weightSpecs,
    weightData,
  };
}

function foldTransform(
  W: Float64Array,
  b: Float64Array,
  out: number,
  inSize: number,
  t: { shift: number[]; scale: number[] },
): { W: Float64Array; b: Float64Array } {
  const W2 = new Float64Array(W.length);
  const b2 = Float64Array.from(b);
  for (let o = 0; o < out; o++) {
    for (let k = 0; k < inSize; k++) {
      W2[o * inSize + k] = W[o * inSize + k] * t.scale[k];
      b2[o] -= W[o * inSize + k] * t.shift[k] * t.scale[k];
    }
  }
  return { W: W2, b: b2 };
}

/** Writes model.json and the weights shard into `dir` atomically. */
export async function saveTfjs(dir: string, model: Model): Promise<void> {
  const e = exportTfjs(model);
  await writeDirAtomic(dir, { 'model.json': `${JSON.stringify(e.modelJson, null, 2)}\n`, [TFJS_WEIGHTS_FILE]: e.weightData });
}
