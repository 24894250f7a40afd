// Small in-memory data sets for tests: Gaussian blobs, one per class, features clipped to
// [0, 1] like pixels. Built through the same Dataset shape the loaders return.
import type { Dataset } from '../data/types.js';
import { fingerprintOf } from '../data/fingerprint.js';
import { createRng } from '../rng.js';

export async function blobs(opts: { seed?: number; n?: number; d?: number; classes?: number; spread?: number; split?: Dataset['split'] } = {}): Promise<Dataset> {
  const { seed = 1, n = 200, d = 4, classes = 2, spread = 0.08, split = 'train' } = opts;
  const rng = createRng(seed);
  const centresRng = createRng(12345); // the same class centres for every split
  const centres = Array.from({ length: classes }, () => Array.from({ length: d }, () => centresRng.uniform(0.2, 0.8)));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = Math.min(1, Math.max(0, centres[c][j] + spread * rng.normal()));
  }
  const classNames = Array.from({ length: classes }, (_, c) => `c${c}`);
  const task = { kind: 'all' as const, sourceClasses: classNames, mapping: classNames.map((_, i) => i), selected: null, balanced: false, perClassCap: null };
  return {
    name: 'csv',
    split,
    n,
    d,
    x,
    y,
    classNames,
    classCounts: classNames.map((_, c) => y.filter((v) => v === c).length),
    inputShape: [d],
    featureRange: { lo: 0, hi: 1 },
    task,
    sourceIndex: Int32Array.from({ length: n }, (_, i) => i),
    origin: 'synthetic blobs',
    fingerprint: await fingerprintOf({ header: { name: 'blobs', seed, n, d, classes, spread }, x, y }),
  };
}
