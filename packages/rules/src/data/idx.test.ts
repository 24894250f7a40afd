import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from './dataset.js';
import { DataError } from './errors.js';
import { encodeIdx } from './fixtures.js';
import { imagesFromIdx, parseIdx } from './idx.js';

/** Expect `fn` to reject/throw a DataError whose message matches every pattern. */
async function expectDataError(fn: () => unknown, ...patterns: (string | RegExp)[]): Promise<DataError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a DataError').toBeInstanceOf(DataError);
  const msg = (caught as Error).message;
  for (const p of patterns) expect(msg).toMatch(p);
  return caught as DataError;
}

function pixels(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n * 784);
  for (let i = 0; i < out.length; i++) out[i] = (i * 31 + seed * 7) % 256;
  return out;
}

describe('parseIdx', () => {
  it('reads dims big-endian and returns the data as a view', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const bytes = encodeIdx([2, 3, 4], data);
    const idx = parseIdx(bytes, 'f');
    expect(idx.dims).toEqual([2, 3, 4]);
    expect(Array.from(idx.data)).toEqual(Array.from(data));
    expect(idx.data.buffer).toBe(bytes.buffer);
    // Sizes above 255 exercise all four header bytes.
    expect(parseIdx(encodeIdx([70000], new Uint8Array(70000)), 'g').dims).toEqual([70000]);
  });

  it('rejects a wrong magic number, naming the file and the expected start', async () => {
    const bytes = encodeIdx([2], [1, 2]);
    bytes[0] = 0x12;
    await expectDataError(() => parseIdx(bytes, 'mnist: /d/x'), 'mnist: /d/x', /wrong magic number/, /00 00 08 03/);
  });

  it('recognises a gzip file', async () => {
    await expectDataError(() => parseIdx(gzipSync(encodeIdx([2], [1, 2])), 'f.gz'), /gzip/);
  });

  it('rejects a non-byte IDX type', async () => {
    const bytes = encodeIdx([1], [0, 0, 0, 0]);
    bytes[2] = 0x0d;
    await expectDataError(() => parseIdx(bytes, 'f'), /float32/, /only unsigned-byte/);
  });

  it('reports truncation with what the header promised and what the file holds', async () => {
    const full = encodeIdx([60000, 28, 28], new Uint8Array(1000));
    await expectDataError(() => parseIdx(full, 'mnist: /p/train-images-idx3-ubyte'), 'mnist: /p/train-images-idx3-ubyte is truncated', '60000×28×28', '47040000 bytes', '1000 bytes');
    await expectDataError(() => parseIdx(full.subarray(0, 10), 'f'), /truncated/, /3 dimensions/);
    await expectDataError(() => parseIdx(new Uint8Array(2), 'f'), /too short/);
  });

  it('rejects bytes beyond what the header announces', async () => {
    const withExtra = Uint8Array.from([...encodeIdx([2], [1, 2]), 9]);
    await expectDataError(() => parseIdx(withExtra, 'f'), /1 bytes more than its header/);
  });
});

describe('imagesFromIdx', () => {
  const opts = { imagesSource: 'imgs', labelsSource: 'labs', rows: 28, cols: 28, numClasses: 10, origin: 'o' };
  it('pairs images and labels', () => {
    const split = imagesFromIdx(encodeIdx([3, 28, 28], pixels(3, 1)), encodeIdx([3], [9, 0, 4]), opts);
    expect(split.n).toBe(3);
    expect(Array.from(split.labels)).toEqual([9, 0, 4]);
  });
  it('rejects mismatched counts, wrong image size and labels out of range', async () => {
    await expectDataError(() => imagesFromIdx(encodeIdx([3, 28, 28], pixels(3, 1)), encodeIdx([2], [1, 2]), opts), 'labs has 2 labels', 'imgs has 3 images');
    await expectDataError(() => imagesFromIdx(encodeIdx([1, 32, 32], new Uint8Array(1024)), encodeIdx([1], [1]), opts), 'imgs', '1×32×32', 'n×28×28');
    await expectDataError(() => imagesFromIdx(encodeIdx([3, 28, 28], pixels(3, 1)), encodeIdx([3], [1, 12, 10]), opts), 'labs', 'label 12 at item 1', '2 labels outside 0..9');
  });
});

