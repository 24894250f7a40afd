import { describe, expect, it } from 'vitest';
import { BackendError } from '../backend.js';
import { Arena } from './arena.js';

const PAGE = 65536;

function arena(pages = 1, base = 100): Arena {
  return new Arena(new WebAssembly.Memory({ initial: pages }), base);
}

describe('arena', () => {
  it('hands out 16-byte-aligned, non-overlapping blocks above the base', () => {
    const a = arena(1, 1000);
    const blocks: [number, number][] = [];
    for (const size of [1, 4, 15, 16, 17, 100, 4096, 0]) {
      const off = a.alloc(size);
      expect(off % 16).toBe(0);
      expect(off).toBeGreaterThanOrEqual(1000);
      blocks.push([off, Math.max(size, 1)]);
    }
    blocks.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i][0]).toBeGreaterThanOrEqual(blocks[i - 1][0] + blocks[i - 1][1]);
  });

  it('reuses released space and coalesces neighbours', () => {
    const a = arena(1, 0);
    const x = a.alloc(1024);
    const y = a.alloc(1024);
    const z = a.alloc(1024);
    a.release(x);
    a.release(z);
    a.release(y);
    // x, y, z coalesced with the free tail: one block fills the whole page again, no growth.
    const big = a.alloc(PAGE);
    expect(big).toBe(x);
    expect(a.byteLength).toBe(PAGE);
    expect(() => a.release(12345)).toThrow(BackendError);
  });

  it('grows the memory when full and keeps what was written before the growth', () => {
    const a = arena(1, 0);
    const first = a.alloc(1000 * 4);
    new Float32Array(a.memory.buffer, first, 1000).fill(7);
    const big = a.alloc(3 * PAGE);
    expect(a.byteLength).toBeGreaterThanOrEqual(4 * PAGE);
    expect(big + 3 * PAGE).toBeLessThanOrEqual(a.byteLength);
    // A view made after the growth; one made before it is detached.
    expect(new Float32Array(a.memory.buffer, first, 1000).every((v) => v === 7)).toBe(true);
  });

  it('bumps scratch blocks inside chunks and folds several chunks into one at reset', () => {
    const a = arena(1, 0);
    const s1 = a.allocScratch(100);
    const s2 = a.allocScratch(100);
    expect(s2).toBe(s1 + 112);
    // Past the first chunk (1 MiB): a second chunk.
    const s3 = a.allocScratch(2 << 20);
    expect(s3 < s1 || s3 >= s1 + (1 << 20)).toBe(true);
    const reserved = a.reservedBytes();
    a.reset();
    // One chunk now, as large as the two were, so the same step fits without allocating.
    expect(a.reservedBytes()).toBe(reserved);
    const t1 = a.allocScratch(100);
    a.allocScratch(100);
    a.allocScratch(2 << 20);
    expect(a.reservedBytes()).toBe(reserved);
    a.reset();
    expect(a.allocScratch(100)).toBe(t1);
  });

  it('refuses a request no wasm32 memory can hold', () => {
    const a = arena(1, 0);
    expect(() => a.alloc(2 ** 33)).toThrow(/out of memory/);
  });
});
