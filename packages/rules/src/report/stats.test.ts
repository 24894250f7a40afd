import { describe, expect, it } from 'vitest';
import { meanInterval, pairedTTest } from './stats.js';

describe('statistics over seeds', () => {
  it('gives the Student-t interval (t_{0.975,4} = 2.7764 from the tables)', () => {
    const v = [0.9, 0.92, 0.88, 0.91, 0.89];
    const r = meanInterval(v);
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - 0.9) ** 2, 0) / 4);
    expect(r.mean).toBeCloseTo(0.9, 12);
    expect(r.sd).toBeCloseTo(sd, 12);
    expect(r.hi - r.mean).toBeCloseTo((2.7764451 * sd) / Math.sqrt(5), 6);
    expect(meanInterval([0.5])).toMatchObject({ mean: 0.5, lo: 0.5, hi: 0.5 });
  });

  it('paired t-test matches the closed form of the t distribution with 4 degrees of freedom', () => {
    // For ν = 4, with u = t/√(t² + 4): two-sided p = 1 − u·(1 + (1 − u²)/2).
    const p4 = (t: number) => {
      const u = Math.abs(t) / Math.sqrt(t * t + 4);
      return 1 - u * (1 + (1 - u * u) / 2);
    };
    // Differences 1, 2, 3, 2, 2: mean 2, sd √0.5.
    const r = pairedTTest([11, 12, 13, 12, 12], [10, 10, 10, 10, 10]);
    expect(r.meanDifference).toBe(2);
    expect(r.t).toBeCloseTo(2 / (Math.sqrt(0.5) / Math.sqrt(5)), 10);
    expect(r.df).toBe(4);
    expect(r.p).toBeCloseTo(p4(r.t), 8);
    // Differences m ± 1, m, m, m with m = 3/√10 give t = 3 exactly; p = 0.03994.
    const m = 3 / Math.sqrt(10);
    const t3 = pairedTTest([m + 1, m - 1, m, m, m], [0, 0, 0, 0, 0]);
    expect(t3.t).toBeCloseTo(3, 10);
    expect(t3.p).toBeCloseTo(p4(3), 8);
    expect(t3.p).toBeCloseTo(0.03994, 5);
    expect(t3.hi - t3.meanDifference).toBeCloseTo(2.7764451 * (1 / Math.sqrt(2)) / Math.sqrt(5), 6);
    expect(pairedTTest([1, 2], [1, 2]).p).toBe(1);
    expect(() => pairedTTest([1], [2])).toThrow(/at least two pairs/);
  });
});
