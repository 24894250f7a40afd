// Test-only helpers for the kernel tests: a bump allocator over a loaded module's memory,
// seeded float32-exact inputs, and the float64 sums the error bounds are built from.
// Not exported from the package.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { loadWasmKernels, type WasmBuild, type WasmKernels } from './loader.js';

export const BUILDS: readonly WasmBuild[] = ['simd', 'relaxed-simd'];

/** Unit roundoff of f32. */
export const U = 2 ** -24;

const cache = new Map<WasmBuild, Promise<WasmKernels>>();

/** One instance per build per test file (each owns a 16 MiB memory). */
export function kernelsFor(build: WasmBuild): Promise<WasmKernels> {
  let p = cache.get(build);
  if (!p) {
    p = loadWasmKernels({ build });
    cache.set(build, p);
  }
  return p;
}

/** Bump allocation over a module's memory, above its static data; reset() frees everything. */
export class Heap {
  private top: number;
  private readonly base: number;
  constructor(readonly k: WasmKernels) {
    this.base = Math.ceil(k.exports.heap_base() / 16) * 16;
    this.top = this.base;
  }
  reset(): void {
    this.top = this.base;
  }
  /** A 16-byte-aligned block of n floats (plus `guard` floats of sentinel on each side). */
  alloc(n: number, guard = 0): number {
    const off = this.top + guard * 4;
    this.top = Math.ceil((off + (n + guard) * 4) / 16) * 16;
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / 65536));
    return off;
  }
  put(data: ArrayLike<number>, guard = 0): number {
    const off = this.alloc(data.length, guard);
    this.f32(off, data.length).set(data);
    return off;
  }
  f32(off: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, off, n);
  }
  get(off: number, n: number): Float64Array {
    return Float64Array.from(this.f32(off, n));
  }
}

function fnv1a(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h | 0;
}

/** Seeded uniform values in [lo, hi), rounded to float32 so kernel and reference start equal. */
export function seeded(label: string): (n: number, lo?: number, hi?: number) => Float64Array {
  const gen = xoroshiro128plus(fnv1a(label));
  return (n, lo = -1, hi = 1) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.fround(lo + (hi - lo) * uniformFloat64(gen));
    return out;
  };
}

/** Values an activation must get right: a dense grid, the extremes, tiny and special values. */
export function activationInputs(): Float64Array {
  const v: number[] = [];
  for (let i = -4000; i <= 4000; i++) v.push(i / 200);
  for (const x of [0.6249, 0.625, 0.6251, 1e-3, 1e-5, 1e-8, 1e-20, 1e-38, 1e-40, 1e-45, 25, 30, 44, 50, 80, 87, 88, 88.7, 89, 100, 1e3, 1e30, 3e38]) {
    v.push(x, -x);
  }
  v.push(0, -0, Infinity, -Infinity, Number.NaN);
  return Float64Array.from(v, Math.fround);
}

/** Fails with the worst entries unless |actual − expected| ≤ bound(i) (NaN and ±∞ must match exactly). */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, bound: (i: number) => number): string[] {
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= bound(i);
    if (!ok) bad.push(`[${i}] got ${a}, want ${e}, |err| ${Math.abs(a - e).toExponential(3)} > ${bound(i).toExponential(3)}`);
  }
  return bad.slice(0, 6).concat(bad.length > 6 ? [`… ${bad.length} in all`] : []);
}
