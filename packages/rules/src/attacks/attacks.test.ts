import { ReferenceBackend } from '@plasticity/core-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Dataset } from '../data/types.js';
import type { LearningRule } from '../engine/rule.js';
import { train, type TrainResult } from '../engine/train.js';
import { Network, type NetworkSpec } from '../network/network.js';
import { createRng } from '../rng.js';
import '../rules/index.js';
import { faRule } from '../rules/fa/rule.js';
import { blobs } from '../testing/synthetic.js';
import { dAct, fromFlat, matmul, plainForward, softmax, transpose, type Mat, type PlainLayer } from '../testing/plain.js';
import { ATTACKS, parseAttackConfig } from './config.js';
import { allRows, inputGradRows, predictRows, type AttackModel } from './model.js';
import { runAttack } from './run.js';
import { squareP, squareSize } from './square.js';

const be = new ReferenceBackend();

const spec: NetworkSpec = {
  inputSize: 5,
  layers: [
    { size: 6, activation: 'tanh' },
    { size: 4, activation: 'leaky-relu' },
    { size: 3, activation: 'softmax' },
  ],
  leakySlope: 0.1,
  inputTransform: { shift: [0.5, 0.1, 0.2, 0, 0.3], scale: [2, 1, 0.5, 3, 1.5] },
};

function plainLayers(net: Network): PlainLayer[] {
  const w = net.getWeights();
  return net.layers.map((l, i) => ({ W: fromFlat(w.W[i], l.outSize, l.inSize), b: Array.from(w.b[i]), act: l.activation }));
}

/** Σ_rows of the per-sample loss, computed from scratch (transform, forward, loss) in plain float64. */
function plainLoss(net: Network, x: number[], n: number, labels: number[], loss: 'cross-entropy' | 'mse'): number {
  const d = net.inputSize;
  const t = net.spec.inputTransform!;
  const xt = fromFlat(x.map((v, i) => (v - Number(t.shift[i % d])) * Number(t.scale[i % d])), n, d);
  const { z, h } = plainForward(plainLayers(net), xt, net.leakySlope);
  const L = net.depth - 1;
  let s = 0;
  for (let r = 0; r < n; r++) {
    if (loss === 'cross-entropy') s -= Math.log(softmax(z[L][r])[labels[r]]);
    else h[L][r].forEach((v, c) => (s += 0.5 * (v - (c === labels[r] ? 1 : 0)) ** 2));
  }
  return s;
}

async function trained(rule: string, data: Dataset, seed = 1, epochs = 30): Promise<TrainResult> {
  return train(
    { rule, hidden: [16], activation: 'tanh', epochs, batchSize: 16, seed, optimizer: { kind: 'adam', lr: 0.01 } },
    { train: data },
    { backend: be },
  );
}

const modelOf = (r: TrainResult): AttackModel => ({ net: r.net, inference: { rule: r.rule, state: r.ruleState, options: r.ruleOptions } });

