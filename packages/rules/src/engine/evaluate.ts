// Held-out evaluation: loss, accuracy, balanced accuracy (mean per-class recall, the figure
// that matters for one-vs-rest tasks where "rest" is 90% of MNIST) and the confusion matrix.
import type { Dataset } from '../data/types.js';
import type { Network, Workspace } from '../network/network.js';
import { outputError } from './backprop.js';
import type { LearningRule, LossKind } from './rule.js';

export interface EvalResult {
  n: number;
  loss: number;
  accuracy: number;
  balancedAccuracy: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

/** How a trained model infers: the shared forward pass, or a rule's own dynamics (relaxation, spikes). */
export interface Inference {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rule?: LearningRule<any, any>;
  state?: unknown;
  options?: object;
}

/** Runs inference on ws (input already set): the rule's own `infer` when it has one, else the forward pass. */
export function infer(net: Network, ws: Workspace, inference: Inference = {}): void {
  const { rule, state, options } = inference;
  if (rule?.infer) rule.infer(net, ws, state, options ?? {});
  else net.forward(ws);
}

export function metricsFromConfusion(confusion: number[][]): { accuracy: number; balancedAccuracy: number; n: number } {
  let correct = 0;
  let n = 0;
  let recallSum = 0;
  let classes = 0;
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    n += total;
    correct += row[i];
    if (total > 0) {
      recallSum += row[i] / total;
      classes++;
    }
  });
  return { n, accuracy: n ? correct / n : 0, balancedAccuracy: classes ? recallSum / classes : 0 };
}

export function evaluate(
  net: Network,
  ds: Dataset,
  opts: { loss?: LossKind; batchSize?: number; inference?: Inference } = {},
): EvalResult {
  if (ds.d !== net.inputSize) {
    throw new RangeError(`data set '${ds.name}' (${ds.split}) has ${ds.d} features but the network expects ${net.inputSize}`);
  }
  if (ds.classNames.length > net.classUnits) {
    throw new RangeError(`data set '${ds.name}' has ${ds.classNames.length} classes but the network has ${net.classUnits} class outputs`);
  }
  const loss = opts.loss ?? (net.softmaxOutput ? 'cross-entropy' : 'mse');
  const batchSize = opts.batchSize ?? 500;
  const k = net.classUnits;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let lossSum = 0;
  for (let start = 0; start < ds.n; start += batchSize) {
    const size = Math.min(batchSize, ds.n - start);
    const ws = net.workspace(size);
    net.setInput(ws, ds.x.subarray(start * ds.d, (start + size) * ds.d));
    const labels = ds.y.subarray(start, start + size);
    net.setLabels(ws, labels);
    infer(net, ws, opts.inference);
    lossSum += outputError(net, ws, loss) * size;
    const pred = net.predictClasses(ws);
    for (let i = 0; i < size; i++) confusion[labels[i]][pred[i]]++;
  }
  const m = metricsFromConfusion(confusion);
  return { n: ds.n, loss: ds.n ? lossSum / ds.n : 0, accuracy: m.accuracy, balancedAccuracy: m.balancedAccuracy, confusion };
}
