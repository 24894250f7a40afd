import { ReferenceBackend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import '../rules/index.js';
import { blobs } from '../testing/synthetic.js';
import { evaluate } from './evaluate.js';
import { train, type TrainEvent } from './train.js';

const small = { hidden: [8, 8], activation: 'tanh' as const, epochs: 25, batchSize: 16, optimizer: { kind: 'adam' as const, lr: 0.005 } };

describe('train', () => {
  for (const rule of ['bp', 'fa', 'dfa', 'sign-fa']) {
    it(`${rule} learns three separable blobs`, async () => {
      const data = await blobs({ n: 240, d: 5, classes: 3, seed: 2, spread: 0.05 });
      const test = await blobs({ n: 120, d: 5, classes: 3, seed: 3, split: 'test', spread: 0.05 });
      const r = await train({ ...small, rule }, { train: data }, { backend: new ReferenceBackend() });
      expect(r.status).toBe('completed');
      expect(r.history.length).toBe(25);
      expect(r.history[24].trainLoss).toBeLessThan(r.history[0].trainLoss / 2);
      expect(evaluate(r.net, test).accuracy).toBeGreaterThan(0.9);
    });
  }

  it('gives identical weights for the same seed and different ones for another seed', async () => {
    const data = await blobs({ n: 64, d: 3 });
    const cfg = { ...small, epochs: 2, rule: 'fa' };
    const a = await train({ ...cfg, seed: 7 }, { train: data }, { backend: new ReferenceBackend() });
    const b = await train({ ...cfg, seed: 7 }, { train: data }, { backend: new ReferenceBackend() });
    const c = await train({ ...cfg, seed: 8 }, { train: data }, { backend: new ReferenceBackend() });
    expect([...a.net.getWeights().W[0]]).toEqual([...b.net.getWeights().W[0]]);
    expect([...a.net.getWeights().W[0]]).not.toEqual([...c.net.getWeights().W[0]]);
  });

  it('stops on divergence, names the layer and keeps the last good weights', async () => {
    const data = await blobs({ n: 64, d: 3 });
    const events: TrainEvent[] = [];
    const r = await train(
      { ...small, activation: 'linear', output: 'linear', loss: 'mse', epochs: 30, rule: 'bp', optimizer: { kind: 'sgd', lr: 50 } },
      { train: data },
      { backend: new ReferenceBackend(), onEvent: (e) => events.push(e) },
    );
    expect(r.status).toBe('diverged');
    expect(r.divergence?.reason).toMatch(/loss is|layer \d/);
    const w = r.net.getWeights();
    expect(w.W.every((m) => [...m].every(Number.isFinite))).toBe(true);
    expect(events.some((e) => e.type === 'diverged')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'diverged' });
  });

  it('stops cleanly when aborted and reports progress events in order', async () => {
    const data = await blobs({ n: 128, d: 3 });
    const events: TrainEvent[] = [];
    const ac = new AbortController();
    const r = await train({ ...small, epochs: 50, rule: 'bp', progressEvery: 1 }, { train: data }, {
      backend: new ReferenceBackend(),
      signal: ac.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'epoch' && e.epoch === 1) ac.abort();
      },
    });
    expect(r.status).toBe('stopped');
    expect(r.history.length).toBe(2);
    expect(events[0].type).toBe('start');
    expect(events.filter((e) => e.type === 'batch').length).toBeGreaterThanOrEqual(16);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'stopped', epochsCompleted: 2 });
  });

  it('reports the angle to the true gradient: near 0° at the output, larger below for fa', async () => {
    const data = await blobs({ n: 64, d: 4 });
    const r = await train({ ...small, epochs: 1, rule: 'fa', angleEvery: 1 }, { train: data }, { backend: new ReferenceBackend() });
    const angles = r.history[0].angles!;
    expect(angles[2]).toBeLessThan(1e-3);
    expect(angles[0]).toBeGreaterThan(1);
    const bp = await train({ ...small, epochs: 1, rule: 'bp' }, { train: data }, { backend: new ReferenceBackend() });
    expect(bp.history[0].angles).toBeUndefined();
  });

  it('refuses bad configs, naming the field', async () => {
    const data = await blobs({ n: 16, d: 3 });
    await expect(train({ ...small, epochs: 0 }, { train: data }, { backend: new ReferenceBackend() })).rejects.toThrow(/epochs/);
    await expect(train({ ...small, rule: 'nope' }, { train: data }, { backend: new ReferenceBackend() })).rejects.toThrow(/unknown rule 'nope'; expected one of .*bp/);
    await expect(train({ ...small, rule: 'fa', ruleOptions: { feedbackScale: 'x' } }, { train: data }, { backend: new ReferenceBackend() })).rejects.toThrow(/feedbackScale/);
  });

  it('fits the input transform on the training split and stores it in the model', async () => {
    const data = await blobs({ n: 64, d: 3 });
    const r = await train({ ...small, epochs: 1, inputTransform: 'standardize' }, { train: data }, { backend: new ReferenceBackend() });
    const t = r.net.spec.inputTransform!;
    let mean0 = 0;
    for (let i = 0; i < data.n; i++) mean0 += data.x[i * 3];
    expect(t.shift[0]).toBeCloseTo(mean0 / data.n, 5);
  });
});
