// The training loop every rule and every frontend shares: epochs × mini-batches, held-out
// evaluation each epoch, divergence stop with the last good checkpoint, and progress
// events that the CLI, the server and the dashboard all render.
import type { Activation, Backend, Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import { batches, fitMinMax, fitStandardizer } from '../data/index.js';
import type { Dataset, InputTransform } from '../data/types.js';
import { INITIALIZERS } from '../network/init.js';
import { Network, type NetworkSpec } from '../network/network.js';
import { createRng } from '../rng.js';
import { backpropGrads, disposeGrads, makeGrads, outputError } from './backprop.js';
import { evaluate, type EvalResult } from './evaluate.js';
import { learningRate, Optimizer, optimizerSchema } from './optimizer.js';
import { getRule, parseRuleOptions, RuleDivergenceError, type LearningRule, type ParamGrads, type StepContext } from './rule.js';

const ACTIVATION_NAMES = ['linear', 'relu', 'leaky-relu', 'tanh', 'sigmoid', 'softplus'] as const satisfies readonly Activation[];

export const trainConfigSchema = z.object({
  rule: z.string().default('bp'),
  ruleOptions: z.record(z.string(), z.unknown()).default({}),
  /** Hidden layer widths; the output width is the data set's class count. */
  hidden: z.array(z.number().int().positive()).default([256, 256]),
  /**
   * Output width when wider than the class count: the first units are the classes, the rest
   * auxiliary units whose target is their own activity (GAIT-prop's square nets). Needs loss 'mse'.
   */
  outputUnits: z.number().int().positive().optional(),
  activation: z.enum(ACTIVATION_NAMES).default('relu'),
  output: z.enum([...ACTIVATION_NAMES, 'softmax']).default('softmax'),
  loss: z.enum(['cross-entropy', 'mse']).default('cross-entropy'),
  init: z.enum(INITIALIZERS as [string, ...string[]]).default('glorot-uniform'),
  leakySlope: z.number().min(0).max(1).default(0.01),
  /** Normalisation fitted on the training split and stored inside the model. */
  inputTransform: z.enum(['none', 'standardize', 'min-max']).default('none'),
  epochs: z.number().int().positive().default(5),
  batchSize: z.number().int().positive().default(128),
  optimizer: optimizerSchema.default(optimizerSchema.parse({})),
  seed: z.number().int().default(1),
  /** Measure the angle between the rule's update and the true gradient every N steps (0: ~10 times per epoch). */
  angleEvery: z.number().int().nonnegative().default(0),
  /** Emit a 'batch' event every N batches. */
  progressEvery: z.number().int().positive().default(20),
});

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export function parseTrainConfig(input: unknown): TrainConfig {
  const r = trainConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new RangeError(`training config is not valid: ${issues}`);
  }
  return r.data;
}

export interface EpochStats {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  validation?: EvalResult;
  seconds: number;
  samplesPerSec: number;
  /** Mean ‖(ΔW_l, Δb_l)‖ (the rule's update direction, before the optimiser) per layer over the epoch. */
  updateNorms: number[];
  /** Mean angle in degrees between the rule's ΔW_l and backprop's gradient, per layer (absent for bp). */
  angles?: number[];
  diagnostics?: Record<string, number | number[]>;
}

export type TrainEvent =
  | { type: 'start'; rule: string; backend: string; build: string; parameters: number; trainSize: number; validationSize: number; epochs: number; batchesPerEpoch: number }
  | { type: 'batch'; epoch: number; batch: number; batches: number; step: number; loss: number; accuracy: number; samplesPerSec: number; elapsed: number }
  | ({ type: 'epoch'; epochs: number } & EpochStats)
  | { type: 'diverged'; epoch: number; step: number; layer: number | null; reason: string }
  | { type: 'done'; status: TrainStatus; epochsCompleted: number; trainSeconds: number };

export type TrainStatus = 'completed' | 'stopped' | 'diverged';

export interface TrainResult {
  net: Network;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rule: LearningRule<any, any>;
  ruleState: unknown;
  ruleOptions: object;
  config: TrainConfig;
  status: TrainStatus;
  history: EpochStats[];
  /** Seconds spent in training steps (evaluation excluded). */
  trainSeconds: number;
  divergence?: { epoch: number; step: number; layer: number | null; reason: string };
}

export interface TrainData {
  train: Dataset;
  validation?: Dataset;
}

export interface TrainOptions {
  backend: Backend;
  onEvent?: (e: TrainEvent) => void;
  /** Aborting stops after the current step; the weights of the last completed step are kept. */
  signal?: AbortSignal;
  /** Continue from these weights instead of a fresh initialisation. */
  initialWeights?: { W: ArrayLike<number>[]; b: ArrayLike<number>[] };
  /**
   * Awaited after every step with the live network, so a frontend can pause (return a promise
   * that resolves on resume) or read the weights. Time spent in it is not training time.
   */
  afterStep?: (info: { net: Network; epoch: number; step: number }) => void | Promise<void>;
}

