import { describe, expect, it } from 'vitest';
import { buildDatasets } from './dataset.js';
import type { SourceData } from './source.js';
import { applyTransform, fitMinMax, fitStandardizer } from './transforms.js';

// Columns: [1, 2, 3, 4] + 1e4 (large offset), constant 5, and [-2, 0, 0, 6].
const X = [10001, 5, -2, 10002, 5, 0, 10003, 5, 0, 10004, 5, 6];

async function train() {
  const src: SourceData = {
    name: 'csv',
    classNames: ['a', 'b'],
    inputShape: [3],
    d: 3,
    featureRange: { lo: -10, hi: 20000 },
    train: { n: 4, kind: 'f32', data: Float32Array.from(X), labels: Int32Array.from([0, 1, 0, 1]), origin: 'gen' },
    test: { n: 2, kind: 'f32', data: new Float32Array(6), labels: Int32Array.from([0, 1]), origin: 'gen' },
  };
  return (await buildDatasets(src, { name: 'csv' })).train;
}

describe('input transforms', () => {
  it('standardizer: closed-form mean and population std; constant feature gets scale 1', async () => {
    const t = fitStandardizer(await train());
    expect(t.kind).toBe('standardize');
    expect(Array.from(t.shift)).toEqual([10002.5, 5, 1].map(Math.fround));
    expect(t.scale[0]).toBeCloseTo(1 / Math.sqrt(1.25), 6);
    expect(t.scale[1]).toBe(1);
    expect(t.scale[2]).toBeCloseTo(1 / Math.sqrt((9 + 1 + 1 + 25) / 4), 6);
    const z = applyTransform(t, Float32Array.from(X));
    expect(z[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 5);
    expect(z[1]).toBe(0);
  });

  it('min-max maps each training column onto [0, 1]', async () => {
    const t = fitMinMax(await train());
    const z = applyTransform(t, Float32Array.from(X));
    expect(Array.from(z)).toEqual([0, 0, 0, 1 / 3, 0, 0.25, 2 / 3, 0, 0.25, 1, 0, 1].map(Math.fround));
  });

  it('applyTransform can work in place and checks shapes', async () => {
    const t = fitMinMax(await train());
    const x = Float32Array.from(X);
    expect(applyTransform(t, x, x)).toBe(x);
    expect(() => applyTransform(t, new Float32Array(4))).toThrow(/whole rows of 3/);
  });
});
