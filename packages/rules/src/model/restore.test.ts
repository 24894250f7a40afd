import { ReferenceBackend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import { train } from '../engine/train.js';
import '../rules/index.js';
import type { FaState } from '../rules/fa/rule.js';
import { blobs } from '../testing/synthetic.js';
import { makeModel, parseModel, serializeModel } from './format.js';
import { modelFromTraining, restoreModel } from './restore.js';

describe('restoreModel', () => {
  it("rebuilds a feedback rule's state from the training seed, identical to training", async () => {
    const data = await blobs({ n: 32, d: 3 });
    const r = await train({ rule: 'fa', hidden: [4], epochs: 1, seed: 11 }, { train: data }, { backend: new ReferenceBackend() });
    const m = modelFromTraining(r, {});
    const { json, bin } = serializeModel(m);
    const back = restoreModel(new ReferenceBackend(), parseModel(json, bin));
    const trained = (r.ruleState as FaState).B.map((t) => [...r.net.backend.read(t)]);
    const restored = (back.inference.state as FaState).B.map((t) => [...back.net.backend.read(t)]);
    expect(restored).toEqual(trained);
    expect(back.inference.rule.name).toBe('fa');
  });

  it('round-trips extra rule tensors and rejects reserved names', () => {
    const spec = { inputSize: 2, layers: [{ size: 2, activation: 'softmax' as const }] };
    const weights = { W: [[1, 2, 3, 4]], b: [[0, 0]] };
    const m = makeModel({ spec, rule: { name: 'bp', options: {} }, weights, extra: { visibleBias: { shape: [2], data: [0.5, -0.25] } } });
    const { json, bin } = serializeModel(m);
    const back = parseModel(json, bin);
    expect([...back.weights.extra!.visibleBias.data]).toEqual([0.5, -0.25]);
    expect(() => makeModel({ spec, rule: { name: 'bp', options: {} }, weights, extra: { W3: { shape: [1], data: [1] } } })).toThrow(/reserved/);
  });

  it('names a rule this build does not have', () => {
    const spec = { inputSize: 2, layers: [{ size: 2, activation: 'softmax' as const }] };
    const m = makeModel({ spec, rule: { name: 'martian', options: {} }, weights: { W: [[1, 2, 3, 4]], b: [[0, 0]] } });
    expect(() => restoreModel(new ReferenceBackend(), m)).toThrow(/trained with rule 'martian'/);
  });
});
