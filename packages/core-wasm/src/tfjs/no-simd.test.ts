// An engine without WebAssembly SIMD, emulated by making WebAssembly.validate reject SIMD code
// (as such an engine does) before anything probes for it. This file runs in its own process, so
// tfjs starts fresh here and picks its plain tfjs-backend-wasm.wasm binary.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackend, listBackends, ReferenceBackend } from '../index.js';

/** True if the module's bytes contain the SIMD opcode prefix 0xfd (the feature probes are tiny, so no false hits). */
const usesSimd = (bytes: BufferSource) => {
  const u8 = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return u8.includes(0xfd);
};

describe('where WebAssembly SIMD is unavailable', () => {
  const validate = WebAssembly.validate.bind(WebAssembly);
  beforeAll(() => {
    vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes: BufferSource) => !usesSimd(bytes) && validate(bytes));
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("createBackend('auto') falls through to tfjs-wasm on its non-SIMD build", async () => {
    const simdFactories = listBackends().filter((f) => f.priority > 50);
    for (const f of simdFactories) expect(await f.available(), `${f.name} should report unavailable`).toBe(false);
    const be = await createBackend('auto');
    expect(be.name).toBe('tfjs-wasm');
    expect(be.build).toBe('tfjs-wasm');
    expect(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')).toBe(false);

    // The plain build computes the same gemm (K = 37 terms per entry, f32).
    const ref = new ReferenceBackend();
    const a = Array.from({ length: 5 * 37 }, (_, i) => Math.fround(Math.sin(i)));
    const b = Array.from({ length: 37 * 6 }, (_, i) => Math.fround(Math.cos(i)));
    const C = be.zeros(5, 6);
    const Cr = ref.zeros(5, 6);
    be.gemm(be.fromArray(5, 37, a), be.fromArray(37, 6, b), C);
    ref.gemm(ref.fromArray(5, 37, a), ref.fromArray(37, 6, b), Cr);
    const got = be.read(C);
    const want = ref.read(Cr);
    for (let i = 0; i < 30; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(45 * 2 ** -24 * 37);
  });
});
