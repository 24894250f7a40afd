/// <reference path="./jstat.d.ts" />
// Statistics over seeds: a mean with its Student-t confidence interval, and the paired t-test
// of two rules trained with the same seeds (same data order and initialisation).
import jStat from 'jstat';

export interface Interval {
  mean: number;
  /** Lower and upper end of the two-sided confidence interval of the mean (= mean for one value). */
  lo: number;
  hi: number;
  /** Sample standard deviation (0 for one value). */
  sd: number;
  n: number;
  level: number;
}

export interface PairedTest {
  n: number;
  /** Mean of a_i − b_i. */
  meanDifference: number;
  sd: number;
  df: number;
  t: number;
  /** Two-sided p-value (1 when every difference is 0, 0 when they are all equal and non-zero). */
  p: number;
  /** Confidence interval of the mean difference. */
  lo: number;
  hi: number;
  level: number;
}

function meanSd(v: readonly number[]): { mean: number; sd: number } {
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/** Mean and Student-t confidence interval: mean ± t_{(1+level)/2, n−1} · sd/√n. */
export function meanInterval(values: readonly number[], level = 0.95): Interval {
  if (values.length === 0) throw new RangeError('meanInterval needs at least one value');
  const n = values.length;
  const { mean, sd } = meanSd(values);
  if (n === 1) return { mean, lo: mean, hi: mean, sd: 0, n, level };
  const half = jStat.studentt.inv((1 + level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { mean, lo: mean - half, hi: mean + half, sd, n, level };
}

/** Paired two-sided t-test of a against b (a_i and b_i measured on the same seed). */
export function pairedTTest(a: readonly number[], b: readonly number[], level = 0.95): PairedTest {
  if (a.length !== b.length) throw new RangeError(`a paired test needs equal-length samples; got ${a.length} and ${b.length}`);
  if (a.length < 2) throw new RangeError(`a paired test needs at least two pairs (seeds); got ${a.length}`);
  const diff = a.map((v, i) => v - b[i]);
  const n = diff.length;
  const df = n - 1;
  const { mean, sd } = meanSd(diff);
  const se = sd / Math.sqrt(n);
  let t: number;
  let p: number;
  if (se === 0) {
    t = mean === 0 ? 0 : Math.sign(mean) * Infinity;
    p = mean === 0 ? 1 : 0;
  } else {
    t = mean / se;
    p = Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df));
  }
  const half = jStat.studentt.inv((1 + level) / 2, df) * se;
  return { n, meanDifference: mean, sd, df, t, p, lo: mean - half, hi: mean + half, level };
}
