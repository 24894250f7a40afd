import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../../network/network.js';
import { colSums, dAct, fromFlat, map2, matmul, plainForward, transpose, type Mat } from '../../testing/plain.js';
import { maxAbsDiff, runStep } from '../../testing/step.js';
import type { DfaState } from './rule.js';

const spec: NetworkSpec = {
  inputSize: 4,
  layers: [{ size: 7, activation: 'relu' }, { size: 5, activation: 'tanh' }, { size: 3, activation: 'softmax' }],
};

describe('dfa', () => {
  it('equals δ_l = (e B_l) ⊙ f′(z_l) with the output error e sent to every hidden layer directly', () => {
    const s = runStep('dfa', spec, { seed: 5, batch: 4 });
    const st = s.state as DfaState;
    const B: Mat[] = st.B.map((t, l) => fromFlat(s.backend.read(t), 3, s.net.layers[l].outSize));
    const { z, h } = plainForward(s.layers, s.x);
    const n = s.x.length;
    const e = h[2].map((row, i) => row.map((p, j) => p - (s.labels[i] === j ? 1 : 0)));
    const deltas = [
      map2(matmul(e, B[0]), dAct('relu', z[0]), (a, b) => a * b),
      map2(matmul(e, B[1]), dAct('tanh', z[1]), (a, b) => a * b),
      e,
    ];
    const inputs = [s.x, h[0], h[1]];
    for (let l = 0; l < 3; l++) {
      const dW = matmul(transpose(deltas[l]), inputs[l]).map((r) => r.map((v) => v / n));
      expect(maxAbsDiff(s.dW[l], dW)).toBeLessThan(1e-12);
      expect(maxAbsDiff(s.db[l], colSums(deltas[l]).map((v) => v / n))).toBeLessThan(1e-12);
    }
  });

  it('matches bp at the output layer and differs from it below', () => {
    const dfa = runStep('dfa', spec, { seed: 5, batch: 4 });
    const bp = runStep('bp', spec, { seed: 5, batch: 4 });
    expect(maxAbsDiff(dfa.dW[2], bp.dW[2])).toBeLessThan(1e-14);
    expect(maxAbsDiff(dfa.dW[1], bp.dW[1])).toBeGreaterThan(1e-4);
  });
});
