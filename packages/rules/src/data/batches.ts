import type { Batch, BatchOptions, Dataset } from './types.js';

/**
 * Mini-batches over a data set, each row exactly once per call (one epoch). With `rng`, the
 * order is a fresh seeded permutation on every call: pass the same generator each epoch for a
 * new, reproducible order per epoch.
 *
 * Memory: the x, y and indices buffers are allocated once per call and overwritten for every
 * batch (a smaller last batch gets subarray views of them), so an epoch copies each row once
 * and never the whole set. Copy a batch's arrays if you need them after the next iteration.
 */
export function* batches(ds: Dataset, opts: BatchOptions): Generator<Batch, void, undefined> {
  const { batchSize, rng, dropLast = false } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const { n, d, x, y } = ds;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (rng) rng.shuffle(order);
  const size = Math.min(batchSize, n);
  const xb = new Float32Array(size * d);
  const yb = new Int32Array(size);
  const ib = new Int32Array(size);
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    if (m < batchSize && dropLast) return;
    for (let k = 0; k < m; k++) {
      const i = order[start + k];
      xb.set(x.subarray(i * d, i * d + d), k * d);
      yb[k] = y[i];
      ib[k] = i;
    }
    yield m === size ? { x: xb, y: yb, indices: ib, size: m } : { x: xb.subarray(0, m * d), y: yb.subarray(0, m), indices: ib.subarray(0, m), size: m };
  }
}

/** Row i of a data set, as a view (no copy). */
export function row(ds: Dataset, i: number): Float32Array {
  if (!Number.isInteger(i) || i < 0 || i >= ds.n) throw new RangeError(`row ${i} is outside 0..${ds.n - 1} of ${ds.name}/${ds.split}`);
  return ds.x.subarray(i * ds.d, (i + 1) * ds.d);
}
