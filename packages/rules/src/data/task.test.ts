// Task selection, balancing, caps and splits, checked as properties over random label vectors
// against direct counts of the source labels.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDatasets, loadDataset } from './dataset.js';
import { DataError } from './errors.js';
import type { SourceData } from './source.js';
import type { Dataset, DatasetSpec } from './types.js';

const D = 3;

/** Row r of a split has features [r, r + 0.25, r + 0.5] (+1000 on the test split), so rows are recognisable. */
function source(trainLabels: number[], k: number, testLabels?: number[]): SourceData {
  const split = (labels: number[], offset: number, origin: string) => ({
    n: labels.length,
    kind: 'f32' as const,
    data: Float32Array.from({ length: labels.length * D }, (_, i) => offset + Math.floor(i / D) + (i % D) * 0.25),
    labels: Int32Array.from(labels),
    origin,
  });
  return {
    name: 'csv',
    classNames: Array.from({ length: k }, (_, i) => `c${i}`),
    inputShape: [D],
    d: D,
    featureRange: { lo: 0, hi: 2000 },
    train: split(trainLabels, 0, 'train-file'),
    ...(testLabels ? { test: split(testLabels, 1000, 'test-file') } : {}),
    defaultTestFraction: 0.2,
  };
}

function counts(labels: ArrayLike<number>, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]!]!++;
  return c;
}

/** Every row's features are the source row's, and its label is the mapped source label. */
function checkRows(ds: Dataset, src: SourceData, offset: number): void {
  const labels = (offset ? src.test! : src.train).labels;
  for (let i = 0; i < ds.n; i++) {
    const r = ds.sourceIndex[i]!;
    expect(ds.x[i * D]).toBe(offset + r);
    expect(ds.y[i]).toBe(ds.task.mapping[labels[r]!]);
  }
  for (let i = 1; i < ds.n; i++) expect(ds.sourceIndex[i]!).toBeGreaterThan(ds.sourceIndex[i - 1]!);
}

const K = 4;
// At least 2 rows of every class, in random order, so every subset is non-empty.
const labelsArb = fc
  .array(fc.integer({ min: 0, max: K - 1 }), { minLength: 0, maxLength: 60 })
  .chain((extra) => fc.shuffledSubarray([...Array.from({ length: 2 * K }, (_, i) => i % K), ...extra], { minLength: 2 * K + extra.length, maxLength: 2 * K + extra.length }));

