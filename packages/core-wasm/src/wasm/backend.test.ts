// The wasm-simd backend itself: build choice, memory growth under live handles, scratch and
// dispose rules, and one pass over every op in both builds against the float64 reference
// (the shared conformance suite runs the default build only).
import { afterEach, describe, expect, it } from 'vitest';
import { ACTIVATIONS, BackendError, createBackend, listBackends, ReferenceBackend, type Backend, type Tensor } from '../index.js';
import { createWasmSimdBackend, WasmSimdBackend } from './backend.js';
import { BUILDS, seeded } from './test-harness.js';

const env = process.env.PLASTICITY_WASM_BUILD;
afterEach(() => {
  if (env === undefined) delete process.env.PLASTICITY_WASM_BUILD;
  else process.env.PLASTICITY_WASM_BUILD = env;
});

describe('wasm-simd build choice', () => {
  it('runs the build asked for, and relaxed-simd by default where it validates', async () => {
    for (const build of BUILDS) expect((await createWasmSimdBackend({ build })).build).toBe(build);
    delete process.env.PLASTICITY_WASM_BUILD;
    // The loader turns Node's relaxed-SIMD flag on, so the default here is relaxed.
    expect((await createWasmSimdBackend()).build).toBe('relaxed-simd');
  });

  it('reads PLASTICITY_WASM_BUILD when the option is auto, and refuses unknown values', async () => {
    process.env.PLASTICITY_WASM_BUILD = 'simd';
    expect((await createWasmSimdBackend()).build).toBe('simd');
    expect((await createWasmSimdBackend({ build: 'relaxed-simd' })).build).toBe('relaxed-simd');
    process.env.PLASTICITY_WASM_BUILD = 'relaxed';
    expect((await createWasmSimdBackend({ build: 'auto' })).build).toBe('relaxed-simd');
    process.env.PLASTICITY_WASM_BUILD = 'sse';
    await expect(createWasmSimdBackend()).rejects.toThrow(/PLASTICITY_WASM_BUILD='sse' is not known; expected simd, relaxed or auto/);
    await expect(createWasmSimdBackend({ build: 'avx' as never })).rejects.toThrow(BackendError);
  });

  it('loads from bytes passed in, and names the file when the module cannot be read', async () => {
    const fs = await import('node:fs/promises');
    const bytes = await fs.readFile(new URL('../../build/kernels.simd.wasm', import.meta.url));
    const be = await createWasmSimdBackend({ build: 'simd', sources: { simd: bytes } });
    expect(be.build).toBe('simd');
    await expect(createWasmSimdBackend({ build: 'simd', sources: { simd: new URL('file:///nonexistent/kernels.simd.wasm') } }))
      .rejects.toThrow(/cannot read the kernel module \/nonexistent\/kernels.simd.wasm/);
  });

  it('is registered first in priority and is what createBackend() picks', async () => {
    expect(listBackends()[0].name).toBe('wasm-simd');
    const be = await createBackend();
    expect(be).toBeInstanceOf(WasmSimdBackend);
    expect(be.name).toBe('wasm-simd');
  });
});

