// Runs one rule step on a small random network and batch and hands back everything as
// plain arrays, so tests can recompute the rule's equations independently.
import type { Backend } from '@plasticity/core-wasm';
import { ReferenceBackend } from '@plasticity/core-wasm';
import { makeGrads, outputError } from '../engine/backprop.js';
import { getRule, parseRuleOptions, type LossKind, type StepContext } from '../engine/rule.js';
import { Network, type NetworkSpec } from '../network/network.js';
import { createRng } from '../rng.js';
import '../rules/index.js';
import { fromFlat, type Mat, type PlainLayer } from './plain.js';

export interface StepCase {
  spec: NetworkSpec;
  x: Mat;
  labels: number[];
  loss: LossKind;
  net: Network;
  backend: Backend;
  /** Weights before the step, as plain layers. */
  layers: PlainLayer[];
  /** The rule's descent directions. */
  dW: Mat[];
  db: number[][];
  state: unknown;
  options: object;
}

export function randomBatch(seed: number, n: number, d: number, classes: number): { x: Mat; labels: number[] } {
  const rng = createRng(seed).fork('batch');
  return {
    x: Array.from({ length: n }, () => Array.from({ length: d }, () => rng.uniform(0, 1))),
    labels: Array.from({ length: n }, () => rng.int(classes)),
  };
}

export function runStep(
  ruleName: string,
  spec: NetworkSpec,
  opts: { seed?: number; batch?: number; loss?: LossKind; ruleOptions?: object; backend?: Backend; init?: 'glorot-uniform' | 'orthogonal' } = {},
): StepCase {
  const seed = opts.seed ?? 1;
  const backend = opts.backend ?? new ReferenceBackend();
  const loss = opts.loss ?? 'cross-entropy';
  const rng = createRng(seed);
  const net = Network.create(backend, spec, rng.fork('init'), opts.init ?? 'glorot-uniform');
  // Non-zero biases so the tests see them used.
  net.layers.forEach((l, i) => {
    const r = rng.fork(`bias-${i}`);
    backend.write(l.b, Array.from({ length: l.outSize }, () => r.uniform(-0.1, 0.1)));
  });
  const rule = getRule(ruleName);
  const options = parseRuleOptions(rule, opts.ruleOptions ?? {});
  const state = rule.init(net, rng.fork('rule'), options);
  const { x, labels } = randomBatch(seed, opts.batch ?? 5, spec.inputSize, spec.layers[spec.layers.length - 1].size);
  const ws = net.workspace(x.length);
  net.setInput(ws, x.flat());
  net.setLabels(ws, labels);
  const grads = makeGrads(net);
  const ctx: StepContext = {
    backend, net, ws, n: x.length, labels: Int32Array.from(labels), loss, grads, rng: rng.fork('step'), epoch: 0, step: 0,
  };
  const layers: PlainLayer[] = net.layers.map((l) => ({
    W: fromFlat(backend.read(l.W), l.outSize, l.inSize),
    b: [...backend.read(l.b)],
    act: l.activation,
  }));
  if (rule.forward !== 'own') {
    net.forward(ws);
    outputError(net, ws, loss);
  }
  rule.step(ctx, state, options);
  return {
    spec, x, labels, loss, net, backend, layers, state, options,
    dW: grads.dW.map((t, i) => fromFlat(backend.read(t), net.layers[i].outSize, net.layers[i].inSize)),
    db: grads.db.map((t) => [...backend.read(t)]),
  };
}

export function maxAbsDiff(a: Mat | number[], b: Mat | number[]): number {
  const fa = (a as unknown[]).flat() as number[];
  const fb = (b as unknown[]).flat() as number[];
  if (fa.length !== fb.length) throw new Error(`length ${fa.length} vs ${fb.length}`);
  return fa.reduce((m, v, i) => Math.max(m, Math.abs(v - fb[i])), 0);
}
