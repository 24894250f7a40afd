// The research note's convergence and stability tests (shared/research/gupta.md §4, tests 5–6):
// separable blobs and IRIS one-vs-rest learn; nothing diverges over 100 epochs; the FGSM harness
// gives the clean accuracy at ε = 0 on a gupta model.
import { createBackend, type Backend } from '@plasticity/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAttack } from '../../attacks/index.js';
import { loadDataset } from '../../data/dataset.js';
import { evaluate } from '../../engine/evaluate.js';
import { train, type TrainConfigInput } from '../../engine/train.js';
import { blobs } from '../../testing/synthetic.js';
import type { HiddenVariant } from './options.js';
import '../index.js';

let be: Backend;
beforeAll(async () => {
  be = await createBackend('wasm-simd');
});

const SGD = { kind: 'sgd' as const, lr: 1, schedule: { kind: 'linear' as const } };
/** The note's batch-1 settings (IRIS, §3.3–3.4), shared by the small tasks here. */
const SMALL: Record<HiddenVariant, Record<string, unknown>> = {
  pa: { hidden: 'pa', hiddenRate: 0.2, outputRate: 0.05 },
  ca: { hidden: 'ca', hiddenRate: 0.5, outputRate: 0.05, kPos: 2, kNeg: 2, homeostasisTarget: 0.2, homeostasisRate: 0.01 },
  assoc: { hidden: 'assoc', hiddenRate: 0.05, outputRate: 0.05 },
  stdp: { hidden: 'stdp', hiddenRate: 0.01, outputRate: 0.05 },
};
const config = (hidden: HiddenVariant, extra: Partial<TrainConfigInput> = {}): TrainConfigInput => ({
  rule: 'gupta', hidden: [8, 8], activation: 'sigmoid', output: 'softmax', epochs: 50, batchSize: 1, seed: 1, optimizer: SGD,
  ruleOptions: SMALL[hidden], progressEvery: 1_000_000, ...extra,
});

describe('gupta converges', () => {
  for (const hidden of ['pa', 'ca', 'assoc'] as const) {
    it(`${hidden}: two separable Gaussian blobs in 2-D, 2-8-8-2, reach ≥ 99% train accuracy within 50 epochs`, async () => {
      const data = await blobs({ seed: 1, n: 200, d: 2, classes: 2 });
      const r = await train(config(hidden), { train: data }, { backend: be });
      expect(Math.max(...r.history.map((h) => h.trainAccuracy))).toBeGreaterThanOrEqual(0.99);
    });
  }

  it('pa: IRIS setosa-vs-rest ≥ 98% test accuracy, and versicolor-vs-rest (not linearly separable) well above a linear readout', async () => {
    const cfg = (hidden: HiddenVariant) => config(hidden, { hidden: [16, 16], epochs: 200, inputTransform: 'min-max' });
    const setosa = await loadDataset({ name: 'iris', oneVsRest: 0, seed: 1, testSeed: 1 });
    const r = await train(cfg('pa'), { train: setosa.train }, { backend: be });
    expect(evaluate(r.net, setosa.test).accuracy).toBeGreaterThanOrEqual(0.98);
    // A linear readout on raw inputs: the output rule (b) alone, no hidden layer.
    const versicolor = await loadDataset({ name: 'iris', oneVsRest: 1, seed: 1, testSeed: 1 });
    const pa = await train(cfg('pa'), { train: versicolor.train }, { backend: be });
    const linear = await train({ ...cfg('pa'), hidden: [] }, { train: versicolor.train }, { backend: be });
    const bal = (n: typeof pa.net) => evaluate(n, versicolor.test).balancedAccuracy;
    expect(bal(pa.net)).toBeGreaterThanOrEqual(0.9);
    expect(bal(pa.net) - bal(linear.net)).toBeGreaterThan(0.15);
  });
});

describe('gupta is stable', () => {
  it('100 epochs of every variant: no NaN, bounded weights; and FGSM at ε = 0 gives the clean accuracy', async () => {
    const data = await blobs({ seed: 2, n: 120, d: 4, classes: 3, spread: 0.2 });
    for (const hidden of ['pa', 'ca', 'assoc', 'stdp'] as const) {
      const r = await train(config(hidden, { epochs: 100, batchSize: 4, hidden: [12, 12] }), { train: data }, { backend: be });
      expect(r.status, hidden).toBe('completed');
      const w = r.net.getWeights();
      const norms = w.W.map((m) => Math.sqrt(Array.from(m).reduce((s, v) => s + v * v, 0)));
      for (const [l, n] of norms.entries()) {
        expect(Number.isFinite(n), `${hidden} W${l}`).toBe(true);
        expect(n, `${hidden} ‖W${l}‖`).toBeLessThan(100);
      }
      expect(w.b.every((b) => Array.from(b).every(Number.isFinite))).toBe(true);
      const clean = evaluate(r.net, data).accuracy;
      const atZero = await runAttack({ net: r.net }, data, { attack: 'fgsm', epsilon: 0 });
      expect(atZero.robustAccuracy, hidden).toBe(clean);
    }
  });

  it("refuses the 'rule' gradient source of attacks: gupta has no feedback path", async () => {
    const data = await blobs({ seed: 2, n: 20, d: 4, classes: 2 });
    const r = await train(config('pa', { epochs: 1 }), { train: data }, { backend: be });
    await expect(runAttack({ net: r.net, inference: { rule: r.rule, state: r.ruleState, options: r.ruleOptions } }, data, { attack: 'fgsm', epsilon: 0.1 }, { gradient: { source: 'rule' } })).rejects.toThrow(/gupta/);
  });
});
