import { createBackend, ReferenceBackend, type Backend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import { makeGrads } from '../../engine/backprop.js';
import { getRule, parseRuleOptions, type StepContext } from '../../engine/rule.js';
import { train } from '../../engine/train.js';
import { parseModel, serializeModel } from '../../model/format.js';
import { modelFromTraining, restoreModel } from '../../model/restore.js';
import { Network, type NetworkSpec } from '../../network/network.js';
import { createRng } from '../../rng.js';
import { fromFlat, type Mat } from '../../testing/plain.js';
import { maxAbsDiff, runStep } from '../../testing/step.js';
import { blobs } from '../../testing/synthetic.js';
import { SymmetricNet } from './dynamics.js';
import { copyStates, oneHot, plainRelax, plainTransition, zerosLike, type PlainNet, type PlainPhase } from './plain-reference.js';
import { astdpRule, type AstdpOptions, type AstdpState } from './rule.js';
import { accumulateTransition, makeTransitionScratch } from './stdp.js';

const spec: NetworkSpec = {
  inputSize: 6,
  layers: [{ size: 5, activation: 'relu' }, { size: 4, activation: 'relu' }, { size: 3, activation: 'linear' }],
};

/**
 * One aSTDP training step in plain float64 JavaScript, row by row: free phase, label phase, dream
 * phase (each row dreams on its own), and the updates as descent directions (what ctx.grads holds).
 */
function plainStep(net: PlainNet, x: Mat, labels: number[], o: AstdpOptions, dreamStart: Mat) {
  const L = net.W.length - 1;
  const B = x.length;
  const sizes = net.b.map((b) => b.length);
  const phase = (steps: number, extra: Partial<PlainPhase>): PlainPhase => ({
    relaxation: o.relaxation, alpha: o.alpha, steps, tol: o.tol, inputFree: false, top: 'free', ...extra,
  });
  const targets = oneHot(labels, sizes[L]);
  const free = x.map((row) => sizes.map((n, k) => (k === 0 ? [...row] : new Array<number>(n).fill(0))));
  plainRelax(net, free, phase(o.freeSteps, {}));
  const dW = net.W.map((w) => (w.length ? zerosLike(w) : []));
  const db = net.b.map((b) => b.map(() => 0));
  const rate = (k: number) => (o.layerRates.length ? o.layerRates[k - 1] : k === L ? 0.5 : 1);
  let wake = free;
  const gained = targets.map((r) => r.map((v) => v * o.labelGain));
  if (o.mode === 'supervised') {
    wake = copyStates(free);
    plainRelax(net, wake, phase(o.labelSteps, { top: o.beta === 1 ? 'clamp' : 'nudge', beta: o.beta, targets }));
    plainTransition(free, wake, [0, ...sizes.slice(1).map((_, i) => -rate(i + 1) / (B * o.beta))], dW, db);
    // Wake phase: from there, the label clamped at its generative rate γ.
    if (o.dreamRate > 0) plainRelax(net, wake, phase(o.labelSteps, { top: 'clamp', targets: gained }));
  }
  const dbx = new Array<number>(sizes[0]).fill(0);
  if (o.dreamRate > 0) {
    const supervised = o.mode === 'supervised';
    const dream = dreamStart.map((row) => sizes.map((n, k) => (k === 0 ? [...row] : new Array<number>(n).fill(0))));
    plainRelax(net, dream, phase(o.dreamSteps, { inputFree: true, top: supervised ? 'clamp' : 'free', targets: gained, tol: 0 }));
    const dbAll = [dbx, ...db.slice(1)];
    const skip = sizes.map((_, k) => supervised && k === L);
    plainTransition(dream, wake, [-1 / B, ...sizes.slice(1).map(() => -o.dreamRate / B)], dW, dbAll, skip);
  }
  return { dW: dW.slice(1), db: db.slice(1), bx: net.b[0].map((v, i) => v - o.visibleRate * dbx[i]), free };
}

function plainNetOf(s: ReturnType<typeof runStep>, bx: number[]): PlainNet {
  return { W: [[], ...s.layers.map((l) => l.W)], b: [bx, ...s.layers.map((l) => l.b)] };
}

/** One step of the registered rule on a given network, input and labels. */
function stepOn(be: Backend, net: Network, x: Mat, labels: number[], ruleOptions: object, epoch = 0) {
  const rule = getRule('astdp');
  const options = parseRuleOptions(rule, ruleOptions) as AstdpOptions;
  const state = rule.init(net, createRng(1), options) as AstdpState;
  const ws = net.workspace(x.length);
  net.setInput(ws, x.flat());
  net.setLabels(ws, labels);
  const grads = makeGrads(net);
  const ctx: StepContext = { backend: be, net, ws, n: x.length, labels: Int32Array.from(labels), loss: 'mse', grads, rng: createRng(2), epoch, step: 0 };
  const info = rule.step(ctx, state, options);
  return { info, state, ws, dW: grads.dW.map((t) => [...be.read(t)]), db: grads.db.map((t) => [...be.read(t)]) };
}

describe('astdp', () => {
  const cases: [string, Partial<AstdpOptions>][] = [
    ['label clamped, per-class dream from a blank input', { beta: 1 }],
    ['label nudged (the default), per-class dream', {}],
    ['label gain 2.5 in the generative phases', { labelGain: 2.5 }],
    ['label nudged, euler, per-row dream from noise', { beta: 0.4, relaxation: 'euler', alpha: 0.5, dreamInit: 'noise', layerRates: [1, 0.7, 0.3], labelGain: 1.5 }],
    ['unsupervised: wake and dream only', { mode: 'unsupervised', dreamInit: 'noise', dreamRate: 0.5 }],
    ['early stopping on the tolerance', { tol: 1e-3, freeSteps: 50, labelSteps: 50, dreamSteps: 50 }],
  ];
  for (const [name, extra] of cases) {
    it(`every update equals the plain float64 equations (${name})`, () => {
      const ruleOptions = { tol: 0, freeSteps: 9, labelSteps: 5, dreamSteps: 7, ...extra };
      const s = runStep('astdp', spec, { seed: 4, batch: 7, ruleOptions });
      const o = s.options as AstdpOptions;
      const st = s.state as AstdpState;
      // runStep's step rng is createRng(seed).fork('step'); a noise dream draws B·d uniforms from it first.
      const rng = createRng(4).fork('step');
      const dreamStart = s.x.map((row) => row.map(() => (o.dreamInit === 'noise' ? rng.next() : 0)));
      const want = plainStep(plainNetOf(s, new Array(spec.inputSize).fill(0)), s.x, s.labels, o, dreamStart);
      for (let l = 0; l < 3; l++) {
        expect(maxAbsDiff(s.dW[l], want.dW[l])).toBeLessThan(1e-12);
        expect(maxAbsDiff(s.db[l], want.db[l])).toBeLessThan(1e-12);
      }
      expect(maxAbsDiff([...s.backend.read(st.bx)], want.bx)).toBeLessThan(1e-12);
      // Something was learned: the test would pass vacuously on all-zero updates otherwise.
      expect(Math.max(...s.dW.map((m) => maxAbsDiff(m, zerosLike(m))))).toBeGreaterThan(1e-4);
      // The prediction left for the engine is the free phase's output drive.
      const L = s.net.depth - 1;
      const ws = s.net.workspace(7);
      const freeY = fromFlat(s.backend.read(ws.h[L - 1]), 7, 4);
      expect(maxAbsDiff(freeY, want.free.map((r) => r[2]))).toBeLessThan(1e-12);
    });
  }

  it('gives the same update on the float32 wasm-simd backend as on the float64 reference', async () => {
    const ruleOptions = { tol: 0, freeSteps: 9, labelSteps: 5, dreamSteps: 7 };
    const ref = runStep('astdp', spec, { seed: 6, batch: 7, ruleOptions });
    const f32 = runStep('astdp', spec, { seed: 6, batch: 7, ruleOptions, backend: await createBackend('wasm-simd') });
    for (let l = 0; l < 3; l++) {
      const scale = Math.max(1e-3, ...ref.dW[l].flat().map(Math.abs));
      expect(maxAbsDiff(f32.dW[l], ref.dW[l]) / scale).toBeLessThan(1e-4);
      expect(maxAbsDiff(f32.db[l], ref.db[l]) / scale).toBeLessThan(1e-4);
    }
  });

  it("decays the dream's rate by dreamDecay per epoch and leaves the label phase alone", () => {
    const be = new ReferenceBackend();
    const net = Network.create(be, spec, createRng(7));
    const x = [[0.1, 0.9, 0.3, 0.5, 0.2, 0.7], [0.7, 0.2, 0.8, 0.1, 0.6, 0.4]];
    const o = { tol: 0, dreamDecay: 0.5, dreamEvery: 1 };
    const label = stepOn(be, net, x, [1, 2], { ...o, dreamRate: 0 }, 2).dW.flat();
    const first = stepOn(be, net, x, [1, 2], o, 0).dW.flat();
    const third = stepOn(be, net, x, [1, 2], o, 2).dW.flat();
    expect(maxAbsDiff(third.map((v, i) => v - label[i]), first.map((v, i) => 0.25 * (v - label[i])))).toBeLessThan(1e-12);
    expect(maxAbsDiff(first, label)).toBeGreaterThan(1e-3);
  });

  it('makes no update when the free phase already gives the label', () => {
    const be = new ReferenceBackend();
    const net = Network.create(be, { inputSize: 4, layers: [{ size: 3, activation: 'relu' }, { size: 2, activation: 'linear' }] }, createRng(3));
    // The output saturates at the one-hot of class 1 for every input: clamping the label changes nothing.
    be.write(net.layers[1].b, [-20, 20]);
    const x = [[0.1, 0.9, 0.3, 0.5], [0.7, 0.2, 0.8, 0.1]];
    const r = stepOn(be, net, x, [1, 1], { dreamRate: 0, tol: 0 });
    for (const m of [...r.dW, ...r.db]) for (const v of m) expect(Math.abs(v)).toBeLessThan(1e-12);
    expect(r.info.loss).toBeGreaterThan(0); // the drive overshoots the label; the rates match it.
  });

  it('has the sign of STDP on a two-neuron toy: pre active and post rising potentiates, falling depresses, silent pre leaves W', () => {
    const be = new ReferenceBackend();
    const net = Network.create(be, { inputSize: 1, layers: [{ size: 2, activation: 'linear' }] }, createRng(1));
    be.write(net.layers[0].W, [0.5, 0.5]);
    be.write(net.layers[0].b, [0, 0]);
    // Post neuron 0 sits at 0.5 in the free phase; label 0 drives it to 1 (rising), label 1 to 0 (falling).
    const dw = (pre: number, label: number) => {
      const r = stepOn(be, net, [[pre]], [label], { dreamRate: 0, tol: 0 });
      return 0 - r.dW[0][0]; // ΔW = −(descent direction); 0 − x keeps a zero positive
    };
    expect(dw(1, 0)).toBeGreaterThan(0);
    expect(dw(1, 1)).toBeLessThan(0);
    expect(dw(0, 0)).toBe(0);
    expect(dw(0, 1)).toBe(0);
  });

  it('is local: a synapse’s update ignores every neuron but its own two', () => {
    const be = new ReferenceBackend();
    const net = Network.create(be, spec, createRng(5));
    const sym = new SymmetricNet(net, be.zeros(1, spec.inputSize));
    const B = 3;
    const rng = createRng(6);
    const states = () => sym.sizes.map((n) => be.fromArray(B, n, Array.from({ length: B * n }, () => rng.uniform(0, 1))));
    const a = states();
    const b = states();
    const run = () => {
      const acc = { dW: net.layers.map((l) => be.zeros(l.outSize, l.inSize)), db: net.layers.map((l) => be.zeros(1, l.outSize)), dbx: be.zeros(1, spec.inputSize) };
      accumulateTransition(sym, a, b, [true, true, true, true], [1, 1, 1, 1], makeTransitionScratch(be, sym.sizes, B), acc);
      return acc.dW.map((t, i) => fromFlat(be.read(t), net.layers[i].outSize, net.layers[i].inSize));
    };
    const before = run();
    // Perturb hidden unit m = 2 of layer k = 2 (both phases, every row).
    const k = 2;
    const m = 2;
    for (const t of [a[k], b[k]]) {
      const v = [...be.read(t)];
      for (let r = 0; r < B; r++) v[r * sym.sizes[k] + m] += 0.37;
      be.write(t, v);
    }
    const after = run();
    for (let l = 1; l <= 3; l++) {
      const W0 = before[l - 1];
      const W1 = after[l - 1];
      for (let i = 0; i < W0.length; i++) {
        for (let j = 0; j < W0[i].length; j++) {
          const touches = (l === k && i === m) || (l === k + 1 && j === m);
          if (touches) continue;
          expect(W1[i][j]).toBe(W0[i][j]);
        }
      }
    }
    expect(after[k - 1][m][0]).not.toBe(before[k - 1][m][0]);
    expect(after[k][0][m]).not.toBe(before[k][0][m]);
  });

  it("'rule' input gradient is the gradient through the unrolled relaxation (finite differences)", () => {
    const s = runStep('astdp', spec, { seed: 8, batch: 2, ruleOptions: { inferSteps: 6, tol: 0 } });
    const { net, backend: be } = s;
    const rule = getRule('astdp');
    const ws = net.workspace(2);
    net.setInput(ws, s.x.flat());
    net.setLabels(ws, s.labels);
    rule.feedbackInputGrad!(net, ws, s.state, s.options);
    const grad = fromFlat(be.read(ws.dx), 2, spec.inputSize);
    const L = net.depth - 1;
    const loss = (x: Mat) => {
      net.setInput(ws, x.flat());
      net.setLabels(ws, s.labels);
      rule.infer!(net, ws, s.state, { ...s.options, tol: 0 });
      // infer re-reads the output drive from the settled layer below; the gradient's loss uses the
      // drive of the output's last recorded update, which is the same after the last step.
      const y = fromFlat(be.read(ws.z[L]), 2, 3);
      return y.reduce((a, row, r) => a + row.reduce((b, v, j) => b + 0.5 * (v - (s.labels[r] === j ? 1 : 0)) ** 2, 0), 0);
    };
    const h = 1e-6;
    let checked = 0;
    for (let r = 0; r < 2; r++) {
      for (let j = 0; j < spec.inputSize; j++) {
        const xp = s.x.map((row) => [...row]);
        const xm = s.x.map((row) => [...row]);
        xp[r][j] += h;
        xm[r][j] -= h;
        const fd = (loss(xp) - loss(xm)) / (2 * h);
        expect(Math.abs(fd - grad[r][j])).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
        if (Math.abs(fd) > 1e-4) checked++;
      }
    }
    expect(checked).toBeGreaterThan(4);
  });

  it('saves its input biases with the model and restores a model that infers the same', async () => {
    const be = new ReferenceBackend();
    const train_ = await blobs({ n: 60, d: 6, classes: 3, seed: 2 });
    const r = await train(
      { rule: 'astdp', hidden: [5], activation: 'relu', output: 'linear', loss: 'mse', epochs: 2, batchSize: 10, seed: 3, optimizer: { kind: 'sgd', lr: 0.2 }, ruleOptions: { dreamSteps: 4 } },
      { train: train_ },
      { backend: be },
    );
    expect(r.status).toBe('completed');
    const model = modelFromTraining(r, {});
    const { json, bin } = serializeModel(model);
    const restored = restoreModel(be, parseModel(json, bin));
    const bx = (r.ruleState as AstdpState).bx;
    expect(maxAbsDiff([...be.read((restored.inference.state as AstdpState).bx)], [...be.read(bx)].map((v) => Math.fround(v)))).toBe(0);
    expect(Math.max(...[...be.read(bx)].map(Math.abs))).toBeGreaterThan(0);
    const predict = (net: Network, inf: { rule: typeof astdpRule; state: AstdpState; options: AstdpOptions }) => {
      const ws = net.workspace(train_.n);
      net.setInput(ws, train_.x);
      inf.rule.infer!(net, ws, inf.state, inf.options);
      return [...be.argmaxRows(ws.h[net.depth - 1])];
    };
    const a = predict(r.net, { rule: astdpRule, state: r.ruleState as AstdpState, options: r.ruleOptions as AstdpOptions });
    const b = predict(restored.net, restored.inference as never);
    const agree = a.filter((v, i) => v === b[i]).length / a.length;
    expect(agree).toBeGreaterThanOrEqual(0.98); // float32 weights in the file
  });

  it('refuses networks its neurons do not fit, naming the layer', () => {
    const be = new ReferenceBackend();
    const bad = Network.create(be, { inputSize: 3, layers: [{ size: 2, activation: 'tanh' }, { size: 2, activation: 'linear' }] }, createRng(1));
    expect(() => astdpRule.init(bad, createRng(1), parseRuleOptions(astdpRule, {}) as AstdpOptions)).toThrow(/layer 0 is 'tanh'/);
    const soft = Network.create(be, { inputSize: 3, layers: [{ size: 2, activation: 'softmax' }] }, createRng(1));
    expect(() => astdpRule.init(soft, createRng(1), parseRuleOptions(astdpRule, {}) as AstdpOptions)).toThrow(/output 'linear'/);
    expect(() => parseRuleOptions(astdpRule, { beta: 0 })).toThrow(/beta/);
  });
});
