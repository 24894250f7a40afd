import { createBackend, ReferenceBackend, type Backend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import { makeGrads } from '../../engine/backprop.js';
import { train } from '../../engine/train.js';
import { Network } from '../../network/network.js';
import { createRng } from '../../rng.js';
import { blobs } from '../../testing/synthetic.js';
import type { HiddenVariant } from './options.js';
import { LayerPool } from './parallel.js';
import { makePlans, type GuptaState } from './rule.js';
import { guptaOptionsSchema } from './options.js';
import '../index.js';

async function trainBoth(be: Backend, hidden: HiddenVariant) {
  const data = await blobs({ seed: 3, n: 90, d: 6, classes: 3, spread: 0.15 });
  const run = (parallel: 'none' | 'layers') =>
    train(
      {
        rule: 'gupta', hidden: [10, 7], activation: 'sigmoid', output: 'softmax', epochs: 2, batchSize: 16, seed: 4,
        optimizer: { kind: 'sgd', lr: 1, schedule: { kind: 'linear' } }, ruleOptions: { hidden, parallel, kPos: 2, kNeg: 2, wta: 0.3 },
      },
      { train: data },
      { backend: be },
    );
  return { seq: await run('none'), par: await run('layers') };
}

const bitIdentical = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));

describe("gupta parallel: 'layers'", () => {
  const cases: { backend: 'reference' | 'wasm-simd'; hidden: HiddenVariant }[] = [
    { backend: 'reference', hidden: 'ca' },
    { backend: 'reference', hidden: 'assoc' },
    { backend: 'wasm-simd', hidden: 'pa' },
    { backend: 'wasm-simd', hidden: 'stdp' },
  ];
  for (const c of cases) {
    it(`${c.hidden} on ${c.backend}: every weight and bias is bit-identical to the sequential mode, and the workers end with the run`, async () => {
      const be = c.backend === 'reference' ? new ReferenceBackend() : await createBackend('wasm-simd');
      const { seq, par } = await trainBoth(be, c.hidden);
      const a = seq.net.getWeights();
      const b = par.net.getWeights();
      for (let l = 0; l < 3; l++) {
        expect(bitIdentical(a.W[l], b.W[l]), `W ${l}`).toBe(true);
        expect(bitIdentical(a.b[l], b.b[l]), `b ${l}`).toBe(true);
      }
      expect(par.history.map((h) => h.trainLoss)).toEqual(seq.history.map((h) => h.trainLoss));
      // Training moved the weights (the comparison is not between two untouched networks).
      expect(par.history[1].updateNorms.every((v) => v > 0)).toBe(true);
      expect((par.ruleState as GuptaState).pool).toBeNull();
    }, 120_000);
  }

  it('a worker that fails reports its error through the step instead of hanging it', async () => {
    const ref = new ReferenceBackend();
    const net = Network.create(ref, { inputSize: 3, layers: [{ size: 4, activation: 'sigmoid' }, { size: 2, activation: 'softmax' }] }, createRng(1));
    const plans = makePlans(net, createRng(2), guptaOptionsSchema.parse({}));
    // A backend the worker cannot make: its error must come back, naming the layer.
    const fake = Object.create(ref, { name: { value: 'no-such-backend' } }) as Backend;
    const pool = LayerPool.start(fake, plans, { timeoutMs: 60_000 });
    const ws = net.workspace(2);
    net.setInput(ws, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    net.forward(ws);
    const amplitude = new Float64Array([1, 1]);
    const labels = Int32Array.from([0, 1]);
    const inputs = [
      { n: 2, pre: ws.x, post: ws.h[0], labels, amplitude },
      { n: 2, pre: ws.h[0], post: ws.z[1], labels, amplitude },
    ];
    expect(() => pool.run(ref, inputs, makeGrads(net))).toThrow(/worker of layer 0 failed.*no-such-backend/s);
    expect(pool.size).toBe(0);
  }, 120_000);
});