describe('IDX folders (mnist --data-dir, generated files)', () => {
  let dir: string;
  const trainLabels = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1, 7, 2, 8, 6, 9];
  const testLabels = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4, 8];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plasticity-idx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeSet(sub: string, files: Partial<Record<string, Uint8Array | null>> = {}, gz = false): Promise<string> {
    const d = join(dir, sub);
    await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
    const all: Record<string, Uint8Array | null> = {
      'train-images-idx3-ubyte': encodeIdx([trainLabels.length, 28, 28], pixels(trainLabels.length, 1)),
      'train-labels-idx1-ubyte': encodeIdx([trainLabels.length], trainLabels),
      't10k-images-idx3-ubyte': encodeIdx([testLabels.length, 28, 28], pixels(testLabels.length, 2)),
      't10k-labels-idx1-ubyte': encodeIdx([testLabels.length], testLabels),
      ...files,
    };
    for (const [name, bytes] of Object.entries(all)) {
      if (bytes) await writeFile(join(d, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
    }
    return d;
  }

  it('loads the four files, pixels /255, labels as written', async () => {
    const d = await writeSet('ok');
    const { train, test } = await loadDataset({ name: 'mnist', dataDir: d });
    expect(train.n).toBe(trainLabels.length);
    expect(Array.from(train.y)).toEqual(trainLabels);
    expect(Array.from(test.y)).toEqual(testLabels);
    const px = pixels(trainLabels.length, 1);
    for (const i of [0, 1, 783, 784, 5000, px.length - 1]) expect(train.x[i]).toBe(Math.fround(px[i]! / 255));
    expect(train.inputShape).toEqual([28, 28, 1]);
    expect(train.featureRange).toEqual({ lo: 0, hi: 1 });
  });

  it('reads gzipped files and gives the same data set (same fingerprint)', async () => {
    const plain = await loadDataset({ name: 'mnist', dataDir: await writeSet('plain') });
    const gz = await loadDataset({ name: 'mnist', dataDir: await writeSet('gz', {}, true) });
    expect(gz.train.fingerprint).toBe(plain.train.fingerprint);
    expect(gz.train.origin).toMatch(/\.gz$/);
  });

  it('names a missing file, the folder and the expected files', async () => {
    const d = await writeSet('missing', { 't10k-labels-idx1-ubyte': null });
    await expectDataError(() => loadDataset({ name: 'mnist', dataDir: d }), join(d, 't10k-labels-idx1-ubyte'), 'does not exist', 'train-images-idx3-ubyte');
    await expectDataError(() => loadDataset({ name: 'mnist', dataDir: join(dir, 'nope') }), '--data-dir', join(dir, 'nope'), 'does not exist');
  });

  it('names the file with a wrong magic number', async () => {
    const bad = encodeIdx([trainLabels.length], trainLabels);
    bad[3] = 0x07;
    bad[1] = 0x01;
    const d = await writeSet('magic', { 'train-labels-idx1-ubyte': bad });
    await expectDataError(() => loadDataset({ name: 'fashion-mnist', dataDir: d }), `fashion-mnist: ${join(d, 'train-labels-idx1-ubyte')}`, /wrong magic number/);
  });

  it('names a truncated file', async () => {
    const full = encodeIdx([trainLabels.length, 28, 28], pixels(trainLabels.length, 1));
    const d = await writeSet('trunc', { 'train-images-idx3-ubyte': full.subarray(0, 1000) });
    await expectDataError(() => loadDataset({ name: 'mnist', dataDir: d }), join(d, 'train-images-idx3-ubyte'), 'is truncated', `${trainLabels.length}×28×28`);
  });

  it('names a label file with a label out of range', async () => {
    const d = await writeSet('range', { 't10k-labels-idx1-ubyte': encodeIdx([testLabels.length], testLabels.map((l, i) => (i === 4 ? 10 : l))) });
    await expectDataError(() => loadDataset({ name: 'mnist', dataDir: d }), join(d, 't10k-labels-idx1-ubyte'), 'label 10 at item 4', 'must be 0..9');
  });
});