describe('input gradients', () => {
  it('match central finite differences of the loss (exact backprop through transform and all layers)', () => {
    for (const [loss, out] of [['cross-entropy', 'softmax'], ['mse', 'sigmoid']] as const) {
      const s: NetworkSpec = { ...spec, layers: [...spec.layers.slice(0, 2), { size: 3, activation: out }] };
      const net = Network.create(be, s, createRng(3));
      const rng = createRng(4);
      const n = 4;
      const x = Array.from({ length: n * 5 }, () => rng.uniform(0, 1));
      const labels = [0, 2, 1, 2];
      const grad = new Float64Array(n * 5);
      inputGradRows({ net, loss }, { source: 'true' }, x, labels, allRows(n), grad);
      const h = 1e-6;
      for (let i = 0; i < x.length; i++) {
        const xp = x.slice();
        const xm = x.slice();
        xp[i] += h;
        xm[i] -= h;
        const fd = (plainLoss(net, xp, n, labels, loss) - plainLoss(net, xm, n, labels, loss)) / (2 * h);
        expect(Math.abs(grad[i] - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it("'rule' follows the rule's feedback path: for FA, B in place of Wᵀ (closed form), not the true gradient", () => {
    const s: NetworkSpec = { inputSize: 4, layers: [{ size: 5, activation: 'tanh' }, { size: 3, activation: 'softmax' }] };
    const net = Network.create(be, s, createRng(1));
    const state = faRule.init(net, createRng(2), { feedbackInit: 'glorot-uniform', feedbackScale: 1 });
    const B = state.B.map((t, l) => fromFlat(be.read(t), net.layers[l].outSize, net.layers[l].inSize));
    const x = [0.1, 0.9, 0.4, 0.6, 0.3, 0.2, 0.8, 0.5];
    const labels = [2, 0];
    const model: AttackModel = { net, inference: { rule: faRule, state, options: {} } };
    const ruleGrad = new Float64Array(8);
    const trueGrad = new Float64Array(8);
    inputGradRows(model, { source: 'rule' }, x, labels, allRows(2), ruleGrad);
    inputGradRows(model, { source: 'true' }, x, labels, allRows(2), trueGrad);
    const { z, h } = plainForward(plainLayers(net), fromFlat(x, 2, 4));
    const e: Mat = h[1].map((row, r) => row.map((p, c) => p - (c === labels[r] ? 1 : 0)));
    const d0 = matmul(e, B[1]).map((row, r) => row.map((v, j) => v * dAct('tanh', z[0])[r][j]));
    const expected = matmul(d0, B[0]).flat();
    expected.forEach((v, i) => expect(ruleGrad[i]).toBeCloseTo(v, 12));
    const cos = ruleGrad.reduce((s2, v, i) => s2 + v * trueGrad[i], 0) / Math.hypot(...ruleGrad) / Math.hypot(...trueGrad);
    expect(cos).toBeLessThan(0.999);
    expect(transpose(B[0]).length).toBe(4);
  });
});

describe('attacks on a trained model', () => {
  let data: Dataset;
  let bp: TrainResult;
  let model: AttackModel;
  beforeAll(async () => {
    data = { ...(await blobs({ n: 240, d: 16, classes: 3, seed: 5, spread: 0.12, split: 'test' })), inputShape: [4, 4, 1] };
    bp = await trained('bp', await blobs({ n: 240, d: 16, classes: 3, seed: 6, spread: 0.12 }));
    model = modelOf(bp);
  });

  it('ε = 0 leaves every input alone and gives the clean accuracy, for every attack', async () => {
    const clean = predictRows(model, data.x, data.n);
    const acc = clean.filter((p, i) => p === data.y[i]).length / data.n;
    expect(acc).toBeGreaterThan(0.95);
    for (const attack of ATTACKS) {
      const r = await runAttack(model, data, { attack, epsilon: 0 });
      expect(r.robustAccuracy).toBe(acc);
      expect(r.cleanAccuracy).toBe(acc);
      expect(r.successRate).toBe(0);
      expect(r.meanLinf).toBe(0);
      expect([...r.xAdv]).toEqual([...data.x]);
    }
  });

  it('FGSM moves every feature by exactly ε along sign(∇ₓL), or to the bound', async () => {
    const eps = 0.15;
    const r = await runAttack(model, data, { attack: 'fgsm', epsilon: eps });
    const grad = new Float64Array(data.n * data.d);
    inputGradRows(model, { source: 'true' }, data.x, data.y, allRows(data.n), grad);
    let atBound = 0;
    for (let i = 0; i < data.x.length; i++) {
      const x = data.x[i];
      const target = x + eps * Math.sign(grad[i]);
      expect(grad[i]).not.toBe(0);
      if (target >= 0 && target <= 1) expect(Math.abs(r.xAdv[i] - x - eps * Math.sign(grad[i]))).toBeLessThan(1e-6);
      else {
        atBound++;
        expect(r.xAdv[i]).toBe(target < 0 ? 0 : 1);
      }
    }
    expect(atBound).toBeGreaterThan(0);
    expect(r.maxLinf).toBeLessThanOrEqual(eps + 1e-6);
    expect(r.robustAccuracy).toBeLessThan(r.cleanAccuracy);
    expect(r.gradientSource).toBe('true');
  });

  it('PGD (L∞) stays in the ε-ball and the range and is at least as strong as FGSM; restarts only help', async () => {
    for (const eps of [0.05, 0.1, 0.2]) {
      const f = await runAttack(model, data, { attack: 'fgsm', epsilon: eps });
      const p = await runAttack(model, data, { attack: 'pgd', epsilon: eps, steps: 20, seed: 1 });
      for (let i = 0; i < data.x.length; i++) {
        expect(Math.abs(p.xAdv[i] - data.x[i])).toBeLessThanOrEqual(eps + 1e-6);
        expect(p.xAdv[i]).toBeGreaterThanOrEqual(0);
        expect(p.xAdv[i]).toBeLessThanOrEqual(1);
      }
      expect(p.robustAccuracy).toBeLessThanOrEqual(f.robustAccuracy);
      const p3 = await runAttack(model, data, { attack: 'pgd', epsilon: eps, steps: 20, seed: 1, restarts: 3 });
      expect(p3.robustAccuracy).toBeLessThanOrEqual(p.robustAccuracy);
    }
    const strong = await runAttack(model, data, { attack: 'pgd', epsilon: 0.1, steps: 20 });
    expect(strong.robustAccuracy).toBeLessThan(strong.cleanAccuracy - 0.2);
  });

  it('PGD (L2) stays in the L2 ball and the range, and lowers accuracy', async () => {
    const eps = 0.5;
    const r = await runAttack(model, data, { attack: 'pgd-l2', epsilon: eps, steps: 20 });
    for (let i = 0; i < data.n; i++) {
      let ss = 0;
      for (let j = 0; j < data.d; j++) {
        const v = r.xAdv[i * data.d + j];
        expect(v >= 0 && v <= 1).toBe(true);
        ss += (v - data.x[i * data.d + j]) ** 2;
      }
      expect(Math.sqrt(ss)).toBeLessThanOrEqual(eps + 1e-6);
    }
    expect(r.norm).toBe('l2');
    expect(r.robustAccuracy).toBeLessThan(r.cleanAccuracy);
  });

  it('targeted FGSM raises the probability of the target class', async () => {
    const r = await runAttack(model, data, { attack: 'fgsm', epsilon: 0.05, targeted: true, target: 'random', seed: 3 });
    const before = bp.net.predict(data.x, data.n);
    const after = bp.net.predict(r.xAdv, data.n);
    let up = 0;
    let gain = 0;
    for (let i = 0; i < data.n; i++) {
      const t = r.targets![i];
      expect(t).not.toBe(data.y[i]);
      const delta = after[i * 3 + t] - before[i * 3 + t];
      gain += delta;
      if (delta > 0) up++;
    }
    expect(gain / data.n).toBeGreaterThan(0);
    expect(up / data.n).toBeGreaterThan(0.9);
    const fixed = await runAttack(model, data, { attack: 'pgd', epsilon: 0.2, targeted: true, target: 1 });
    expect([...fixed.targets!].every((t) => t === 1)).toBe(true);
    expect(fixed.successRate).toBeGreaterThan(0.5);
  });

  it('random noise of the same ε stays in the ball and hurts far less than FGSM', async () => {
    const eps = 0.15;
    const f = await runAttack(model, data, { attack: 'fgsm', epsilon: eps });
    for (const attack of ['noise-uniform', 'noise-gaussian', 'noise-sign'] as const) {
      const r = await runAttack(model, data, { attack, epsilon: eps, seed: 2 });
      expect(r.gradientSource).toBe('none');
      expect(r.maxLinf).toBeLessThanOrEqual(eps + 1e-6);
      expect(r.xAdv.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(r.cleanAccuracy - r.robustAccuracy).toBeLessThan(0.5 * (f.cleanAccuracy - f.robustAccuracy));
    }
    // The uniform draw has mean |δ| = ε/2 where no clipping happens.
    const u = await runAttack(model, data, { attack: 'noise-uniform', epsilon: eps, seed: 2 });
    let s = 0;
    let m = 0;
    data.x.forEach((x, i) => {
      if (x > eps && x < 1 - eps) {
        s += Math.abs(u.xAdv[i] - x);
        m++;
      }
    });
    expect(s / m).toBeCloseTo(eps / 2, 2);
    const sign = await runAttack(model, data, { attack: 'noise-sign', epsilon: eps, seed: 2 });
    data.x.forEach((x, i) => {
      if (x > eps && x < 1 - eps) expect(Math.abs(Math.abs(sign.xAdv[i] - x) - eps)).toBeLessThan(1e-6);
    });
  });

  it('Square lowers accuracy without any gradient, stays in the ball, and starts from vertical stripes', async () => {
    const eps = 0.15;
    const r = await runAttack(model, data, { attack: 'square', epsilon: eps, queries: 300, pInit: 0.3, seed: 1 });
    expect(r.gradientSource).toBe('none');
    expect(r.maxLinf).toBeLessThanOrEqual(eps + 1e-6);
    expect(r.xAdv.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(r.robustAccuracy).toBeLessThan(r.cleanAccuracy - 0.2);
    expect(r.meanQueries!).toBeGreaterThan(1);
    // One query is the stripes alone: per column of the 4×4 image, one sign for all rows.
    const init = await runAttack(model, data, { attack: 'square', epsilon: eps, queries: 1, seed: 1 });
    let checked = 0;
    for (let i = 0; i < data.n; i++) {
      if (init.predClean[i] !== data.y[i]) continue;
      for (let col = 0; col < 4; col++) {
        const signs = new Set<number>();
        for (let row = 0; row < 4; row++) {
          const j = i * 16 + row * 4 + col;
          const x = data.x[j];
          if (x > eps && x < 1 - eps) {
            signs.add(Math.sign(init.xAdv[j] - x));
            expect(Math.abs(Math.abs(init.xAdv[j] - x) - eps)).toBeLessThan(1e-6);
            checked++;
          }
        }
        expect(signs.size).toBeLessThanOrEqual(1);
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("transfer crafts on the surrogate; 'rule' needs a rule with a feedback path", async () => {
    const other = await trained('bp', await blobs({ n: 240, d: 16, classes: 3, seed: 6, spread: 0.12 }), 9);
    const r = await runAttack(model, data, { attack: 'fgsm', epsilon: 0.15 }, { gradient: { source: 'transfer', surrogate: { net: other.net } } });
    expect(r.gradientSource).toBe('transfer');
    const grad = new Float64Array(data.n * data.d);
    inputGradRows({ net: other.net }, { source: 'true' }, data.x, data.y, allRows(data.n), grad);
    for (let i = 0; i < 50; i++) expect(r.xAdv[i]).toBeCloseTo(Math.min(1, Math.max(0, data.x[i] + 0.15 * Math.sign(grad[i]))), 6);
    expect(r.robustAccuracy).toBeLessThan(r.cleanAccuracy);

    const noFeedback: LearningRule<object, null> = {
      name: 'no-feedback', description: 'a rule without a feedback path', signals: 'none',
      options: z.object({}), init: () => null, step: () => ({}),
    };
    const m2: AttackModel = { net: bp.net, inference: { rule: noFeedback, state: null, options: {} } };
    await expect(runAttack(m2, data, { attack: 'fgsm', epsilon: 0.1 }, { gradient: { source: 'rule' } })).rejects.toThrow(
      /gradient source 'rule' is not available for rule 'no-feedback': it has no feedback path/,
    );
    // Gradient-free attacks do not care.
    expect((await runAttack(m2, data, { attack: 'noise-sign', epsilon: 0.1 }, { gradient: { source: 'rule' } })).gradientSource).toBe('none');
    await expect(runAttack(model, data, { attack: 'pgd', epsilon: 0.1 }, { gradient: { source: 'transfer' } })).rejects.toThrow(/needs a surrogate/);
  });

  it('refuses bad requests with messages that name the input', async () => {
    await expect(runAttack(model, data, { attack: 'fgsm', epsilon: -0.1 })).rejects.toThrow(/epsilon must be a finite number ≥ 0.*-0.1/);
    await expect(runAttack(model, data, { attack: 'fgsm', epsilon: NaN })).rejects.toThrow(/epsilon .* got NaN/);
    await expect(runAttack(model, data, { attack: 'pgd', epsilon: 0.1, steps: 0 })).rejects.toThrow(/steps must be a positive integer, got 0/);
    await expect(runAttack(model, data, { attack: 'deepfool' as never, epsilon: 0.1 })).rejects.toThrow(/unknown attack 'deepfool'; expected one of fgsm, pgd/);
    expect(() => parseAttackConfig({ attack: 'fgsm', epsilon: 0.1, stepz: 3 })).toThrow(/stepz/);
    const narrow = { ...data, d: 15, x: data.x.subarray(0, data.n * 15) };
    await expect(runAttack(model, narrow, { attack: 'fgsm', epsilon: 0.1 })).rejects.toThrow(/expects 16 input features but .* has 15/);
    const x = Float32Array.from(data.x);
    x[3 * 16 + 7] = 1.5;
    await expect(runAttack(model, { ...data, x, name: 'blobs' }, { attack: 'fgsm', epsilon: 0.1 })).rejects.toThrow(
      /blobs: row 3, feature 7 is 1.5, outside the declared feature range \[0, 1\]/,
    );
    x[3 * 16 + 7] = NaN;
    await expect(runAttack(model, { ...data, x }, { attack: 'fgsm', epsilon: 0.1 })).rejects.toThrow(/row 3, feature 7 is NaN/);
    await expect(runAttack(model, data, { attack: 'fgsm', epsilon: 0.1, targeted: true, target: 7 })).rejects.toThrow(/target class 7 does not exist/);
  });

  it('stops when aborted and reports progress', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    await expect(
      runAttack(model, data, { attack: 'pgd', epsilon: 0.1, steps: 50 }, {
        signal: ac.signal,
        onProgress: (p) => {
          seen.push(p.done);
          if (p.done === 3) ac.abort();
        },
      }),
    ).rejects.toThrow(/abort/i);
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('Square schedule', () => {
  it("halves p on the paper's schedule, rescaled to the budget", () => {
    expect(squareP(0.8, 0, 10000)).toBe(0.8);
    expect(squareP(0.8, 10, 10000)).toBe(0.8);
    expect(squareP(0.8, 11, 10000)).toBe(0.4);
    expect(squareP(0.8, 50, 10000)).toBe(0.4);
    expect(squareP(0.8, 51, 10000)).toBe(0.2);
    expect(squareP(0.8, 9000, 10000)).toBe(0.8 / 512);
    expect(squareP(0.8, 2, 1000)).toBe(0.4);
    expect(squareP(0.8, 6, 1000)).toBe(0.2);
  });

  it('sizes the window as √(p·H·W) on images and p·D on strips', () => {
    expect(squareSize({ h: 28, w: 28, c: 1 }, 0.05)).toEqual({ sh: 6, sw: 6 });
    expect(squareSize({ h: 28, w: 28, c: 1 }, 1)).toEqual({ sh: 27, sw: 27 });
    expect(squareSize({ h: 28, w: 28, c: 1 }, 0.0001)).toEqual({ sh: 1, sw: 1 });
    expect(squareSize({ h: 1, w: 100, c: 1 }, 0.05)).toEqual({ sh: 1, sw: 5 });
  });
});
