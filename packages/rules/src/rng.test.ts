import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('createRng', () => {
  it('repeats a stream for a seed and differs across seeds and forks', () => {
    const a = Array.from({ length: 5 }, createRng(7).next);
    const r = createRng(7);
    expect(Array.from({ length: 5 }, () => r.next())).toEqual(a);
    const other = createRng(8);
    expect(Array.from({ length: 5 }, () => other.next())).not.toEqual(a);
    const f1 = createRng(7).fork('init');
    const f2 = createRng(7).fork('data');
    expect(f1.next()).not.toBe(f2.next());
    expect(createRng(7).fork('init').next()).toBe(createRng(7).fork('init').next());
  });

  it('draws normals with mean 0 and variance 1', () => {
    const r = createRng(1);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });

  it('shuffles to a permutation and rejects bad arguments', () => {
    const r = createRng(3);
    const a = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => r.int(0)).toThrow(/positive integer/);
    expect(() => createRng(1.5)).toThrow(/integer/);
  });
});
