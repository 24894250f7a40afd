import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../../network/network.js';
import { dAct, map, map2, matmul, plainForward, transpose } from '../../testing/plain.js';
import { maxAbsDiff, runStep } from '../../testing/step.js';

const spec: NetworkSpec = {
  inputSize: 5,
  layers: [{ size: 6, activation: 'tanh' }, { size: 4, activation: 'tanh' }, { size: 3, activation: 'softmax' }],
};

describe('sign-fa', () => {
  for (const scale of ['rms', 'none'] as const) {
    it(`carries the error through s·sign(W) (scale '${scale}'), computed independently`, () => {
      const s = runStep('sign-fa', spec, { seed: 6, batch: 5, ruleOptions: { scale } });
      const { z, h } = plainForward(s.layers, s.x);
      const n = s.x.length;
      const feedback = s.layers.map((L) => {
        const w = L.W.flat();
        const rms = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
        return map(L.W, (v) => Math.sign(v) * (scale === 'rms' ? rms : 1));
      });
      const d2 = h[2].map((row, i) => row.map((p, j) => p - (s.labels[i] === j ? 1 : 0)));
      const d1 = map2(matmul(d2, feedback[2]), dAct('tanh', z[1]), (a, b) => a * b);
      const d0 = map2(matmul(d1, feedback[1]), dAct('tanh', z[0]), (a, b) => a * b);
      const expected = [matmul(transpose(d0), s.x), matmul(transpose(d1), h[0]), matmul(transpose(d2), h[1])].map((m) =>
        m.map((r) => r.map((v) => v / n)),
      );
      for (let l = 0; l < 3; l++) expect(maxAbsDiff(s.dW[l], expected[l])).toBeLessThan(1e-12);
    });
  }
});
