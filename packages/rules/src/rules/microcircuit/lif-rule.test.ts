import { createBackend, ReferenceBackend, type Backend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../data/index.js';
import { evaluate } from '../../engine/evaluate.js';
import { getRule, parseRuleOptions } from '../../engine/rule.js';
import { train } from '../../engine/train.js';
import { modelFromTraining, restoreModel } from '../../model/restore.js';
import { Network, type NetworkSpec } from '../../network/network.js';
import { createRng } from '../../rng.js';
import { colSums, fromFlat, map, map2, matmul, transpose, type Mat } from '../../testing/plain.js';
import { maxAbsDiff, runStep } from '../../testing/step.js';
import { blobs } from '../../testing/synthetic.js';
import { lifDynamics, type MicrocircuitLifOptions, type MicrocircuitLifState } from './lif-rule.js';
import { constantTrace, makeLifBuffers, PoissonEncoder, simulate } from './lif.js';

const lifOptions = (o: object = {}) => parseRuleOptions(getRule('microcircuit-lif'), o) as MicrocircuitLifOptions;

/** The inter-spike interval of a LIF neuron (reset to zero) under a constant current I: ⌈ln(1 − θ(1−β)/I) / ln β⌉, or none below rheobase. */
function analyticIsi(I: number, beta: number, theta: number): number | null {
  if (I <= theta * (1 - beta)) return null;
  return Math.ceil(Math.log(1 - (theta * (1 - beta)) / I) / Math.log(beta) - 1e-12);
}

/**
 * The spiking network and its learning pass, from the equations, in float64 on nested arrays:
 * v ← βv + I, fire at θ, reset to 0, x̄ ← λx̄ + s; δ_L[t] = (r/ν − y)∘σ′(v_L[t]),
 * δ_l[t] = (δ_{l+1}[t] B_{l+1})∘σ′(v_l[t]), ΔW_l = Σ_t δ_l[t]ᵀ pre_l[t] / (νTn), Δb_l = Σ_t c_t Σ_s δ_l[t] / (νTn).
 */
function plainLif(
  layers: { W: Mat; b: number[] }[], B: Mat[], x: Mat, labels: number[],
  o: { T: number; beta: number; lambda: number; theta: number; alpha: number; nu: number; poisson?: PoissonEncoder },
) {
  const n = x.length;
  const L = layers.length - 1;
  const zeros = (l: number): Mat => Array.from({ length: n }, () => new Array<number>(layers[l].b.length).fill(0));
  const v = layers.map((_, l) => zeros(l));
  const tr = layers.map((_, l) => zeros(l));
  const count = layers.map((_, l) => zeros(l));
  const g: Mat[][] = layers.map(() => []);
  const trAt: Mat[][] = layers.map(() => []);
  const inTrAt: Mat[] = [];
  let inTr: Mat = x.map((r) => r.map(() => 0));
  if (o.poisson) o.poisson.load(x.flat());
  for (let t = 0; t < o.T; t++) {
    let input: Mat = x;
    if (o.poisson) {
      const s = o.poisson.next();
      input = x.map((r, i) => r.map((_, j) => s[i * r.length + j]));
      inTr = map2(inTr, input, (a, b) => o.lambda * a + b);
      inTrAt.push(inTr);
    }
    let pre = input;
    for (let l = 0; l <= L; l++) {
      const I = matmul(pre, transpose(layers[l].W)).map((r) => r.map((val, j) => val + layers[l].b[j]));
      const u = map2(v[l], I, (a, b) => o.beta * a + b);
      g[l].push(map(u, (val) => o.alpha / 2 / (1 + ((Math.PI * o.alpha * (val - o.theta)) / 2) ** 2)));
      const s = map(u, (val) => (val >= o.theta ? 1 : 0));
      v[l] = map2(u, s, (a, b) => (b ? 0 : a));
      tr[l] = map2(tr[l], s, (a, b) => o.lambda * a + b);
      trAt[l].push(tr[l]);
      count[l] = map2(count[l], s, (a, b) => a + b);
      pre = s;
    }
  }
  const h = map(count[L], (c) => c / (o.T * o.nu));
  const e = h.map((row, i) => row.map((val, j) => val - (labels[i] === j ? 1 : 0)));
  const loss = (0.5 * e.flat().reduce((s, val) => s + val * val, 0)) / n;
  const k = 1 / (o.nu * o.T * n);
  const dW = layers.map((Ly) => Ly.W.map((r) => r.map(() => 0)));
  const db = layers.map((Ly) => Ly.b.map(() => 0));
  for (let t = 0; t < o.T; t++) {
    const c = (1 - o.lambda ** (t + 1)) / (1 - o.lambda);
    const d: Mat[] = [];
    d[L] = map2(e, g[L][t], (a, b) => a * b);
    for (let l = L - 1; l >= 0; l--) d[l] = map2(matmul(d[l + 1], B[l + 1]), g[l][t], (a, b) => a * b);
    for (let l = 0; l <= L; l++) {
      const pre = l > 0 ? trAt[l - 1][t] : o.poisson ? inTrAt[t] : map(x, (val) => c * val);
      const upd = matmul(transpose(d[l]), pre);
      dW[l] = map2(dW[l], upd, (a, b) => a + k * b);
      db[l] = db[l].map((val, j) => val + k * c * colSums(d[l])[j]);
    }
  }
  return { dW, db, h, loss, count };
}

const spec: NetworkSpec = {
  inputSize: 6,
  layers: [{ size: 7, activation: 'relu' }, { size: 5, activation: 'relu' }, { size: 3, activation: 'linear' }],
};

describe('microcircuit-lif', () => {
  it('fires at the analytic inter-spike interval for a constant current (float64 and wasm-simd)', async () => {
    const currents = [0.03, 0.045, 0.06, 0.07, 0.09, 0.12, 0.2, 0.35, 0.6, 1, 1.7];
    const dyn = lifDynamics(lifOptions({ steps: 200 }));
    const isis = currents.map((I) => analyticIsi(I, dyn.beta, dyn.threshold));
    expect(isis[2]).toBe(34); // β = e^{−1/20}, I = 0.06 (research note §4.5)
    expect(isis.filter((v) => v === null).length).toBe(2);
    const backends: Backend[] = [new ReferenceBackend(), await createBackend('wasm-simd')];
    for (const be of backends) {
      const net = Network.fromWeights(be, { inputSize: 1, layers: [{ size: currents.length, activation: 'linear' }] }, { W: [currents], b: [currents.map(() => 0)] });
      const ws = net.workspace(1);
      net.setInput(ws, [1]);
      const buf = makeLifBuffers(net, 1, dyn, false);
      const times: number[][] = currents.map(() => []);
      simulate(net, ws, buf, dyn, null, (t, b) => be.read(b.s[0]).forEach((s, j) => s && times[j].push(t + 1)));
      const counts = [...be.read(buf.count[0])];
      let checked = 0;
      currents.forEach((I, j) => {
        const isi = isis[j];
        // float32 potentials: only currents whose crossing is clear of θ by 1e-4 are asserted there.
        const u = (m: number) => (I * (1 - dyn.beta ** m)) / (1 - dyn.beta);
        const clear = isi === null || be.precision === 'f64' || (u(isi) - dyn.threshold > 1e-4 && dyn.threshold - u(isi - 1) > 1e-4);
        if (!clear) return;
        checked++;
        if (isi === null) {
          expect(counts[j]).toBe(0);
          return;
        }
        expect(times[j][0]).toBe(isi);
        expect(times[j]).toEqual(Array.from({ length: Math.floor(200 / isi) }, (_, k) => (k + 1) * isi));
        expect(counts[j] / 200).toBe(Math.floor(200 / isi) / 200);
      });
      expect(checked).toBeGreaterThanOrEqual(currents.length - 1);
    }
  });

  for (const encoding of ['current', 'poisson'] as const) {
    it(`updates equal the spiking equations recomputed in float64 (${encoding} input)`, () => {
      const seed = 6;
      const o = lifOptions({ steps: 12, encoding, tauMem: 10, tauTrace: 5, feedbackScale: 'none' });
      const s = runStep('microcircuit-lif', spec, { seed, batch: 4, loss: 'mse', ruleOptions: o });
      const st = s.state as MicrocircuitLifState;
      const B = st.feedback.absR.map((t, l) => map2(fromFlat(s.backend.read(t), s.net.layers[l].outSize, s.net.layers[l].inSize), s.layers[l].W, (r, w) => r * Math.sign(w)));
      const dyn = lifDynamics(o);
      const ref = plainLif(s.layers, B, s.x, s.labels, {
        T: 12, beta: dyn.beta, lambda: dyn.traceDecay, theta: 1, alpha: 2, nu: 0.5,
        poisson: encoding === 'poisson' ? new PoissonEncoder(createRng(seed).fork('step').int(0x7fffffff)) : undefined,
      });
      // Not vacuous: every layer spiked.
      for (const c of ref.count) expect(c.flat().some((v) => v > 0)).toBe(true);
      for (let l = 0; l < 3; l++) {
        const scale = Math.max(1e-3, ...ref.dW[l].flat().map(Math.abs));
        expect(maxAbsDiff(s.dW[l], ref.dW[l]) / scale).toBeLessThan(1e-12);
        expect(maxAbsDiff(s.db[l], ref.db[l])).toBeLessThan(1e-12);
      }
      expect(maxAbsDiff(fromFlat(s.backend.read(s.net.workspace(4).h[2]), 4, 3), ref.h)).toBe(0);
    });
  }

  it('keeps the output error cells rectified (e⁺ − e⁻ = r/ν − y, e⁺∘e⁻ = 0) and B sign-concordant', () => {
    const o = lifOptions({ steps: 10 });
    const s = runStep('microcircuit-lif', spec, { seed: 3, batch: 5, loss: 'mse', ruleOptions: o });
    const st = s.state as MicrocircuitLifState;
    const back = st.train.get(5)!.back;
    const p = [...s.backend.read(back.errPlus)];
    const m = [...s.backend.read(back.errMinus)];
    const h = [...s.backend.read(s.net.workspace(5).h[2])];
    const y = s.labels.flatMap((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));
    expect(Math.min(...p, ...m)).toBeGreaterThanOrEqual(0);
    expect(p.every((v, i) => v * m[i] === 0)).toBe(true);
    expect(maxAbsDiff(p.map((v, i) => v - m[i]), h.map((v, i) => v - y[i]))).toBe(0);
    for (let l = 1; l < 3; l++) {
      const b = [...s.backend.read(st.feedback.B[l])];
      s.layers[l].W.flat().forEach((w, i) => expect(Math.sign(b[i])).toBe(Math.sign(w)));
    }
  });

  it('counts a direct current presynaptic trace as c_t·x: c_t = (1 − λᵗ)/(1 − λ)', () => {
    expect(constantTrace(0.5, 1)).toBe(1);
    expect(constantTrace(0.5, 3)).toBeCloseTo(1 + 0.5 + 0.25, 15);
    expect(constantTrace(1, 7)).toBe(7);
  });

  it('trains through the engine: own forward, spike diagnostics per layer, inference by spike counts', async () => {
    const data = await blobs({ n: 240, d: 6, classes: 3, seed: 2, spread: 0.05 });
    const test = await blobs({ n: 90, d: 6, classes: 3, seed: 3, split: 'test', spread: 0.05 });
    const r = await train(
      { rule: 'microcircuit-lif', ruleOptions: { steps: 15 }, hidden: [16], output: 'linear', loss: 'mse', epochs: 6, batchSize: 16, optimizer: { kind: 'adam', lr: 0.01 } },
      { train: data, validation: test },
      { backend: new ReferenceBackend() },
    );
    expect(r.status).toBe('completed');
    const d = r.history.at(-1)!.diagnostics!;
    for (const key of ['spikeRate', 'silentFraction', 'deadFraction']) {
      const v = d[key] as number[];
      expect(v).toHaveLength(2);
      for (const x of v) expect(x >= 0 && x <= 1).toBe(true);
    }
    expect(r.history.at(-1)!.trainLoss).toBeLessThan(r.history[0].trainLoss);
    const ev = evaluate(r.net, test, { loss: 'mse', inference: { rule: r.rule, state: r.ruleState, options: r.ruleOptions } });
    expect(ev.accuracy).toBeGreaterThan(0.9);
    expect(r.history.at(-1)!.validation!.accuracy).toBe(ev.accuracy);
    // A saved model rebuilds the same |R| from the seed and infers by spikes the same way.
    const restored = restoreModel(new ReferenceBackend(), modelFromTraining(r, {}));
    const again = evaluate(restored.net, test, { loss: 'mse', inference: restored.inference });
    expect(again.confusion).toEqual(ev.confusion);
    const st = restored.inference.state as MicrocircuitLifState;
    expect([...restored.net.backend.read(st.feedback.absR[1])]).toEqual([...r.net.backend.read((r.ruleState as MicrocircuitLifState).feedback.absR[1])]);
  });

  it('rejects a softmax output, a softmax-CE config and the rate option', async () => {
    const be = new ReferenceBackend();
    const net = Network.create(be, { inputSize: 2, layers: [{ size: 2, activation: 'softmax' }] }, createRng(1));
    expect(() => getRule('microcircuit-lif').init(net, createRng(1), lifOptions())).toThrow(/output 'linear'/);
    const data = await blobs({ n: 20, d: 2 });
    await expect(train({ rule: 'microcircuit-lif', epochs: 1 }, { train: data }, { backend: be })).rejects.toThrow(/needs loss 'mse'/);
    expect(() => lifOptions({ neuron: 'rate' })).toThrow(/'microcircuit'/);
    expect(() => lifOptions({ steps: 0 })).toThrow(/steps/);
    expect(lifOptions()).toMatchObject({ neuron: 'lif', steps: 50, tauMem: 20, threshold: 1, surrogateAlpha: 2, encoding: 'current', targetRate: 0.5 });
  });

  it('beats 90% on an MNIST subset after one epoch (wasm-simd, T = 10)', async () => {
    const data = await loadDataset({ name: 'mnist', perClassCap: 1500, testPerClassCap: 200 });
    const r = await train(
      { rule: 'microcircuit-lif', ruleOptions: { steps: 10 }, hidden: [200], output: 'linear', loss: 'mse', epochs: 1, batchSize: 50, seed: 1, optimizer: { kind: 'adam', lr: 1e-3 } },
      { train: data.train },
      { backend: await createBackend('wasm-simd') },
    );
    const ev = evaluate(r.net, data.test, { loss: 'mse', inference: { rule: r.rule, state: r.ruleState, options: r.ruleOptions } });
    expect(ev.accuracy).toBeGreaterThan(0.9);
  }, 60_000);
});