describe('tasks on an official train/test split', () => {
  it('--classes keeps exactly those classes, relabelled in the order given', async () => {
    await fc.assert(
      fc.asyncProperty(labelsArb, labelsArb, fc.shuffledSubarray([0, 1, 2, 3], { minLength: 2 }), async (tr, te, chosen) => {
        const src = source(tr, K, te);
        const { train, test } = await buildDatasets(src, { name: 'csv', classes: chosen });
        expect(train.classNames).toEqual(chosen.map((c) => `c${c}`));
        const c = counts(tr, K);
        expect(train.classCounts).toEqual(chosen.map((k) => c[k]));
        expect(test.classCounts).toEqual(chosen.map((k) => counts(te, K)[k]));
        checkRows(train, src, 0);
        checkRows(test, src, 1000);
      }),
      { numRuns: 40 },
    );
  });

  it('--one-vs-rest c [--balance]: label 1 for c, 0 for the rest; balance subsamples the larger side', async () => {
    await fc.assert(
      fc.asyncProperty(labelsArb, labelsArb, fc.integer({ min: 0, max: K - 1 }), fc.boolean(), fc.integer(), async (tr, te, pos, balance, seed) => {
        const src = source(tr, K, te);
        const { train, test } = await buildDatasets(src, { name: 'csv', oneVsRest: pos, balance, seed });
        expect(train.classNames).toEqual(['rest', `c${pos}`]);
        for (const [ds, labels] of [[train, tr], [test, te]] as const) {
          const p = labels.filter((l) => l === pos).length;
          const r = labels.length - p;
          expect(ds.classCounts).toEqual(balance ? [Math.min(p, r), Math.min(p, r)] : [r, p]);
          expect(ds.task.balanced).toBe(balance);
        }
        checkRows(train, src, 0);
        checkRows(test, src, 1000);
      }),
      { numRuns: 40 },
    );
  });

  it('--per-class-cap keeps min(count, cap) training rows per class; the test split is untouched', async () => {
    await fc.assert(
      fc.asyncProperty(labelsArb, labelsArb, fc.integer({ min: 1, max: 10 }), async (tr, te, cap) => {
        const src = source(tr, K, te);
        const { train, test } = await buildDatasets(src, { name: 'csv', perClassCap: cap });
        expect(train.classCounts).toEqual(counts(tr, K).map((c) => Math.min(c, cap)));
        expect(test.n).toBe(te.length);
        expect(train.task.perClassCap).toBe(cap);
        expect(test.task.perClassCap).toBeNull();
        checkRows(train, src, 0);
      }),
      { numRuns: 40 },
    );
  });

  it('validation split: stratified (round(count·f) per class), disjoint from train, together the whole pool', async () => {
    await fc.assert(
      fc.asyncProperty(labelsArb, fc.double({ min: 0.05, max: 0.6, noNaN: true }), fc.integer(), async (tr, f, seed) => {
        const src = source(tr, K, [0, 1, 2, 3]);
        const pool = counts(tr, K);
        const expected = pool.map((c) => Math.round(c * f));
        const spec: DatasetSpec = { name: 'csv', validation: f, seed };
        if (expected.every((e) => e === 0)) {
          await expect(buildDatasets(src, spec)).rejects.toThrow(/--validation/);
          return;
        }
        const { train, validation } = await buildDatasets(src, spec);
        expect(validation!.classCounts).toEqual(expected);
        expect(train.classCounts).toEqual(pool.map((c, i) => c - expected[i]!));
        const all = [...train.sourceIndex, ...validation!.sourceIndex].sort((a, b) => a - b);
        expect(all).toEqual(tr.map((_, i) => i));
        checkRows(validation!, src, 0);
      }),
      { numRuns: 40 },
    );
  });
});

describe('sets without an official test split', () => {
  it('test split: stratified round(count·f) per class, disjoint, covering every row; fixed by testSeed', async () => {
    await fc.assert(
      fc.asyncProperty(labelsArb, fc.double({ min: 0.1, max: 0.5, noNaN: true }), fc.integer(), fc.integer(), async (tr, f, seed, testSeed) => {
        const src = source(tr, K);
        const expected = counts(tr, K).map((c) => Math.round(c * f));
        fc.pre(expected.some((e) => e > 0));
        const a = await buildDatasets(src, { name: 'csv', testFraction: f, seed, testSeed });
        expect(a.test.classCounts).toEqual(expected);
        const all = [...a.train.sourceIndex, ...a.test.sourceIndex].sort((x, y) => x - y);
        expect(all).toEqual(tr.map((_, i) => i));
        // A different training seed moves nothing on the test side.
        const b = await buildDatasets(src, { name: 'csv', testFraction: f, seed: seed + 1, testSeed });
        expect(b.test.fingerprint).toBe(a.test.fingerprint);
        checkRows(a.test, src, 0);
      }),
      { numRuns: 40 },
    );
  });
});

