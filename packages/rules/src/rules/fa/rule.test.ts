import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../../network/network.js';
import { colSums, dAct, fromFlat, map2, matmul, plainForward, transpose, type Mat } from '../../testing/plain.js';
import { maxAbsDiff, runStep } from '../../testing/step.js';
import type { FaState } from './rule.js';

const spec: NetworkSpec = {
  inputSize: 5,
  layers: [{ size: 6, activation: 'tanh' }, { size: 4, activation: 'sigmoid' }, { size: 3, activation: 'softmax' }],
};

describe('fa', () => {
  it('equals δ_{l−1} = (δ_l B_l) ⊙ f′(z_{l−1}), ΔW_l = δ_lᵀ h_{l−1} / n, computed independently', () => {
    const s = runStep('fa', spec, { seed: 4, batch: 6 });
    const st = s.state as FaState;
    const B: Mat[] = st.B.map((t, l) => fromFlat(s.backend.read(t), s.net.layers[l].outSize, s.net.layers[l].inSize));
    const { z, h } = plainForward(s.layers, s.x);
    const n = s.x.length;
    const deltas: Mat[] = [];
    deltas[2] = h[2].map((row, i) => row.map((p, j) => p - (s.labels[i] === j ? 1 : 0)));
    deltas[1] = map2(matmul(deltas[2], B[2]), dAct('sigmoid', z[1]), (a, b) => a * b);
    deltas[0] = map2(matmul(deltas[1], B[1]), dAct('tanh', z[0]), (a, b) => a * b);
    const inputs = [s.x, h[0], h[1]];
    for (let l = 0; l < 3; l++) {
      const dW = matmul(transpose(deltas[l]), inputs[l]).map((r) => r.map((v) => v / n));
      expect(maxAbsDiff(s.dW[l], dW)).toBeLessThan(1e-12);
      expect(maxAbsDiff(s.db[l], colSums(deltas[l]).map((v) => v / n))).toBeLessThan(1e-12);
    }
  });

  it('matches bp at the output layer and differs from it below', () => {
    const fa = runStep('fa', spec, { seed: 4, batch: 6 });
    const bp = runStep('bp', spec, { seed: 4, batch: 6 });
    expect(maxAbsDiff(fa.dW[2], bp.dW[2])).toBeLessThan(1e-14);
    expect(maxAbsDiff(fa.dW[0], bp.dW[0])).toBeGreaterThan(1e-4);
  });

  it('draws the same feedback for the same seed and scales it by feedbackScale', () => {
    const a = runStep('fa', spec, { seed: 4 });
    const b = runStep('fa', spec, { seed: 4, ruleOptions: { feedbackScale: 2 } });
    const Ba = a.backend.read((a.state as FaState).B[1]);
    const Bb = b.backend.read((b.state as FaState).B[1]);
    expect(maxAbsDiff([...Bb], [...Ba].map((v) => 2 * v))).toBeLessThan(1e-14);
    expect(() => runStep('fa', spec, { ruleOptions: { feedbackScale: -1 } })).toThrow(/feedbackScale/);
  });
});
