// Input normalisation is fitted here on training data and applied inside the model, so the
// data (and an attack's ε) stay in the data set's own units.
import type { Dataset, InputTransform } from './types.js';

function columnStats(ds: Dataset): { mean: Float64Array; std: Float64Array; min: Float64Array; max: Float64Array } {
  const { n, d, x } = ds;
  if (n === 0) throw new RangeError(`cannot fit a transform on ${ds.name}/${ds.split}: it has no rows`);
  const mean = new Float64Array(d);
  const m2 = new Float64Array(d);
  const min = new Float64Array(d).fill(Infinity);
  const max = new Float64Array(d).fill(-Infinity);
  // Welford's update per column: stable for features with a large offset.
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = x[o + j];
      const delta = v - mean[j];
      mean[j] += delta / (i + 1);
      m2[j] += delta * (v - mean[j]);
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    }
  }
  const std = m2.map((s) => Math.sqrt(s / n));
  return { mean, std, min, max };
}

/**
 * Per-feature standardisation x' = (x − mean) / std, fitted on `train` (population std). A
 * constant feature (std 0, e.g. MNIST's corner pixels) gets scale 1, so it maps to 0 instead
 * of dividing by zero.
 */
export function fitStandardizer(train: Dataset): InputTransform {
  const { mean, std } = columnStats(train);
  return {
    kind: 'standardize',
    shift: Float32Array.from(mean),
    scale: Float32Array.from(std, (s) => (s > 0 ? 1 / s : 1)),
  };
}

/** Per-feature x' = (x − min) / (max − min), fitted on `train`; a constant feature gets scale 1. */
export function fitMinMax(train: Dataset): InputTransform {
  const { min, max } = columnStats(train);
  return {
    kind: 'min-max',
    shift: Float32Array.from(min),
    scale: Float32Array.from(min, (lo, j) => (max[j] > lo ? 1 / (max[j] - lo) : 1)),
  };
}

/** Apply a transform to rows of x (n·d); writes into `out` (may be x itself) or a new array. */
export function applyTransform(t: InputTransform, x: Float32Array, out: Float32Array = new Float32Array(x.length)): Float32Array {
  const d = t.shift.length;
  if (x.length % d !== 0) throw new RangeError(`applyTransform: ${x.length} values are not whole rows of ${d} features`);
  if (out.length !== x.length) throw new RangeError(`applyTransform: out has ${out.length} values, x has ${x.length}`);
  for (let o = 0; o < x.length; o += d) {
    for (let j = 0; j < d; j++) out[o + j] = (x[o + j] - t.shift[j]) * t.scale[j];
  }
  return out;
}