describe('determinism', () => {
  it('the same spec and seed give the same bytes; another seed gives another choice', async () => {
    const labels = Array.from({ length: 400 }, (_, i) => (i * 7) % K);
    const src = source(labels, K, labels.slice(0, 100));
    const spec: DatasetSpec = { name: 'csv', oneVsRest: 2, balance: true, perClassCap: 60, validation: 0.2, seed: 11 };
    const a = await buildDatasets(src, spec);
    const b = await buildDatasets(src, spec);
    for (const s of ['train', 'validation', 'test'] as const) {
      expect(a[s]!.fingerprint).toBe(b[s]!.fingerprint);
      expect(Array.from(a[s]!.sourceIndex)).toEqual(Array.from(b[s]!.sourceIndex));
    }
    const c = await buildDatasets(src, { ...spec, seed: 12 });
    expect(Array.from(c.train.sourceIndex)).not.toEqual(Array.from(a.train.sourceIndex));
    expect(c.test.fingerprint).toBe(a.test.fingerprint);
  });

  it('the fingerprint covers the task: same rows under another mapping differ', async () => {
    const src = source([0, 1, 0, 1, 0, 1], 2, [0, 1]);
    const all = await buildDatasets(src, { name: 'csv' });
    const ovr = await buildDatasets(src, { name: 'csv', oneVsRest: 1 });
    expect(Array.from(ovr.train.y)).toEqual(Array.from(all.train.y));
    expect(ovr.train.fingerprint).not.toBe(all.train.fingerprint);
  });
});

describe('bad options', () => {
  const src = source([0, 1, 2, 3, 0, 1, 2, 3], K, [0, 1, 2, 3]);
  async function expectDataError(spec: DatasetSpec, ...patterns: (string | RegExp)[]): Promise<void> {
    const err = await buildDatasets(src, spec).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err, `expected a DataError for ${JSON.stringify(spec)}`).toBeInstanceOf(DataError);
    for (const p of patterns) expect((err as Error).message).toMatch(p);
  }

  it('a class that does not exist names --classes and the valid classes', async () => {
    await expectDataError({ name: 'csv', classes: [0, 7] }, '--classes', 'class 7 does not exist', '0..3', '1=c1');
    await expectDataError({ name: 'csv', classes: [0, 1.5] }, '--classes', 'class 1.5');
    await expectDataError({ name: 'csv', oneVsRest: -1 }, '--one-vs-rest', 'class -1 does not exist');
  });

  it('one class, a repeated class, or --classes with --one-vs-rest', async () => {
    await expectDataError({ name: 'csv', classes: [2] }, '--classes', 'at least two', '--one-vs-rest');
    await expectDataError({ name: 'csv', classes: [2, 2] }, 'class 2 twice');
    await expectDataError({ name: 'csv', classes: [0, 1], oneVsRest: 2 }, 'cannot be combined');
  });

  it('fractions, caps and seeds out of range', async () => {
    await expectDataError({ name: 'csv', validation: 1 }, '--validation', '< 1');
    await expectDataError({ name: 'csv', validation: -0.1 }, '--validation');
    await expectDataError({ name: 'csv', perClassCap: 0 }, '--per-class-cap', '≥ 1');
    await expectDataError({ name: 'csv', testPerClassCap: 2.5 }, '--test-per-class-cap');
    await expectDataError({ name: 'csv', seed: 0.5 }, '--seed', 'integer');
    await expectDataError({ name: 'csv', testFraction: 0.2 }, '--test-fraction', 'official test split');
  });

  it('an empty subset after balancing or validation is an error, never an empty data set', async () => {
    const lopsided = source([0, 0, 0, 0], 2, [0, 1]);
    const err = await buildDatasets(lopsided, { name: 'csv', balance: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/training split is empty after --balance/);
    await expectDataError({ name: 'csv', validation: 0.01 }, '--validation', 'empty validation split');
  });

  it('unknown data sets and options that do not apply are named', async () => {
    await expect(loadDataset({ name: 'mnits' as 'mnist' })).rejects.toThrow(/unknown data set "mnits"; known data sets are mnist, fashion-mnist, iris, cifar10, csv/);
    await expect(loadDataset({ name: 'iris', dataDir: '/x' })).rejects.toThrow(/--data-dir \(dataDir\) does not apply to iris; it applies to mnist, fashion-mnist, cifar10/);
    await expect(loadDataset({ name: 'mnist', path: '/x.csv' })).rejects.toThrow(/--path \(path\) does not apply to mnist/);
    await expect(loadDataset({ name: 'mnist', classes: [3, 10] })).rejects.toThrow(DataError);
  });
});
