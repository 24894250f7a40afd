import { ReferenceBackend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import { makeGrads, outputError } from '../../engine/backprop.js';
import { getRule, parseRuleOptions, type StepContext } from '../../engine/rule.js';
import { Network, type NetworkSpec } from '../../network/network.js';
import { createRng } from '../../rng.js';
import { fromFlat } from '../../testing/plain.js';
import { maxAbsDiff, randomBatch, runStep } from '../../testing/step.js';
import { guptaOptionsSchema, HIDDEN_VARIANTS, type GuptaOptions } from './options.js';
import { plainAmplitudes, plainGupta, type PlainFixed } from './plain-reference.js';
import type { GuptaState } from './rule.js';
import { activityOf, spikeTime, stdpKernel, stdpOfActivities } from './timing.js';

const spec: NetworkSpec = {
  inputSize: 6,
  layers: [{ size: 9, activation: 'sigmoid' }, { size: 8, activation: 'sigmoid' }, { size: 3, activation: 'softmax' }],
};

function fixedOf(state: GuptaState): PlainFixed {
  const hidden = state.plans.slice(0, -1);
  return {
    B: hidden.map((p) => (p.association ? fromFlat(p.association, p.classes, p.outSize) : [])),
    unitClass: hidden.map((p) => (p.unitClass ? [...p.unitClass] : [])),
    rowNorms: hidden.map((p) => (p.rowNorms ? [...p.rowNorms] : [])),
  };
}

describe('gupta: each update equals its equations in plain float64', () => {
  const variants: { name: string; options: Partial<GuptaOptions> }[] = [
    ...HIDDEN_VARIANTS.map((hidden) => ({ name: hidden, options: { hidden } })),
    { name: 'pa without class balance, per-layer rates', options: { hidden: 'pa', classBalance: false, layerRates: [0.7, 0.2, 0.05] } },
    { name: 'pa without the timing sensitivity, β = 1', options: { hidden: 'pa', timingSensitivity: false, association: 1 } },
    { name: 'ca with drive normalisation, k₊ = 1, k₋ = 2', options: { hidden: 'ca', driveNorm: true, driveRef: 3, kPos: 1, kNeg: 2 } },
    { name: 'stdp without row normalisation, a wider window', options: { hidden: 'stdp', weightNorm: 'none', window: 2, tauMinus: 0.4, hiddenRate: 0.3 } },
  ];
  for (const v of variants) {
    it(`${v.name}: dW, db and the threshold shifts`, () => {
      const s = runStep('gupta', spec, { seed: 5, batch: 7, ruleOptions: v.options });
      const o = s.options as GuptaOptions;
      const want = plainGupta(s.layers, s.x, s.labels, fixedOf(s.state as GuptaState), o);
      for (let l = 0; l < 3; l++) {
        expect(maxAbsDiff(s.dW[l], want.dW[l]), `dW ${l}`).toBeLessThan(1e-12);
        expect(maxAbsDiff(s.db[l], want.db[l]), `db ${l}`).toBeLessThan(1e-12);
        // Shifts were added to the biases during the step.
        const b = [...s.backend.read(s.net.layers[l].b)];
        const expected = s.layers[l].b.map((v0, m) => v0 + (want.shift[l]?.[m] ?? 0));
        expect(maxAbsDiff(b, expected), `b ${l}`).toBeLessThan(1e-12);
      }
      const shifts = want.shift.filter((x) => x !== null).length;
      expect(shifts).toBe(v.options.hidden === 'ca' || v.options.hidden === 'stdp' ? 2 : 0);
    });
  }

  it('the class-balanced amplitude is 1/(K·π_y), π from the labels the teacher counted (prior 1 per class)', () => {
    // 3 classes, labels 0,0,0,1: counts 4,2,1 of 7 → s = 7/12, 7/12, 7/12, 7/6.
    expect(plainAmplitudes([0, 0, 0, 1], 3, true)).toEqual([7 / 12, 7 / 12, 7 / 12, 7 / 6]);
    const s = runStep('gupta', spec, { seed: 2, batch: 4 });
    const st = s.state as GuptaState;
    expect([...st.classCounts]).toEqual([0, 1, 2].map((k) => 1 + s.labels.filter((y) => y === k).length));
    expect([...st.amplitude.subarray(0, 4)]).toEqual(plainAmplitudes(s.labels, 3, true));
  });
});

describe('gupta: locality', () => {
  for (const hidden of HIDDEN_VARIANTS) {
    it(`${hidden}: changing every weight above layer l leaves layer l's update bit-identical`, () => {
      const be = new ReferenceBackend();
      const rule = getRule('gupta');
      const options = parseRuleOptions(rule, { hidden });
      const { x, labels } = randomBatch(8, 6, spec.inputSize, 3);
      const run = (perturbAbove: number) => {
        const rng = createRng(8);
        const net = Network.create(be, spec, rng.fork('init'));
        const state = rule.init(net, rng.fork('rule'), options);
        const r = createRng(99);
        net.layers.forEach((layer, l) => {
          if (l <= perturbAbove) return;
          be.write(layer.W, Array.from({ length: layer.outSize * layer.inSize }, () => r.uniform(-3, 3)));
          be.write(layer.b, Array.from({ length: layer.outSize }, () => r.uniform(-3, 3)));
        });
        const ws = net.workspace(x.length);
        net.setInput(ws, x.flat());
        net.setLabels(ws, labels);
        net.forward(ws);
        outputError(net, ws, 'cross-entropy');
        const grads = makeGrads(net);
        const ctx: StepContext = { backend: be, net, ws, n: x.length, labels: Int32Array.from(labels), loss: 'cross-entropy', grads, rng: rng.fork('step'), epoch: 0, step: 0 };
        rule.step(ctx, state, options);
        return { dW: grads.dW.map((t) => [...be.read(t)]), db: grads.db.map((t) => [...be.read(t)]), b: net.layers.map((layer) => [...be.read(layer.b)]) };
      };
      const base = run(spec.layers.length);
      for (let l = 0; l < spec.layers.length - 1; l++) {
        const moved = run(l);
        expect(moved.dW[l].every((v, i) => Object.is(v, base.dW[l][i])), `dW ${l}`).toBe(true);
        expect(moved.db[l].every((v, i) => Object.is(v, base.db[l][i])), `db ${l}`).toBe(true);
        expect(moved.dW[l + 1].some((v, i) => v !== base.dW[l + 1][i]), `the perturbation reached layer ${l + 1}`).toBe(true);
        // the thresholds of layer l moved by the same shift too
        const b0 = base.b[l];
        expect(moved.b[l].every((v, i) => Object.is(v, b0[i])), `b ${l}`).toBe(true);
      }
    });
  }

  it('has no feedback path: no error travels down, so there is no rule input gradient for attacks', () => {
    expect(getRule('gupta').feedbackInputGrad).toBeUndefined();
  });
});

describe('gupta: spike timing', () => {
  const w = { window: 1, aPlus: 1, aMinus: 1.05, tauPlus: 0.2, tauMinus: 0.2 };
  it('the latency map: t ∈ [0, T], strictly decreasing in a, and the first spike is the argmax', () => {
    for (const T of [1, 2.5]) {
      const as = Array.from({ length: 101 }, (_, i) => i / 100);
      const ts = as.map((a) => spikeTime(a, T));
      expect(Math.min(...ts)).toBe(0);
      expect(Math.max(...ts)).toBe(T);
      for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeLessThan(ts[i - 1]);
      for (const a of as) expect(activityOf(spikeTime(a, T), T)).toBeCloseTo(a, 14);
    }
    const r = createRng(3);
    for (let trial = 0; trial < 50; trial++) {
      const a = Array.from({ length: 7 }, () => r.uniform(0, 1));
      const t = a.map((v) => spikeTime(v, 1));
      expect(t.indexOf(Math.min(...t))).toBe(a.indexOf(Math.max(...a)));
    }
  });

  it('STDP sign: pre before post potentiates, post before pre depresses; |K| falls monotonically with |Δt|', () => {
    expect(stdpOfActivities(0.9, 0.4, w)).toBeGreaterThan(0); // pre fires at 0.1, post at 0.6
    expect(stdpOfActivities(0.4, 0.9, w)).toBeLessThan(0);
    const dts = Array.from({ length: 50 }, (_, i) => (i + 1) / 50);
    for (let i = 1; i < dts.length; i++) {
      expect(stdpKernel(dts[i], w)).toBeLessThan(stdpKernel(dts[i - 1], w));
      expect(Math.abs(stdpKernel(-dts[i], w))).toBeLessThan(Math.abs(stdpKernel(-dts[i - 1], w)));
    }
    expect(stdpKernel(0, w)).toBe(1);
    // The fused backend op computes the same window from activities.
    const be = new ReferenceBackend();
    const out = be.zeros(1, 1);
    be.stdpOuter(be.fromArray(1, 1, [0.9]), be.fromArray(1, 1, [0.4]), be.fromArray(1, 1, [1]), out, w);
    expect(be.read(out)[0]).toBeCloseTo(stdpOfActivities(0.9, 0.4, w), 14);
  });

  it('rule (b): a silent presynaptic unit (a_j = 0) is not changed', () => {
    const s = runStep('gupta', spec, { seed: 6, batch: 4 });
    // Re-run with one input feature silenced in every row: layer 0's column for it is 0.
    const x = s.x.map((row) => row.map((v, j) => (j === 2 ? 0 : v)));
    const o = s.options as GuptaOptions;
    const want = plainGupta(s.layers, x, s.labels, fixedOf(s.state as GuptaState), o);
    expect(want.dW[0].every((row) => row[2] === 0)).toBe(true);
  });
});

describe('gupta: the teacher rule (b)', () => {
  const one: NetworkSpec = { inputSize: 3, layers: [{ size: 2, activation: 'softmax' }] };
  const logit = (p: number) => Math.log(p / (1 - p));
  const setup = (zTarget: number[]) => {
    const be = new ReferenceBackend();
    const rule = getRule('gupta');
    const options = parseRuleOptions(rule, { classBalance: false, outputRate: 1 });
    const net = Network.create(be, one, createRng(1).fork('init'));
    // W = 0: z = b, so each unit's spike time is set by its bias alone.
    be.write(net.layers[0].W, [0, 0, 0, 0, 0, 0]);
    be.write(net.layers[0].b, zTarget);
    const state = rule.init(net, createRng(1), options);
    const x = [0.5, 1, 0.25];
    const step = () => {
      const ws = net.workspace(1);
      net.setInput(ws, x);
      net.setLabels(ws, [0]);
      net.forward(ws);
      const grads = makeGrads(net);
      rule.step({ backend: be, net, ws, n: 1, labels: Int32Array.from([0]), loss: 'cross-entropy', grads, rng: createRng(2), epoch: 0, step: 0 }, state, options);
      return { dW: [...be.read(grads.dW[0])], db: [...be.read(grads.db[0])], ws, grads };
    };
    const activity = () => {
      const ws = net.workspace(1);
      net.setInput(ws, x);
      net.forward(ws);
      return [...be.read(ws.z[0])].map((z) => 1 / (1 + Math.exp(-z)));
    };
    return { be, net, step, activity };
  };

  it('is zero at its fixed point t_k = t*_k', () => {
    const t = setup([logit(0.95), logit(0.05)]);
    const { dW, db } = t.step();
    expect(Math.max(...dW.map(Math.abs), ...db.map(Math.abs))).toBeLessThan(1e-12);
  });

  it('advances the labelled unit that fires too late and delays the other unit that fires too early', () => {
    const t = setup([logit(0.3), logit(0.8)]);
    const before = t.activity();
    const { grads } = t.step();
    // plain SGD at lr 1: w ← w − g
    t.be.axpy(-1, grads.dW[0], t.net.layers[0].W);
    t.be.axpy(-1, grads.db[0], t.net.layers[0].b);
    const after = t.activity();
    expect(after[0]).toBeGreaterThan(before[0]); // t_0 earlier
    expect(after[1]).toBeLessThan(before[1]); // t_1 later
  });
});

describe('gupta: fixed associations come from the seed', () => {
  it('restoreModel rebuilds PA\'s B^l and CA\'s unit classes exactly as training drew them', async () => {
    const { train } = await import('../../engine/train.js');
    const { modelFromTraining, restoreModel } = await import('../../model/restore.js');
    const { blobs } = await import('../../testing/synthetic.js');
    const be = new ReferenceBackend();
    const data = await blobs({ seed: 1, n: 30, d: 4, classes: 3 });
    for (const hidden of ['pa', 'ca'] as const) {
      const r = await train(
        { rule: 'gupta', hidden: [6, 5], activation: 'sigmoid', output: 'softmax', epochs: 1, batchSize: 10, seed: 7, optimizer: { kind: 'sgd', lr: 1 }, ruleOptions: { hidden } },
        { train: data },
        { backend: be },
      );
      const restored = restoreModel(be, modelFromTraining(r, {}));
      const a = (r.ruleState as GuptaState).plans;
      const b = (restored.inference.state as GuptaState).plans;
      for (let l = 0; l < 2; l++) {
        expect(b[l].association ? [...b[l].association!] : null).toEqual(a[l].association ? [...a[l].association!] : null);
        expect(b[l].unitClass ? [...b[l].unitClass!] : null).toEqual(a[l].unitClass ? [...a[l].unitClass!] : null);
      }
      expect(a[0].association ?? a[0].unitClass).toBeDefined();
    }
  });
});

describe('gupta: options and network checks', () => {
  it('parses the defaults and names a bad option', () => {
    const d = guptaOptionsSchema.parse({});
    expect(d.hidden).toBe('pa');
    expect(d.teacherEarly).toBe(0.95);
    expect(d.parallel).toBe('none');
    expect(() => parseRuleOptions(getRule('gupta'), { hidden: 'kh' })).toThrow(/hidden/);
    expect(() => parseRuleOptions(getRule('gupta'), { wta: 0 })).toThrow(/wta/);
  });

  it('refuses hidden units whose activity is not in [0, 1], a mis-sized layerRates and inverted teacher levels', () => {
    const relu: NetworkSpec = { inputSize: 3, layers: [{ size: 4, activation: 'relu' }, { size: 2, activation: 'softmax' }] };
    expect(() => runStep('gupta', relu)).toThrow(/--activation sigmoid/);
    expect(() => runStep('gupta', spec, { ruleOptions: { layerRates: [1, 1] } })).toThrow(/layerRates has 2 entries/);
    expect(() => runStep('gupta', spec, { ruleOptions: { teacherEarly: 0.2, teacherLate: 0.4 } })).toThrow(/teacherEarly/);
  });
});
