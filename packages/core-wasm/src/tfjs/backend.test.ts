// What only tfjs-wasm has to prove: it registers as the fallback, starts on tfjs's SIMD build
// here, and never leaks a tfjs tensor (tfjs tensors are immutable, so every op swaps tensors).
// Numerical agreement with the reference is the conformance suite's job (src/conformance).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendError, createBackend, listBackends, type Backend } from '../index.js';
import { OPS } from '../conformance/ops.js';
import { createTfjsWasmBackend, type TfjsWasmBackend } from './backend.js';

describe('tfjs-wasm backend', () => {
  let be: TfjsWasmBackend;
  beforeAll(async () => {
    be = await createTfjsWasmBackend();
  });

  it('is registered below wasm-simd and above the reference, and runs on tfjs SIMD here', async () => {
    const f = listBackends().find((x) => x.name === 'tfjs-wasm');
    expect(f?.priority).toBe(50);
    expect(await f?.available()).toBe(true);
    const byName = await createBackend('tfjs-wasm');
    expect([byName.name, byName.precision]).toEqual(['tfjs-wasm', 'f32']);
    // Node 20's V8 has WebAssembly SIMD, so tfjs loads tfjs-backend-wasm-simd.wasm.
    expect(be.build).toBe('tfjs-wasm-simd');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('leaks no tfjs tensor over many calls of every op, failed calls included', () => {
    const run = (b: Backend) => {
      for (const c of OPS) {
        if (c.op === 'dispose') continue;
        const ts = c.args.map((a) => b.fromArray(a.rows, a.cols, Array.from({ length: a.rows * a.cols }, (_, i) => (i % 7) / 7 - 0.4), 'scratch'));
        c.call(b, ts);
        c.call(b, ts);
        // A refused call (wrong shape in the last argument) must not leave tensors behind either.
        const last = c.args[c.args.length - 1];
        const wrong = b.zeros(last.wrong.rows, last.wrong.cols, 'scratch');
        if (c.args.length > 1) expect(() => c.call(b, [...ts.slice(0, -1), wrong])).toThrow(BackendError);
      }
      for (const kind of ['linear', 'relu', 'leaky-relu', 'tanh', 'sigmoid', 'softplus'] as const) {
        const x = b.fromArray(2, 3, [-1, 0, 1, 2, -2, 0.5], 'scratch');
        b.activation(kind, x, x);
        b.activationGrad(kind, x, x, x);
      }
      const p = b.zeros(3, 3);
      b.dispose(p);
      b.resetScratch();
    };
    run(be);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) run(be);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('holds exactly one tfjs tensor per live handle', () => {
    const start = tf.memory().numTensors;
    const a = be.zeros(4, 4);
    const b = be.fromArray(4, 4, new Array(16).fill(2));
    const c = be.zeros(4, 4, 'scratch');
    expect(tf.memory().numTensors - start).toBe(3);
    for (let i = 0; i < 50; i++) {
      be.gemm(a, b, c, { beta: 1, transB: i % 2 === 0 });
      be.add(a, b, a);
      be.copy(c, a);
    }
    expect(tf.memory().numTensors - start).toBe(3);
    be.dispose(a);
    be.dispose(b);
    be.resetScratch();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('refuses a handle from another tfjs-wasm instance (they share one tfjs engine)', async () => {
    const twin = await createTfjsWasmBackend();
    const t = twin.zeros(2, 2);
    expect(() => be.read(t)).toThrow(/^read: tensor \(2×2\) was made by another tfjs-wasm backend instance/);
    twin.dispose(t);
  });

  it('computes sign exactly where tf.sign would round tiny values to 0', () => {
    const x = be.fromArray(1, 4, [1e-8, -1e-8, 1e-30, 0]);
    be.sign(x, x);
    expect([...be.read(x)]).toEqual([1, -1, 1, 0]);
    be.dispose(x);
  });
});
