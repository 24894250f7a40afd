import { createBackend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import { predictRows } from '../../attacks/model.js';
import { loadDataset } from '../../data/dataset.js';
import { evaluate } from '../../engine/evaluate.js';
import { train } from '../../engine/train.js';
import '../index.js';
import { generate } from './generate.js';

// End to end on an MNIST subset, on the fast backend: one model learns to classify and, from the
// same weights run the other way, to draw digits an independent bp classifier recognises.
describe('astdp on an MNIST subset', () => {
  it('classifies after one epoch and generates digits a bp model recognises', async () => {
    const be = await createBackend('wasm-simd');
    const data = await loadDataset({ name: 'mnist', perClassCap: 300, testPerClassCap: 100 });
    const r = await train(
      { rule: 'astdp', hidden: [500], activation: 'relu', output: 'linear', loss: 'mse', epochs: 1, batchSize: 20, seed: 1, optimizer: { kind: 'sgd', lr: 0.1 } },
      { train: data.train },
      { backend: be },
    );
    const inference = { rule: r.rule, state: r.ruleState, options: r.ruleOptions };
    const acc = evaluate(r.net, data.test, { inference }).accuracy;
    expect(acc).toBeGreaterThan(0.84); // 0.87 measured (chance 0.1)

    const judge = await train(
      { rule: 'bp', hidden: [128], activation: 'relu', epochs: 3, batchSize: 32, seed: 2, optimizer: { kind: 'adam', lr: 1e-3 } },
      { train: data.train },
      { backend: be },
    );
    let recognised = 0;
    for (let c = 0; c < 10; c++) {
      const g = generate({ net: r.net, inference }, { label: c, count: 4 });
      const pred = predictRows({ net: judge.net }, g.images, 4);
      if (pred.filter((p) => p === c).length >= 2) recognised++;
    }
    expect(recognised).toBeGreaterThanOrEqual(6); // 8 measured (chance about 1)
  }, 120_000);
});