describe('wasm-simd memory', () => {
  it('grows the memory past its initial size while earlier tensors keep their values', async () => {
    const be = await createWasmSimdBackend({ initialMemoryBytes: 1 });
    const start = be.memoryBytes();
    const r = seeded('growth');
    const a = be.fromArray(30, 40, r(1200));
    const keep = be.read(a);
    const held: Tensor[] = [];
    // 40 tensors of 256 KiB: well past the start (one page plus the GEMM workspace).
    for (let i = 0; i < 40; i++) held.push(be.fromArray(256, 256, new Float32Array(65536).fill(i)));
    expect(be.memoryBytes()).toBeGreaterThan(start + 40 * 256 * 1024 - 1);
    expect([...be.read(a)]).toEqual([...keep]);
    held.forEach((t, i) => expect(be.read(t)[65535]).toBe(i));
    // Kernels work on tensors from before and after the growth.
    const b = be.fromArray(40, 20, r(800));
    const c = be.zeros(30, 20);
    be.gemm(a, b, c);
    const ref = new ReferenceBackend();
    const cr = ref.zeros(30, 20);
    ref.gemm(ref.fromArray(30, 40, keep), ref.fromArray(40, 20, be.read(b)), cr);
    const got = be.read(c);
    ref.read(cr).forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-5));
  });

  it('reuses released and scratch memory: a steady training loop stops growing', async () => {
    const be = await createWasmSimdBackend();
    const w = be.fromArray(64, 100, seeded('w')(6400));
    let size = 0;
    for (let step = 0; step < 20; step++) {
      const x = be.fromArray(32, 100, seeded(`x${step}`)(3200), 'scratch');
      const h = be.zeros(32, 64, 'scratch');
      be.gemm(x, w, h, { transB: true });
      be.activation('relu', h, h);
      const tmp = be.zeros(64, 100);
      be.gemm(h, x, tmp, { transA: true });
      be.axpy(-0.01, tmp, w);
      be.dispose(tmp);
      be.resetScratch();
      if (step === 2) size = be.memoryBytes();
    }
    expect(be.memoryBytes()).toBe(size);
    expect(be.bytesInUse()).toBe(64 * 100 * 4);
  });

  it('refuses scratch handles after a reset, disposed handles and handles from another instance', async () => {
    const be = await createWasmSimdBackend();
    const other = await createWasmSimdBackend();
    const s = be.zeros(2, 2, 'scratch');
    be.resetScratch();
    // The reset handle's memory is reused; the old handle must not read it.
    const s2 = be.fromArray(2, 2, [1, 2, 3, 4], 'scratch');
    expect(() => be.read(s)).toThrow(/^read: tensor \(2×2\) is a scratch tensor from before the last resetScratch\(\)/);
    expect(() => be.fill(s, 0)).toThrow(BackendError);
    expect([...be.read(s2)]).toEqual([1, 2, 3, 4]);
    const p = be.zeros(3, 1);
    be.dispose(p);
    expect(() => be.dispose(p)).toThrow(/^dispose: tensor \(3×1\) was disposed/);
    const foreign = other.zeros(2, 2);
    expect(() => be.add(s2, foreign, s2)).toThrow(/^add: b was made by another wasm-simd backend instance/);
    expect(() => be.read(new ReferenceBackend().zeros(1, 1))).toThrow(/^read: tensor was made by the 'reference' backend/);
  });
});

