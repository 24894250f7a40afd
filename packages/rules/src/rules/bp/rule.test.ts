import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../../network/network.js';
import { dAct, map2, matmul, plainCrossEntropy, plainForward, transpose, type PlainLayer } from '../../testing/plain.js';
import { runStep } from '../../testing/step.js';

function lossOf(layers: PlainLayer[], x: number[][], labels: number[], loss: 'cross-entropy' | 'mse', slope: number): number {
  const { z, h } = plainForward(layers, x, slope);
  const L = layers.length - 1;
  if (loss === 'cross-entropy') return plainCrossEntropy(z[L], labels);
  const sse = h[L].reduce((s, row, i) => s + row.reduce((t, v, j) => t + 0.5 * (v - (labels[i] === j ? 1 : 0)) ** 2, 0), 0);
  return sse / x.length;
}

describe('bp', () => {
  const cases: { name: string; spec: NetworkSpec; loss: 'cross-entropy' | 'mse' }[] = [
    { name: 'tanh, softmax-CE', spec: { inputSize: 4, layers: [{ size: 5, activation: 'tanh' }, { size: 6, activation: 'tanh' }, { size: 3, activation: 'softmax' }] }, loss: 'cross-entropy' },
    { name: 'sigmoid+softplus, linear-CE', spec: { inputSize: 3, layers: [{ size: 4, activation: 'sigmoid' }, { size: 4, activation: 'softplus' }, { size: 2, activation: 'linear' }] }, loss: 'cross-entropy' },
    { name: 'leaky-relu, sigmoid-MSE', spec: { inputSize: 5, leakySlope: 0.1, layers: [{ size: 7, activation: 'leaky-relu' }, { size: 3, activation: 'sigmoid' }] }, loss: 'mse' },
    { name: 'relu, softmax-CE', spec: { inputSize: 6, layers: [{ size: 8, activation: 'relu' }, { size: 8, activation: 'relu' }, { size: 4, activation: 'softmax' }] }, loss: 'cross-entropy' },
  ];
  for (const c of cases) {
    it(`equals central finite differences of the mean loss (${c.name})`, () => {
      const s = runStep('bp', c.spec, { loss: c.loss, seed: 3, batch: 4 });
      const slope = c.spec.leakySlope ?? 0.01;
      const h = 1e-6;
      let worst = 0;
      s.layers.forEach((layer, l) => {
        for (let i = 0; i < layer.W.length; i++) {
          for (let j = 0; j < layer.W[0].length; j++) {
            const orig = layer.W[i][j];
            layer.W[i][j] = orig + h;
            const up = lossOf(s.layers, s.x, s.labels, c.loss, slope);
            layer.W[i][j] = orig - h;
            const down = lossOf(s.layers, s.x, s.labels, c.loss, slope);
            layer.W[i][j] = orig;
            const fd = (up - down) / (2 * h);
            worst = Math.max(worst, Math.abs(fd - s.dW[l][i][j]) / Math.max(1e-3, Math.abs(fd)));
          }
          const ob = layer.b[i];
          layer.b[i] = ob + h;
          const up = lossOf(s.layers, s.x, s.labels, c.loss, slope);
          layer.b[i] = ob - h;
          const down = lossOf(s.layers, s.x, s.labels, c.loss, slope);
          layer.b[i] = ob;
          worst = Math.max(worst, Math.abs((up - down) / (2 * h) - s.db[l][i]) / Math.max(1e-3, Math.abs((up - down) / (2 * h))));
        }
      });
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('carries the error down through Wᵀ exactly (closed form)', () => {
    const spec: NetworkSpec = { inputSize: 3, layers: [{ size: 4, activation: 'tanh' }, { size: 2, activation: 'softmax' }] };
    const s = runStep('bp', spec, { seed: 9, batch: 3 });
    const { z, h } = plainForward(s.layers, s.x);
    const e = h[1].map((row, i) => row.map((p, j) => p - (s.labels[i] === j ? 1 : 0)));
    const d0 = map2(matmul(e, s.layers[1].W), dAct('tanh', z[0]), (a, b) => a * b);
    const dW0 = matmul(transpose(d0), s.x).map((r) => r.map((v) => v / 3));
    expect(Math.max(...dW0.flat().map((v, i) => Math.abs(v - s.dW[0].flat()[i])))).toBeLessThan(1e-12);
  });
});