/** The network spec a config gives for a data set. */
export function networkSpecFor(cfg: TrainConfig, train: Dataset, transform?: InputTransform): NetworkSpec {
  const hidden = cfg.hidden.map((size) => ({ size, activation: cfg.activation }));
  const classes = train.classNames.length;
  const outputs = cfg.outputUnits ?? classes;
  if (outputs < classes) {
    throw new RangeError(`outputUnits (${outputs}) must be at least the class count of '${train.name}' (${classes})`);
  }
  return {
    inputSize: train.d,
    layers: [...hidden, { size: outputs, activation: cfg.output }],
    leakySlope: cfg.leakySlope,
    inputTransform: transform,
    ...(outputs > classes ? { classUnits: classes } : {}),
  };
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

let lastYield = 0;
/** Let timers, I/O and UI run, at most every 30 ms so tight loops keep their speed. */
async function yieldSometimes(): Promise<void> {
  const t = now();
  if (t - lastYield < 30) return;
  lastYield = t;
  await new Promise<void>((resolve) => {
    const si = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
    if (si) si(resolve);
    else setTimeout(resolve, 0);
  });
}

export async function train(configInput: TrainConfigInput | TrainConfig, data: TrainData, opts: TrainOptions): Promise<TrainResult> {
  const cfg = parseTrainConfig(configInput);
  const rule = getRule(cfg.rule);
  const ruleOptions = parseRuleOptions(rule, cfg.ruleOptions);
  if (rule.requiresLoss && rule.requiresLoss !== cfg.loss) {
    throw new RangeError(`rule '${rule.name}' needs loss '${rule.requiresLoss}', but the config says '${cfg.loss}'`);
  }
  const { train: ds, validation } = data;
  if (ds.n === 0) throw new RangeError(`training set '${ds.name}' is empty`);
  const be = opts.backend;
  const rng = createRng(cfg.seed);
  const transform = fitTransform(cfg.inputTransform, ds);
  const spec = networkSpecFor(cfg, ds, transform);
  const net = opts.initialWeights
    ? Network.fromWeights(be, spec, opts.initialWeights)
    : Network.create(be, spec, rng.fork('init'), cfg.init as never);
  const state = rule.init(net, rng.fork('rule'), ruleOptions);
  const grads = makeGrads(net);
  const bpGrads: ParamGrads | null = rule.name === 'bp' || rule.forward === 'own' ? null : makeGrads(net);
  const optimizer = new Optimizer(be, net, cfg.optimizer);
  const dataRng = rng.fork('data');
  const stepRng = rng.fork('step');
  const batchesPerEpoch = Math.ceil(ds.n / cfg.batchSize);
  const angleEvery = cfg.angleEvery || Math.max(1, Math.floor(batchesPerEpoch / 10));
  const emit = opts.onEvent ?? (() => {});
  const history: EpochStats[] = [];
  let checkpoint = net.getWeights();
  let status: TrainStatus = 'completed';
  let divergence: TrainResult['divergence'];
  let step = 0;
  let trainSeconds = 0;
  let tEpoch = now();
  let epochOpen = false;

  emit({
    type: 'start', rule: rule.name, backend: be.name, build: be.build, parameters: net.parameterCount(),
    trainSize: ds.n, validationSize: validation?.n ?? 0, epochs: cfg.epochs, batchesPerEpoch,
  });

  training: for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    optimizer.lr = learningRate(cfg.optimizer, epoch, cfg.epochs);
    tEpoch = now();
    epochOpen = true;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    const normSums = new Array<number>(net.depth).fill(0);
    const angleSums = new Array<number>(net.depth).fill(0);
    let angleCount = 0;
    let diagnostics: Record<string, number | number[]> | undefined;
    let b = 0;
    for (const batch of batches(ds, { batchSize: cfg.batchSize, rng: dataRng })) {
      if (opts.signal?.aborted) {
        status = 'stopped';
        break training;
      }
      const ws = net.workspace(batch.size);
      net.setInput(ws, batch.x);
      net.setLabels(ws, batch.y);
      const ctx: StepContext = {
        backend: be, net, ws, n: batch.size, labels: batch.y, loss: cfg.loss as StepContext['loss'],
        grads, rng: stepRng, epoch, step,
      };
      let loss: number;
      try {
        if (rule.forward === 'own') {
          const info = rule.step(ctx, state, ruleOptions);
          loss = info.loss ?? NaN;
          if (info.diagnostics) diagnostics = info.diagnostics;
        } else {
          net.forward(ws);
          loss = outputError(net, ws, ctx.loss);
          const info = rule.step(ctx, state, ruleOptions);
          if (info.diagnostics) diagnostics = info.diagnostics;
        }
      } catch (e) {
        if (!(e instanceof RuleDivergenceError)) {
          rule.endTraining?.(state);
          throw e;
        }
        divergence = { epoch, step, layer: e.layer, reason: e.message };
        status = 'diverged';
        break training;
      }
      const pred = net.predictClasses(ws);
      for (let i = 0; i < batch.size; i++) if (pred[i] === batch.y[i]) correct++;

      // Update norms double as the divergence check: a non-finite norm names the layer.
      let badLayer: number | null = null;
      for (let l = 0; l < net.depth; l++) {
        const nrm = Math.sqrt(be.sumSquares(grads.dW[l]) + be.sumSquares(grads.db[l]));
        if (!Number.isFinite(nrm) && badLayer === null) badLayer = l;
        normSums[l] += nrm;
      }
      if (!Number.isFinite(loss) || badLayer !== null) {
        divergence = {
          epoch, step, layer: badLayer,
          reason: badLayer !== null ? `the update of layer ${badLayer} is not finite` : `the loss is ${loss}`,
        };
        status = 'diverged';
        break training;
      }
      if (bpGrads && step % angleEvery === 0) {
        // The true gradient on the same batch and the same weights (not yet updated).
        net.forward(ws);
        outputError(net, ws, ctx.loss);
        backpropGrads(net, ws, bpGrads);
        for (let l = 0; l < net.depth; l++) angleSums[l] += angleDegrees(be, grads.dW[l], bpGrads.dW[l]);
        angleCount++;
      }
      optimizer.apply(grads);
      lossSum += loss * batch.size;
      seen += batch.size;
      step++;
      b++;
      if (b % cfg.progressEvery === 0 || b === batchesPerEpoch) {
        const elapsed = (now() - tEpoch) / 1000;
        emit({
          type: 'batch', epoch, batch: b, batches: batchesPerEpoch, step, loss: lossSum / seen,
          accuracy: correct / seen, samplesPerSec: seen / Math.max(elapsed, 1e-9), elapsed,
        });
      }
      await yieldSometimes();
      if (opts.afterStep) {
        const t0 = now();
        await opts.afterStep({ net, epoch, step });
        tEpoch += now() - t0;
      }
    }
    const seconds = (now() - tEpoch) / 1000;
    trainSeconds += seconds;
    epochOpen = false;
    const weightsBad = net.layers.findIndex((l) => !Number.isFinite(be.sumSquares(l.W)) || !Number.isFinite(be.sumSquares(l.b)));
    if (weightsBad >= 0) {
      divergence = { epoch, step, layer: weightsBad, reason: `the weights of layer ${weightsBad} are not finite` };
      status = 'diverged';
      break;
    }
    const stats: EpochStats = {
      epoch,
      lr: optimizer.lr,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      validation: validation
        ? evaluate(net, validation, { loss: cfg.loss as StepContext['loss'], inference: { rule, state, options: ruleOptions } })
        : undefined,
      seconds,
      samplesPerSec: seen / Math.max(seconds, 1e-9),
      updateNorms: normSums.map((s) => s / Math.max(b, 1)),
      angles: angleCount ? angleSums.map((s) => s / angleCount) : undefined,
      diagnostics,
    };
    history.push(stats);
    checkpoint = net.getWeights();
    emit({ type: 'epoch', epochs: cfg.epochs, ...stats });
  }

  if (epochOpen) trainSeconds += (now() - tEpoch) / 1000;
  if (status === 'diverged' && divergence) {
    net.setWeights(checkpoint);
    emit({ type: 'diverged', ...divergence });
  }
  rule.endTraining?.(state);
  disposeGrads(net, grads);
  if (bpGrads) disposeGrads(net, bpGrads);
  optimizer.dispose();
  emit({ type: 'done', status, epochsCompleted: history.length, trainSeconds });
  return { net, rule, ruleState: state, ruleOptions, config: cfg, status, history, trainSeconds, divergence };
}

/** Angle in degrees between two same-shaped tensors (90° when either is zero). */
export function angleDegrees(be: Backend, a: Tensor, b: Tensor): number {
  const na = Math.sqrt(be.sumSquares(a));
  const nb = Math.sqrt(be.sumSquares(b));
  if (na === 0 || nb === 0) return 90;
  const c = Math.min(1, Math.max(-1, be.dot(a, b) / (na * nb)));
  return (Math.acos(c) * 180) / Math.PI;
}

function fitTransform(kind: string, ds: Dataset): InputTransform | undefined {
  if (kind === 'none') return undefined;
  return kind === 'standardize' ? fitStandardizer(ds) : fitMinMax(ds);
}
