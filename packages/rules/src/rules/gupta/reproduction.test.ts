// Small seeded versions of the reproduction (tools/reproduce/gupta.ts; docs/results/gupta.md): a
// few thousand MNIST images and IRIS, so a change that breaks the rule fails here in seconds.
import { createBackend, type Backend } from '@plasticity/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../data/dataset.js';
import type { Dataset } from '../../data/types.js';
import { evaluate } from '../../engine/evaluate.js';
import { train, type TrainConfigInput } from '../../engine/train.js';
import type { Network } from '../../network/network.js';
import '../index.js';

let be: Backend;
beforeAll(async () => {
  be = await createBackend('wasm-simd');
});

const SGD = { kind: 'sgd' as const, lr: 1, schedule: { kind: 'linear' as const } };

function first(ds: Dataset, rows: number): Dataset {
  const n = Math.min(rows, ds.n);
  return { ...ds, n, x: ds.x.subarray(0, n * ds.d), y: ds.y.subarray(0, n), sourceIndex: ds.sourceIndex.subarray(0, n) };
}

/** Mean |correlation| between the live units of hidden layer l on ds (1 for a collapsed layer). */
function meanAbsCorr(net: Network, ds: Dataset, l: number): number {
  const ws = net.workspace(ds.n);
  net.setInput(ws, ds.x);
  net.forward(ws);
  const a = net.backend.read(ws.h[l]);
  const h = net.layers[l].outSize;
  const n = ds.n;
  const mean = new Float64Array(h);
  for (let i = 0; i < n; i++) for (let m = 0; m < h; m++) mean[m] += a[i * h + m] / n;
  const c = (p: number, q: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (a[i * h + p] - mean[p]) * (a[i * h + q] - mean[q]);
    return s / n;
  };
  const sd = Array.from({ length: h }, (_, m) => Math.sqrt(c(m, m)));
  let sum = 0;
  let count = 0;
  for (let p = 0; p < h; p++) {
    for (let q = p + 1; q < h; q++) {
      if (sd[p] < 1e-4 || sd[q] < 1e-4) continue;
      sum += Math.abs(c(p, q) / (sd[p] * sd[q]));
      count++;
    }
  }
  return count ? sum / count : 1;
}

const mnist = (hidden: string, epochs: number, extra: Record<string, unknown> = {}): TrainConfigInput => ({
  rule: 'gupta', hidden: [64, 64], activation: 'sigmoid', output: 'softmax', epochs, batchSize: 32, seed: 1, optimizer: SGD,
  ruleOptions: { hidden, ...extra }, progressEvery: 1_000_000,
});

describe('gupta reproduction, small and seeded', () => {
  it('MNIST 0 vs 1 (2000 training images, 2 epochs): pa ≥ 99% balanced accuracy', async () => {
    const d = await loadDataset({ name: 'mnist', classes: [0, 1], testPerClassCap: 500 });
    const r = await train(mnist('pa', 2), { train: first(d.train, 2000) }, { backend: be });
    expect(evaluate(r.net, d.test).balancedAccuracy).toBeGreaterThanOrEqual(0.99);
  });

  it('MNIST 9 vs rest (4000 images, 3 epochs): pa learns diverse hidden features, H-assoc collapses them', async () => {
    const d = await loadDataset({ name: 'mnist', oneVsRest: 9 });
    const tr = first(d.train, 4000);
    const te = first(d.test, 2000);
    const pa = await train(mnist('pa', 3), { train: tr }, { backend: be });
    const assoc = await train(mnist('assoc', 3, { hiddenRate: 0.5 }), { train: tr }, { backend: be });
    const e = evaluate(pa.net, te);
    expect(e.balancedAccuracy).toBeGreaterThanOrEqual(0.88);
    expect(e.accuracy).toBeGreaterThanOrEqual(0.9);
    const paCorr = meanAbsCorr(pa.net, first(te, 500), 0);
    const assocCorr = meanAbsCorr(assoc.net, first(te, 500), 0);
    expect(paCorr).toBeLessThan(0.6);
    expect(assocCorr).toBeGreaterThan(0.9);
  });

  it('IRIS versicolor vs rest (3 seeds, 200 epochs): pa clearly above the H-assoc collapse', async () => {
    const bal = { pa: [] as number[], assoc: [] as number[] };
    for (const seed of [1, 2, 3]) {
      const d = await loadDataset({ name: 'iris', oneVsRest: 1, seed, testSeed: seed });
      for (const [hidden, rates] of [['pa', { hiddenRate: 0.2, outputRate: 0.05 }], ['assoc', { hiddenRate: 0.05, outputRate: 0.05 }]] as const) {
        const cfg: TrainConfigInput = {
          rule: 'gupta', hidden: [16, 16], activation: 'sigmoid', output: 'softmax', inputTransform: 'min-max', epochs: 200, batchSize: 1, seed,
          optimizer: SGD, ruleOptions: { hidden, ...rates }, progressEvery: 1_000_000,
        };
        const r = await train(cfg, { train: d.train }, { backend: be });
        bal[hidden].push(evaluate(r.net, d.test).balancedAccuracy);
      }
    }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean(bal.pa)).toBeGreaterThanOrEqual(0.9);
    expect(mean(bal.pa) - mean(bal.assoc)).toBeGreaterThan(0.15);
  });
});
