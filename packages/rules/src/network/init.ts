// Weight initialisers, computed in float64 on the host from a seeded Rng, then uploaded.
// Glorot & Bengio 2010 (uniform/normal), He et al. 2015 (uniform/normal), and Haar-random
// orthogonal matrices (Mezzadri 2007: QR of a Gaussian with the sign of R's diagonal fixed).
import type { Rng } from '../rng.js';

export type Initializer = 'glorot-uniform' | 'glorot-normal' | 'he-uniform' | 'he-normal' | 'orthogonal';
export const INITIALIZERS: readonly Initializer[] = ['glorot-uniform', 'glorot-normal', 'he-uniform', 'he-normal', 'orthogonal'];

/** A rows × cols matrix (rows = fan-out, cols = fan-in), row-major. */
export function initMatrix(kind: Initializer, rows: number, cols: number, rng: Rng): Float64Array {
  const n = rows * cols;
  const out = new Float64Array(n);
  const fanIn = cols;
  const fanOut = rows;
  switch (kind) {
    case 'glorot-uniform': {
      const a = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) out[i] = rng.uniform(-a, a);
      return out;
    }
    case 'glorot-normal': {
      const s = Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) out[i] = s * rng.normal();
      return out;
    }
    case 'he-uniform': {
      const a = Math.sqrt(6 / fanIn);
      for (let i = 0; i < n; i++) out[i] = rng.uniform(-a, a);
      return out;
    }
    case 'he-normal': {
      const s = Math.sqrt(2 / fanIn);
      for (let i = 0; i < n; i++) out[i] = s * rng.normal();
      return out;
    }
    case 'orthogonal':
      return orthogonal(rows, cols, rng);
    default:
      throw new RangeError(`unknown initializer '${String(kind)}'; expected one of ${INITIALIZERS.join(', ')}`);
  }
}

/**
 * A Haar-random matrix with orthonormal rows (rows ≤ cols) or columns (rows > cols):
 * Householder QR of a Gaussian matrix, with Q's columns multiplied by sign(diag R).
 */
export function orthogonal(rows: number, cols: number, rng: Rng): Float64Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // long side
  const k = tall ? cols : rows; // short side
  // A is m × k, column-major for convenience: a[j*m + i].
  const a = new Float64Array(m * k);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  const diagSign = new Float64Array(k);
  const vs: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const col = j * m;
    let norm = 0;
    for (let i = j; i < m; i++) norm += a[col + i] * a[col + i];
    norm = Math.sqrt(norm);
    const alpha = a[col + j] > 0 ? -norm : norm;
    // R's diagonal entry is alpha; Mezzadri's correction multiplies Q's column by sign(alpha).
    diagSign[j] = alpha >= 0 ? 1 : -1;
    const v = new Float64Array(m);
    for (let i = j; i < m; i++) v[i] = a[col + i];
    v[j] -= alpha;
    let vn = 0;
    for (let i = j; i < m; i++) vn += v[i] * v[i];
    if (vn > 0) {
      for (let c = j; c < k; c++) {
        let d = 0;
        for (let i = j; i < m; i++) d += v[i] * a[c * m + i];
        const f = (2 * d) / vn;
        for (let i = j; i < m; i++) a[c * m + i] -= f * v[i];
      }
    }
    vs.push(vn > 0 ? v.map((x) => x / Math.sqrt(vn)) : v);
  }
  // Q = H_0 H_1 … H_{k-1} applied to the first k columns of I.
  const q = new Float64Array(m * k);
  for (let j = 0; j < k; j++) q[j * m + j] = 1;
  for (let h = k - 1; h >= 0; h--) {
    const v = vs[h];
    for (let c = 0; c < k; c++) {
      let d = 0;
      for (let i = h; i < m; i++) d += v[i] * q[c * m + i];
      for (let i = h; i < m; i++) q[c * m + i] -= 2 * d * v[i];
    }
  }
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < m; i++) {
      const val = q[j * m + i] * diagSign[j];
      // tall: out is m × k with Q's columns as columns; wide: out is k × m with Q's columns as rows.
      if (tall) out[i * cols + j] = val;
      else out[j * cols + i] = val;
    }
  }
  return out;
}
