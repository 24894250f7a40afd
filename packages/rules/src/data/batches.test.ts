import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { batches, row } from './batches.js';
import { buildDatasets } from './dataset.js';
import type { SourceData } from './source.js';
import type { Dataset } from './types.js';

async function dataset(n: number, d: number): Promise<Dataset> {
  const src: SourceData = {
    name: 'csv',
    classNames: ['a', 'b', 'c'],
    inputShape: [d],
    d,
    featureRange: { lo: 0, hi: n * d },
    train: { n, kind: 'f32', data: Float32Array.from({ length: n * d }, (_, i) => i), labels: Int32Array.from({ length: n }, (_, i) => i % 3), origin: 'gen' },
    test: { n: 3, kind: 'f32', data: new Float32Array(3 * d), labels: Int32Array.from([0, 1, 2]), origin: 'gen' },
  };
  return (await buildDatasets(src, { name: 'csv' })).train;
}

describe('batches', () => {
  it('covers every row exactly once per epoch, with the row data and label of that row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 50 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 64 }), fc.option(fc.integer()), async (n, d, batchSize, seed) => {
        const ds = await dataset(n, d);
        const seen = new Array<number>(n).fill(0);
        let batchesSeen = 0;
        for (const b of batches(ds, { batchSize, ...(seed === null ? {} : { rng: createRng(seed) }) })) {
          batchesSeen++;
          expect(b.size).toBeLessThanOrEqual(batchSize);
          expect(b.x.length).toBe(b.size * d);
          for (let k = 0; k < b.size; k++) {
            const i = b.indices[k]!;
            seen[i]!++;
            expect(Array.from(b.x.subarray(k * d, (k + 1) * d))).toEqual(Array.from(row(ds, i)));
            expect(b.y[k]).toBe(ds.y[i]);
          }
        }
        expect(seen.every((c) => c === 1)).toBe(true);
        expect(batchesSeen).toBe(Math.ceil(n / batchSize));
      }),
      { numRuns: 60 },
    );
  });

  it('dropLast skips only the short last batch', async () => {
    const ds = await dataset(10, 2);
    expect([...batches(ds, { batchSize: 4, dropLast: true })].map((b) => b.size)).toEqual([4, 4]);
    expect([...batches(ds, { batchSize: 5, dropLast: true })].map((b) => b.size)).toEqual([5, 5]);
    expect([...batches(ds, { batchSize: 4 })].map((b) => b.size)).toEqual([4, 4, 2]);
  });

  it('without rng, data set order; with rng, a seeded order that changes each epoch', async () => {
    const ds = await dataset(30, 1);
    const order = (rng?: ReturnType<typeof createRng>) => {
      const out: number[] = [];
      for (const b of batches(ds, { batchSize: 7, ...(rng ? { rng } : {}) })) out.push(...b.indices);
      return out;
    };
    expect(order()).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const a = createRng(42);
    const b = createRng(42);
    const e1 = order(a);
    const e2 = order(a);
    expect(order(b)).toEqual(e1);
    expect(order(b)).toEqual(e2);
    expect(e2).not.toEqual(e1);
    expect(e1).not.toEqual(order(createRng(43)));
  });

  it('reuses its buffers between batches (documented)', async () => {
    const ds = await dataset(8, 2);
    const got = [...batches(ds, { batchSize: 4 })];
    expect(got[0]!.x).toBe(got[1]!.x);
    expect(Array.from(got[0]!.indices)).toEqual([4, 5, 6, 7]); // overwritten by the second batch
  });

  it('rejects a bad batch size', async () => {
    const ds = await dataset(8, 2);
    expect(() => [...batches(ds, { batchSize: 0 })]).toThrow(/batchSize/);
  });
});
