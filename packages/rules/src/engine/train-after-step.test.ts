// The afterStep hook: frontends pause training there (the dashboard's Pause button) and read
// the live weights. A pause must not change what is learned, and Stop during a pause must end
// the run after the step already taken.
import { ReferenceBackend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import '../rules/index.js';
import { blobs } from '../testing/synthetic.js';
import { train } from './train.js';

const cfg = { rule: 'fa', hidden: [6], activation: 'tanh' as const, epochs: 2, batchSize: 16, seed: 3, optimizer: { kind: 'adam' as const, lr: 0.01 } };

describe('train afterStep', () => {
  it('is awaited once per step with the live network, and pausing there changes nothing learned', async () => {
    const data = await blobs({ n: 64, d: 3 });
    const plain = await train(cfg, { train: data }, { backend: new ReferenceBackend() });
    const steps: number[] = [];
    let firstWeightSeen: number | undefined;
    const paused = await train(cfg, { train: data }, {
      backend: new ReferenceBackend(),
      afterStep: async ({ net, step }) => {
        steps.push(step);
        if (step === 1) firstWeightSeen = net.getWeights().W[0][0];
        if (step % 3 === 0) await new Promise((r) => setTimeout(r, 5));
      },
    });
    expect(steps).toEqual(Array.from({ length: 8 }, (_, i) => i + 1)); // 2 epochs × 4 batches; step counts completed steps
    expect(firstWeightSeen).not.toBe(plain.net.getWeights().W[0][0]); // read mid-run, not the final weights
    expect([...paused.net.getWeights().W[0]]).toEqual([...plain.net.getWeights().W[0]]);
    expect(paused.history.map((h) => h.trainLoss)).toEqual(plain.history.map((h) => h.trainLoss));
  });

  it('stops after the current step when aborted while paused', async () => {
    const data = await blobs({ n: 64, d: 3 });
    const ac = new AbortController();
    const r = await train(cfg, { train: data }, {
      backend: new ReferenceBackend(),
      signal: ac.signal,
      afterStep: async ({ step }) => {
        if (step === 2) {
          await new Promise((r) => setTimeout(r, 5));
          ac.abort();
        }
      },
    });
    expect(r.status).toBe('stopped');
    expect(r.history.length).toBe(0);
  });
});
