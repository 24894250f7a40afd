import { ReferenceBackend } from '@plasticity/core-wasm';
import { train } from '../../engine/train.js';
import { blobs } from '../../testing/synthetic.js';
import { runStep } from '../../testing/step.js';
import '../index.js';
const data = await blobs({ n: 240, d: 10, classes: 3, seed: 4, spread: 0.05 });
for (const lr of [1e-4, 1e-3]) {
  const r = await train({
    rule: 'gait-prop', ruleOptions: { gamma: 1e-3, orthoReg: 0.1, diagnosticsEvery: 1 }, hidden: [10, 10], outputUnits: 10,
    activation: 'leaky-relu', output: 'leaky-relu', loss: 'mse', leakySlope: 0.1, init: 'orthogonal',
    epochs: 2, batchSize: 12, optimizer: { kind: 'adam', lr, beta2: 0.99, biasCorrection: false }, angleEvery: 1,
  }, { train: data }, { backend: new ReferenceBackend() });
  console.log(lr, r.history.map((h) => h.angles!.map((a) => a.toFixed(2)).join('/')).join('  '));
}
const spec = (n: number, L: number) => ({ inputSize: n, leakySlope: 0.1, layers: Array.from({ length: L }, () => ({ size: n, activation: 'leaky-relu' as const })) });
function rel(a: number[][], b: number[][]) { const x = a.flat(), y = b.flat(); let e = 0, n = 0; for (let i = 0; i < x.length; i++) { e += (x[i] - y[i]) ** 2; n += y[i] ** 2; } return Math.sqrt(e / n); }
for (const seed of [1, 2, 3]) for (const gamma of [0.3, 0.1, 0.03, 0.01, 1e-3]) {
  const g = runStep('gait-prop', spec(40, 5), { seed, batch: 8, loss: 'mse', init: 'orthogonal', ruleOptions: { gamma, orthoReg: 0 } });
  const b = runStep('bp', spec(40, 5), { seed, batch: 8, loss: 'mse', init: 'orthogonal' });
  console.log(seed, gamma, g.dW.map((w, l) => rel(w, b.dW[l]).toExponential(1)).join(' '));
}
