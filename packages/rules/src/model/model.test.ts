import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { ReferenceBackend } from '@plasticity/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Network, type NetworkSpec } from '../network/network.js';
import { createRng } from '../rng.js';
import { makeModel, modelFromNetwork, networkFromModel, parseModel, serializeModel, type Model } from './format.js';
import { loadModel, saveModel } from './files.js';
import { exportTfjs, saveTfjs } from './tfjs-export.js';

const spec: NetworkSpec = {
  inputSize: 6,
  leakySlope: 0.2,
  layers: [
    { size: 5, activation: 'leaky-relu' },
    { size: 4, activation: 'tanh' },
    { size: 4, activation: 'softplus' },
    { size: 3, activation: 'sigmoid' },
    { size: 3, activation: 'softmax' },
  ],
  inputTransform: { shift: [0.5, 0.1, 0.2, 0, -1, 3], scale: [2, 1, 0.5, 3, 1, 0.25] },
};

function sampleModel(seed = 1): Model {
  const net = Network.create(new ReferenceBackend(), spec, createRng(seed));
  net.layers.forEach((l) => net.backend.write(l.b, Array.from({ length: l.outSize }, (_, i) => 0.01 * (i + 1))));
  return modelFromNetwork(net, {
    rule: { name: 'bp', options: {} },
    dataset: { name: 'test', fingerprint: 'ab', classNames: ['a', 'b', 'c'], inputShape: [6], featureRange: { lo: -5, hi: 5 } },
    metrics: { testAccuracy: 0.5 },
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plasticity-model-'));
});

describe('model files', () => {
  it('round-trips bit-exactly through disk', async () => {
    const m = sampleModel();
    await saveModel(join(dir, 'm1'), m);
    const back = await loadModel(join(dir, 'm1'));
    m.weights.W.forEach((w, i) => expect(Buffer.from(back.weights.W[i].buffer).equals(Buffer.from(w.buffer))).toBe(true));
    m.weights.b.forEach((w, i) => expect([...back.weights.b[i]]).toEqual([...w]));
    expect(back.meta.architecture).toEqual(m.meta.architecture);
    expect(back.meta.dataset?.classNames).toEqual(['a', 'b', 'c']);
    expect(await readdir(dir)).toEqual(['m1']);
  });

  it('replaces an existing model directory atomically and leaves no temporary files', async () => {
    await saveModel(join(dir, 'm2'), sampleModel(1));
    await saveModel(join(dir, 'm2'), sampleModel(2));
    const back = await loadModel(join(dir, 'm2'));
    expect([...back.weights.W[0]]).toEqual([...sampleModel(2).weights.W[0]]);
    expect((await readdir(dir)).filter((f) => f.startsWith('m2'))).toEqual(['m2']);
  });

  it('gives clear errors for truncated, corrupt, foreign and mismatched files', () => {
    const { json, bin } = serializeModel(sampleModel());
    expect(() => parseModel(json, bin.subarray(0, bin.length - 4), 'x')).toThrow(/weights.bin has \d+ bytes but model.json says \d+ \(truncated\?\)/);
    const flipped = bin.slice();
    flipped[10] ^= 0xff;
    expect(() => parseModel(json, flipped, 'x')).toThrow(/checksum|non-finite/);
    expect(() => parseModel('{"format":"plasticity-model"', bin, 'x')).toThrow(/not valid JSON/);
    expect(() => parseModel('{"hello":1}', bin, 'x')).toThrow(/not a Plasticity model/);
    expect(() => parseModel(json.replace('"version": 1', '"version": 7'), bin, 'x')).toThrow(/version 7 is not supported/);
    const meta = JSON.parse(json);
    meta.weights.tensors[0].shape = [5, 7];
    expect(() => parseModel(JSON.stringify(meta), bin, 'x')).toThrow(/'W0' has shape \[5,7\] but the architecture needs \[5,6\]/);
  });

  it('refuses NaN weights even with a matching checksum', () => {
    const m = sampleModel();
    m.weights.W[1][3] = NaN;
    const bad = makeModel({ spec: { ...spec }, rule: m.meta.rule, weights: m.weights });
    const { json, bin } = serializeModel(bad);
    expect(() => parseModel(json, bin, 'x')).toThrow(/'W1' holds a non-finite value \(NaN\) at index 3/);
  });

  it('names the directory when files are missing', async () => {
    await expect(loadModel(join(dir, 'nope'))).rejects.toThrow(/nope: cannot read model.json \(ENOENT\)/);
    await saveModel(join(dir, 'm3'), sampleModel());
    await writeFile(join(dir, 'm3', 'weights.bin'), new Uint8Array(3));
    await expect(loadModel(join(dir, 'm3'))).rejects.toThrow(/weights.bin has 3 bytes/);
  });
});

describe('TensorFlow.js export', () => {
  it('reproduces our predictions in plain tfjs (transform folded, leaky-relu as its own layer)', async () => {
    const m = sampleModel(3);
    const net = networkFromModel(new ReferenceBackend(), m);
    const rng = createRng(5);
    const x = Array.from({ length: 8 * 6 }, () => rng.uniform(-2, 2));
    const ours = net.predict(x, 8);
    const e = exportTfjs(m);
    const tfModel = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: e.modelJson.modelTopology, weightSpecs: e.weightSpecs, weightData: e.weightData.slice().buffer }),
    );
    const theirs = (tfModel.predict(tf.tensor2d(x, [8, 6])) as tf.Tensor).dataSync();
    for (let i = 0; i < ours.length; i++) expect(Math.abs(theirs[i] - ours[i])).toBeLessThan(1e-5);
  });

  it('writes model.json with a weights manifest that matches the shard', async () => {
    await saveTfjs(join(dir, 'tfjs'), sampleModel());
    const mj = JSON.parse(await readFile(join(dir, 'tfjs', 'model.json'), 'utf8'));
    const shard = await readFile(join(dir, 'tfjs', mj.weightsManifest[0].paths[0]));
    const floats = mj.weightsManifest[0].weights.reduce((s: number, w: { shape: number[] }) => s + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(shard.length).toBe(floats * 4);
    expect(mj.format).toBe('layers-model');
  });
});
