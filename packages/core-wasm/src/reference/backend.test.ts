import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from './backend.js';

describe('reference backend', () => {
  it('multiplies in all three GEMM forms', () => {
    const be = new ReferenceBackend();
    const a = be.fromArray(2, 3, [1, 2, 3, 4, 5, 6]);
    const b = be.fromArray(3, 2, [1, 0, 0, 1, 1, 1]);
    const c = be.zeros(2, 2);
    be.gemm(a, b, c);
    expect([...be.read(c)]).toEqual([4, 5, 10, 11]);
    const bt = be.fromArray(2, 3, [1, 0, 1, 0, 1, 1]);
    be.gemm(a, bt, c, { transB: true, alpha: 2, beta: 1 });
    expect([...be.read(c)]).toEqual([12, 15, 30, 33]);
    const at = be.zeros(3, 3);
    be.gemm(a, a, at, { transA: true });
    expect(be.read(at)[0]).toBe(1 * 1 + 4 * 4);
  });

  it('refuses scratch tensors after a reset and disposed tensors', () => {
    const be = new ReferenceBackend();
    const s = be.zeros(2, 2, 'scratch');
    be.resetScratch();
    expect(() => be.read(s)).toThrow(/scratch tensor from before the last resetScratch/);
    const p = be.zeros(1, 1);
    be.dispose(p);
    expect(() => be.fill(p, 1)).toThrow(/disposed/);
  });

  it('computes a stable softmax cross-entropy', () => {
    const be = new ReferenceBackend();
    const z = be.fromArray(1, 3, [1000, 0, -1000]);
    const t = be.fromArray(1, 3, [1, 0, 0]);
    const p = be.zeros(1, 3);
    const g = be.zeros(1, 3);
    const loss = be.softmaxCrossEntropy(z, t, p, g);
    expect(loss).toBeCloseTo(0, 12);
    expect(be.read(g)[0]).toBeCloseTo(0, 12);
  });
});