/** Every op once on a wasm-simd build and on the reference; results agree within `tol` relative to scale. */
function opSweep(be: Backend): void {
  const ref = new ReferenceBackend();
  const r = seeded(`sweep ${be.build}`);
  const both = (rows: number, cols: number, lo = -1, hi = 1): [Tensor, Tensor, Float64Array] => {
    const d = r(rows * cols, lo, hi);
    return [be.fromArray(rows, cols, d, 'scratch'), ref.fromArray(rows, cols, d, 'scratch'), d];
  };
  const close = (what: string, t: Tensor, tr: Tensor, tol = 1e-5) => {
    const got = be.read(t);
    const want = ref.read(tr);
    let scale = 1;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    want.forEach((v, i) => expect(Math.abs(got[i] - v), `${what} [${i}]: ${got[i]} vs ${v}`).toBeLessThanOrEqual(tol * scale));
  };
  const [m, k, n] = [37, 53, 29];
  const [A, Ar] = both(m, k);
  const [At, Atr] = both(k, m);
  const [B, Br] = both(k, n);
  const [Bt, Btr] = both(n, k);
  for (const [name, a, ar, b, br, opts] of [
    ['nn', A, Ar, B, Br, {}], ['nt', A, Ar, Bt, Btr, { transB: true, alpha: 0.5 }], ['tn', At, Atr, B, Br, { transA: true, beta: 0.5 }],
  ] as const) {
    const [C, Cr] = both(m, n);
    be.gemm(a, b, C, opts);
    ref.gemm(ar, br, Cr, opts);
    close(`gemm ${name}`, C, Cr);
  }
  const [X, Xr] = both(m, n, -6, 6);
  const [D, Dr] = both(m, n);
  const [bias, biasr] = both(1, n);
  const [O, Or] = both(m, n);
  be.addRowVector(X, bias, O);
  ref.addRowVector(Xr, biasr, Or);
  close('addRowVector', O, Or);
  const [S, Sr] = both(1, n);
  be.sumRows(X, S, 0.5, 2);
  ref.sumRows(Xr, Sr, 0.5, 2);
  close('sumRows', S, Sr);
  for (const kind of ACTIVATIONS) {
    be.activation(kind, X, O, 0.1);
    ref.activation(kind, Xr, Or, 0.1);
    close(`activation ${kind}`, O, Or);
    be.activationGrad(kind, X, D, O, 0.1);
    ref.activationGrad(kind, Xr, Dr, Or, 0.1);
    close(`activationGrad ${kind}`, O, Or);
  }
  const [T, Tr] = both(m, n, 0, 1);
  const [P, Pr] = both(m, n);
  const [G, Gr] = both(m, n);
  expect(Math.abs(be.softmaxCrossEntropy(X, T, P, G) - ref.softmaxCrossEntropy(Xr, Tr, Pr, Gr))).toBeLessThan(1e-4);
  close('softmax probs', P, Pr);
  close('softmax grad', G, Gr);
  for (const op of ['mul', 'add', 'sub'] as const) {
    be[op](X, D, O);
    ref[op](Xr, Dr, Or);
    close(op, O, Or);
  }
  be.axpy(-0.3, D, X);
  ref.axpy(-0.3, Dr, Xr);
  close('axpy', X, Xr);
  be.scale(X, 1.5, O);
  ref.scale(Xr, 1.5, Or);
  close('scale', O, Or);
  be.clip(X, -1, 2, O);
  ref.clip(Xr, -1, 2, Or);
  close('clip', O, Or);
  be.sign(X, O);
  ref.sign(Xr, Or);
  close('sign', O, Or);
  be.traceDecay(X, D, 0.8);
  ref.traceDecay(Xr, Dr, 0.8);
  close('traceDecay', X, Xr);
  const [M, Mr] = both(m, n);
  const [V, Vr] = both(m, n, 0, 1);
  const adam = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, correction1: 0.19, correction2: 0.002 };
  be.adamStep(X, D, M, V, adam);
  ref.adamStep(Xr, Dr, Mr, Vr, adam);
  close('adam w', X, Xr);
  close('adam m', M, Mr);
  close('adam v', V, Vr);
  be.copy(D, O);
  ref.copy(Dr, Or);
  close('copy', O, Or);
  be.fill(O, -2);
  ref.fill(Or, -2);
  close('fill', O, Or);
  const [Lv, Lvr] = both(m, n, 0, 0.9);
  const [Li, Lir] = both(m, n, 0, 0.3);
  const [Ls, Lsr] = both(m, n);
  const [Lt, Ltr] = both(m, n, 0, 1);
  const [Lg, Lgr] = both(m, n);
  const lif = { beta: 0.9, threshold: 1, traceDecay: 0.7, surrogateAlpha: 3 };
  for (let t = 0; t < 3; t++) {
    be.lifStep(Lv, Li, Ls, Lt, lif, Lg);
    ref.lifStep(Lvr, Lir, Lsr, Ltr, lif, Lgr);
  }
  for (const [name, a, b] of [['v', Lv, Lvr], ['spikes', Ls, Lsr], ['trace', Lt, Ltr], ['surrogate', Lg, Lgr]] as const) close(`lifStep ${name}`, a, b);
  expect([...be.argmaxRows(X)]).toEqual([...ref.argmaxRows(Xr)]);
  expect(be.sumSquares(X)).toBeCloseTo(ref.sumSquares(Xr), 3);
  expect(be.dot(X, D)).toBeCloseTo(ref.dot(Xr, Dr), 3);
  be.resetScratch();
}

describe('wasm-simd ops against the reference', () => {
  for (const build of BUILDS) {
    it(`every op agrees with the float64 reference on the ${build} build`, async () => {
      opSweep(await createWasmSimdBackend({ build }));
    });
  }
});
