// Seeded inputs for the conformance suite. Every value is rounded to float32 first, so an f32
// backend and the f64 reference start from the very same numbers and only the arithmetic differs.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export interface Inputs {
  /** Uniform in [lo, hi), rounded to float32. */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** A rows×cols row-major matrix, entries uniform in [lo, hi) and rounded to float32. */
  matrix(rows: number, cols: number, lo?: number, hi?: number): Float64Array;
}

function fnv1a(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h | 0;
}

/** A generator seeded by the test's own label, so adding a test never shifts another's inputs. */
export function inputs(label: string): Inputs {
  const gen = xoroshiro128plus(fnv1a(label));
  const uniform = (lo: number, hi: number) => Math.fround(lo + (hi - lo) * uniformFloat64(gen));
  return {
    uniform,
    int: (lo, hi) => uniformInt(gen, lo, hi),
    matrix: (rows, cols, lo = -1, hi = 1) => {
      const m = new Float64Array(rows * cols);
      for (let i = 0; i < m.length; i++) m[i] = uniform(lo, hi);
      return m;
    },
  };
}
