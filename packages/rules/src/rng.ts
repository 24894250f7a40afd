// Seeded randomness for everything that must be reproducible: data order, initialisation,
// feedback matrices, attack restarts. One generator per purpose, derived from the run's
// seed with `fork`, so adding a draw in one place never shifts another's stream.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T;
  /** An independent generator for a named purpose, deterministic in (seed, label). */
  fork(label: string): Rng;
}

function hashLabel(seed: number, label: string): number {
  // FNV-1a over the seed's bytes and the label, to 32 bits.
  let h = 0x811c9dc5;
  const mix = (byte: number) => {
    h ^= byte & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (let i = 0; i < 4; i++) mix(seed >>> (8 * i));
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    mix(c);
    mix(c >>> 8);
  }
  return h | 0;
}

export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const gen = xoroshiro128plus(seed | 0);
  let spare: number | null = null;
  const rng: Rng = {
    seed,
    next: () => uniformFloat64(gen),
    uniform: (lo, hi) => lo + (hi - lo) * uniformFloat64(gen),
    int: (n) => {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer n, got ${n}`);
      return uniformInt(gen, 0, n - 1);
    },
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = uniformFloat64(gen);
      const v = uniformFloat64(gen);
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle: (a) => {
      for (let i = a.length - 1; i > 0; i--) {
        const j = uniformInt(gen, 0, i);
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
      return a;
    },
    fork: (label) => createRng(hashLabel(seed, label)),
  };
  return rng;
}
