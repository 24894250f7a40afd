// FGSM checked against an independent implementation: the same trained MNIST model exported to
// the TensorFlow.js layers format and attacked with tfjs's own autodiff (tf.grad) on its CPU
// backend. The robust accuracies must agree within 0.5 percentage points.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { ReferenceBackend } from '@plasticity/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../data/dataset.js';
import type { LoadedDatasets } from '../data/types.js';
import { train } from '../engine/train.js';
import { modelFromNetwork, networkFromModel, type Model } from '../model/format.js';
import { exportTfjs } from '../model/tfjs-export.js';
import '../rules/index.js';
import { runAttack } from './run.js';

async function tfjsFgsm(model: Model, x: Float32Array, y: Int32Array, n: number, eps: number): Promise<{ accuracy: number; clean: number; adv: Float32Array }> {
  const e = exportTfjs(model);
  const load = (topology: object) =>
    tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: e.weightSpecs, weightData: e.weightData.slice().buffer }));
  const probsModel = await load(e.modelJson.modelTopology);
  // The same layers with a linear last layer give logits, so the loss is a stable log-softmax.
  const topo = JSON.parse(JSON.stringify(e.modelJson.modelTopology)) as { config: { layers: { config: { activation?: string } }[] } };
  topo.config.layers.at(-1)!.config.activation = 'linear';
  const logitsModel = await load(topo);
  const d = model.meta.architecture.inputSize;
  return tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, d]);
    const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), model.meta.architecture.layers.at(-1)!.size);
    const loss = (input: tf.Tensor) => tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logitsModel.apply(input) as tf.Tensor2D))));
    const g = tf.grad(loss)(xt);
    const adv = tf.clipByValue(tf.add(xt, tf.mul(tf.sign(g), eps)), 0, 1);
    const acc = (input: tf.Tensor) => {
      const pred = tf.argMax(probsModel.predict(input) as tf.Tensor2D, 1).dataSync();
      let c = 0;
      for (let i = 0; i < n; i++) if (pred[i] === y[i]) c++;
      return c / n;
    };
    return { accuracy: acc(adv), clean: acc(xt), adv: adv.dataSync() as Float32Array };
  });
}

describe('FGSM against tfjs autodiff on an exported MNIST model', () => {
  let data: LoadedDatasets;
  let model: Model;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    data = await loadDataset({ name: 'mnist', perClassCap: 300, testPerClassCap: 100, seed: 1 });
    const r = await train(
      { rule: 'bp', hidden: [64], activation: 'relu', epochs: 1, batchSize: 32, seed: 1, optimizer: { kind: 'adam', lr: 2e-3 } },
      { train: data.train },
      { backend: new ReferenceBackend() },
    );
    model = modelFromNetwork(r.net, { rule: { name: 'bp', options: {} } });
  });

  it('gives the same robust accuracy at ε = 0.1 and 0.25 (within 0.5 points)', async () => {
    const { test } = data;
    expect(test.n).toBe(1000);
    const net = networkFromModel(new ReferenceBackend(), model);
    for (const eps of [0.1, 0.25]) {
      const ours = await runAttack({ net }, test, { attack: 'fgsm', epsilon: eps });
      const theirs = await tfjsFgsm(model, test.x, test.y, test.n, eps);
      expect(ours.cleanAccuracy).toBeGreaterThan(0.8);
      expect(Math.abs(ours.cleanAccuracy - theirs.clean)).toBeLessThanOrEqual(0.002);
      expect(ours.robustAccuracy).toBeLessThan(ours.cleanAccuracy - 0.3);
      expect(Math.abs(ours.robustAccuracy - theirs.accuracy)).toBeLessThanOrEqual(0.005);
      // Pixel by pixel: the two gradients' signs agree almost everywhere (float64 vs float32 rounding aside).
      let differ = 0;
      for (let i = 0; i < ours.xAdv.length; i++) if (Math.abs(ours.xAdv[i] - theirs.adv[i]) > 1e-5) differ++;
      expect(differ / ours.xAdv.length).toBeLessThan(1e-3);
    }
  });
});
