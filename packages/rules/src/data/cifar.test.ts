import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, parseCifarBatch } from './cifar.js';
import { loadDataset } from './dataset.js';
import { DataError } from './errors.js';
import { encodeCifarBatch } from './fixtures.js';

async function expectDataError(fn: () => unknown, ...patterns: (string | RegExp)[]): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a DataError').toBeInstanceOf(DataError);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
}

/** Planar pixels where every value encodes (record, channel, position) so a layout mix-up shows. */
function planar(records: number, salt: number): Uint8Array {
  const out = new Uint8Array(records * 3072);
  for (let r = 0; r < records; r++) for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 1024; p++) out[r * 3072 + ch * 1024 + p] = (r * 37 + ch * 85 + p * 3 + salt) % 256;
  return out;
}

const TRAIN_LABELS = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [9, 0, 1],
  [2, 3, 4, 5],
];
const TEST_LABELS = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];

describe('CIFAR-10 binary batches (generated files)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plasticity-cifar-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeSet(sub: string, override: Record<string, Uint8Array | null> = {}): Promise<string> {
    const d = join(dir, sub);
    await mkdir(d, { recursive: true });
    const files: Record<string, Uint8Array | null> = {};
    TRAIN_LABELS.forEach((labels, b) => (files[`data_batch_${b + 1}.bin`] = encodeCifarBatch(labels, planar(labels.length, b))));
    files['test_batch.bin'] = encodeCifarBatch(TEST_LABELS, planar(TEST_LABELS.length, 99));
    Object.assign(files, override);
    for (const [name, bytes] of Object.entries(files)) if (bytes) await writeFile(join(d, name), bytes);
    return d;
  }

  it('parses records channels-last: x[(row·32+col)·3+ch] = plane[ch][row·32+col] / 255', () => {
    const px = planar(2, 7);
    const { n, pixels, labels } = parseCifarBatch(encodeCifarBatch([3, 8], px), 'f');
    expect(n).toBe(2);
    expect(Array.from(labels)).toEqual([3, 8]);
    for (const [r, row, col, ch] of [[0, 0, 0, 0], [0, 0, 0, 2], [1, 31, 31, 1], [1, 5, 17, 2]] as const) {
      const p = row * 32 + col;
      expect(pixels[r * 3072 + p * 3 + ch]).toBe(px[r * 3072 + ch * 1024 + p]);
    }
  });

  it('loads data_batch_1..5 in order as train and test_batch as test', async () => {
    const d = await writeSet('ok');
    const { train, test } = await loadDataset({ name: 'cifar10', dataDir: d });
    expect(train.n).toBe(16);
    expect(test.n).toBe(10);
    expect(Array.from(train.y)).toEqual(TRAIN_LABELS.flat());
    expect(Array.from(test.y)).toEqual(TEST_LABELS);
    expect(train.inputShape).toEqual([32, 32, 3]);
    expect(train.classNames).toEqual([...CIFAR10_CLASSES]);
    // Row 3 of train is record 0 of data_batch_2 (salt 1); check one pixel of each channel.
    const px = planar(3, 1);
    for (let ch = 0; ch < 3; ch++) expect(train.x[3 * 3072 + 100 * 3 + ch]).toBe(Math.fround(px[ch * 1024 + 100]! / 255));
  });

  it('accepts the parent of cifar-10-batches-bin', async () => {
    await writeSet('parent/cifar-10-batches-bin');
    const { test } = await loadDataset({ name: 'cifar10', dataDir: join(dir, 'parent') });
    expect(test.n).toBe(10);
  });

  it('rejects a file that is not whole 3073-byte records', async () => {
    const good = encodeCifarBatch([1, 2], planar(2, 0));
    const d = await writeSet('trunc', { 'data_batch_3.bin': good.subarray(0, 3073 + 100) });
    await expectDataError(() => loadDataset({ name: 'cifar10', dataDir: d }), join(d, 'data_batch_3.bin'), '3173 bytes', '3073-byte records', '1 whole records and 100 bytes left over');
  });

  it('rejects a label out of range, naming file and record', async () => {
    const d = await writeSet('label', { 'test_batch.bin': encodeCifarBatch([1, 2, 10], planar(3, 0)) });
    await expectDataError(() => loadDataset({ name: 'cifar10', dataDir: d }), join(d, 'test_batch.bin'), 'label 10 in record 2', '0..9');
  });

  it('names a missing batch file, and a missing --data-dir', async () => {
    const d = await writeSet('missing', { 'data_batch_4.bin': null });
    await expectDataError(() => loadDataset({ name: 'cifar10', dataDir: d }), join(d, 'data_batch_4.bin'), 'does not exist', 'CIFAR-10 binary batch');
    await expectDataError(() => loadDataset({ name: 'cifar10' }), '--data-dir', 'data_batch_1.bin');
  });

  it('--classes 3,5 with a cap picks the right rows', async () => {
    const d = await writeSet('task');
    const { train, test } = await loadDataset({ name: 'cifar10', dataDir: d, classes: [3, 5], perClassCap: 1, seed: 4 });
    expect(train.classNames).toEqual(['cat', 'dog']);
    expect(train.classCounts).toEqual([1, 1]);
    expect(test.classCounts).toEqual([1, 1]);
  });
});
