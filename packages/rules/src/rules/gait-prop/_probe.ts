import { ReferenceBackend } from '@plasticity/core-wasm';
import { train } from '../../engine/train.js';
import { blobs } from '../../testing/synthetic.js';
import '../index.js';
const data = await blobs({ n: 240, d: 10, classes: 3, seed: 4, spread: 0.05 });
for (const lr of [0.01, 0.001]) for (const orthoReg of [0, 0.1, 1]) {
  const r = await train({
    rule: 'gait-prop', ruleOptions: { gamma: 1e-3, orthoReg, diagnosticsEvery: 1 }, hidden: [10, 10], outputUnits: 10,
    activation: 'leaky-relu', output: 'leaky-relu', loss: 'mse', leakySlope: 0.1, init: 'orthogonal',
    epochs: 12, batchSize: 12, optimizer: { kind: 'adam', lr, beta2: 0.99, biasCorrection: false }, angleEvery: 1,
  }, { train: data }, { backend: new ReferenceBackend() });
  console.log(lr, orthoReg, r.status, r.history.map((h) => (h.diagnostics!.orthoOffDiagonal as number[]).map((v) => v.toFixed(2)).join('/')).filter((_, i) => i % 3 === 2).join('  '), 'acc', r.history.at(-1)!.trainAccuracy.toFixed(3), 'ang', r.history.at(-1)!.angles!.map((a) => a.toFixed(1)).join('/'));
}
