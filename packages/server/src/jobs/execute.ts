// What a job does, whichever runner runs it: a robustness report on a stored model, or a
// training run whose model goes into the store. Results are written next to the report
// files under <jobs>/<id>/ (result.json), atomically, so a finished job's output outlives
// the process and the queue. Everything here is a call into @plasticity/rules.
import { createBackend, type Backend, type BackendName } from '@plasticity/core-wasm';
import {
  DataError, evaluate, loadDataset, modelFromTraining, restoreModel, robustnessReport, train, writeFileAtomic, writeRobustnessReport,
  type AttackModel, type AttackPlan, type Dataset, type DatasetSpec, type Model,
} from '@plasticity/rules';
import { join } from 'node:path';
import { ProblemError } from '../problem.js';
import { API_DATASETS, DatasetRequest, type RobustnessJobSpec, type TrainJobSpec } from '../schemas.js';
import type { ModelStore } from '../store.js';
import type { JobSpec, ProgressEvent } from './types.js';

/** A failure that retrying cannot fix (bad request content, missing model): not retried. */
export class JobInputError extends Error {
  override readonly name = 'JobInputError';
}

const INPUT_ERRORS = new Set(['DataError', 'ModelError', 'AttackError', 'NetworkError', 'RangeError', 'ProblemError', 'JobInputError', 'StoreError', 'BackendError']);

/** Whether an error is the job's own fault (no retry) rather than the machine's. */
export function isInputError(e: unknown): boolean {
  return e instanceof DataError || e instanceof ProblemError || e instanceof RangeError || INPUT_ERRORS.has((e as Error)?.name);
}

export function isAbort(e: unknown): boolean {
  return (e as Error)?.name === 'AbortError';
}

export interface JobContext {
  id: string;
  store: ModelStore;
  /** Where job results and report files go: <jobsDir>/<id>/. */
  jobsDir: string;
  backend: () => Promise<Backend>;
  signal: AbortSignal;
  /** Called with every progress event and the share of the work done. */
  report: (event: ProgressEvent, fraction: number) => void;
}

const backends = new Map<string, Promise<Backend>>();

/** One backend per name per process, shared by every job and request. */
export function sharedBackend(name: BackendName | 'auto' = 'auto'): Promise<Backend> {
  let b = backends.get(name);
  if (!b) {
    b = createBackend(name);
    b.catch(() => backends.delete(name));
    backends.set(name, b);
  }
  return b;
}

export async function executeJob(spec: JobSpec, ctx: JobContext): Promise<Record<string, unknown>> {
  ctx.signal.throwIfAborted();
  const result = spec.kind === 'robustness' ? await runRobustness(spec.modelId, spec.request, ctx) : await runTrain(spec.request, ctx);
  await writeFileAtomic(join(ctx.jobsDir, ctx.id, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** The data set of a request, or the one the model was trained on when it is one the API serves. */
export function datasetSpecFor(model: Model, requested: RobustnessJobSpec['dataset']): DatasetSpec {
  if (requested) return { ...requested };
  const stored = (model.meta.training as { data?: Record<string, unknown> } | undefined)?.data;
  if (!stored || typeof stored !== 'object') {
    throw new JobInputError('the model does not say which data set it was trained on (model.json training.data); name one in `dataset`');
  }
  if (!API_DATASETS.includes(stored.name as (typeof API_DATASETS)[number])) {
    throw new JobInputError(`the model was trained on '${String(stored.name)}', which needs files on the server; the API serves ${API_DATASETS.join(', ')}: name one in \`dataset\``);
  }
  // Only the task fields travel: a path or data directory in an uploaded model.json is never followed.
  const keys = Object.keys(DatasetRequest.shape) as (keyof DatasetSpec)[];
  const picked = Object.fromEntries(keys.filter((k) => stored[k] !== undefined).map((k) => [k, stored[k]]));
  const r = DatasetRequest.safeParse(picked);
  if (!r.success) throw new JobInputError(`the model's stored data set spec is not one the API accepts (${r.error.issues[0].message}); name one in \`dataset\``);
  return { ...r.data };
}

function firstRows(ds: Dataset, n: number): Dataset {
  if (ds.n <= n) return ds;
  return { ...ds, n, x: ds.x.subarray(0, n * ds.d), y: ds.y.subarray(0, n), sourceIndex: ds.sourceIndex.subarray(0, n) };
}

async function runRobustness(modelId: string, req: RobustnessJobSpec, ctx: JobContext): Promise<Record<string, unknown>> {
  const model = await ctx.store.get(modelId);
  if (!model) throw new JobInputError(`model ${modelId} is not in the store (deleted?)`);
  const data = await loadDataset(datasetSpecFor(model, req.dataset));
  const split = data[req.split];
  if (!split) throw new JobInputError(`split '${req.split}' does not exist for this data set (validation needs dataset.validation > 0)`);
  const ds = firstRows(split, req.rows);
  if (ds.d !== model.meta.architecture.inputSize) {
    throw new JobInputError(`the model takes ${model.meta.architecture.inputSize} input features but ${ds.name} has ${ds.d}`);
  }
  const backend = await ctx.backend();
  const restored = restoreModel(backend, model);
  try {
    const loss = (model.meta.training as { loss?: AttackModel['loss'] } | undefined)?.loss;
    const am: AttackModel = { net: restored.net, inference: restored.inference, ...(loss ? { loss } : {}) };
    const rule = model.meta.rule.name;
    const seed = Number((model.meta.training as { seed?: unknown } | undefined)?.seed ?? 0);
    const plans: AttackPlan[] = req.attacks.map(({ epsilons, gradient, ...config }) => ({ config, epsilons, gradient }));
    const units = plans.reduce((s, p) => s + p.epsilons.length, 0);
    let finished = 0;
    const report = await robustnessReport([{ rule, seed: Number.isInteger(seed) ? seed : 0, model: am }], ds, plans, {
      signal: ctx.signal,
      command: `POST /v1/models/${modelId}/robustness`,
      onEvent: (e) => {
        if (e.type === 'attack-done') {
          finished++;
          ctx.report({ type: 'attack-done', ...e.row }, finished / units);
        } else {
          ctx.report({ ...e }, (finished + (e.total ? e.done / e.total : 0)) / units);
        }
      },
    });
    const dir = join(ctx.jobsDir, ctx.id);
    const files = await writeRobustnessReport(dir, report);
    return { kind: 'robustness', modelId, report, files: [...files, 'result.json'], dir };
  } finally {
    restored.net.dispose();
  }
}

async function runTrain(req: TrainJobSpec, ctx: JobContext): Promise<Record<string, unknown>> {
  const { dataset, ...config } = req;
  const spec: DatasetSpec = { ...dataset };
  const data = await loadDataset(spec);
  const backend = await ctx.backend();
  let batchesPerEpoch = 1;
  const result = await train(config, { train: data.train, validation: data.validation }, {
    backend,
    signal: ctx.signal,
    onEvent: (e) => {
      let fraction = 0;
      if (e.type === 'start') batchesPerEpoch = e.batchesPerEpoch;
      else if (e.type === 'batch') fraction = (e.epoch * e.batches + e.batch) / (config.epochs * e.batches);
      else if (e.type === 'epoch') fraction = (e.epoch + 1) / e.epochs;
      else if (e.type === 'done') fraction = 1;
      ctx.report({ ...e } as ProgressEvent, Math.min(1, fraction));
    },
  });
  // Stopped by a cancel: nothing is stored, the job ends cancelled.
  ctx.signal.throwIfAborted();
  const inference = { rule: result.rule, state: result.ruleState, options: result.ruleOptions };
  const ev = evaluate(result.net, data.test, { loss: result.config.loss, inference });
  ctx.report({ type: 'test', accuracy: ev.accuracy, balancedAccuracy: ev.balancedAccuracy, loss: ev.loss, n: ev.n }, 1);
  const lastVal = result.history.at(-1)?.validation;
  const model = modelFromTraining(result, {
    dataset: {
      name: data.train.name,
      fingerprint: data.train.fingerprint,
      classNames: [...data.train.classNames],
      inputShape: [...data.train.inputShape],
      featureRange: { ...data.train.featureRange },
      task: JSON.parse(JSON.stringify(data.train.task)) as Record<string, unknown>,
    },
    metrics: {
      status: result.status,
      testAccuracy: ev.accuracy,
      balancedAccuracy: ev.balancedAccuracy,
      testLoss: ev.loss,
      testRows: ev.n,
      testFingerprint: data.test.fingerprint,
      ...(lastVal ? { validationAccuracy: lastVal.accuracy } : {}),
      trainSeconds: result.trainSeconds,
      confusion: ev.confusion,
    },
  });
  model.meta.training = {
    ...model.meta.training,
    data: spec,
    run: { status: result.status, epochsCompleted: result.history.length, trainSeconds: result.trainSeconds, backend: `${backend.name} (${backend.build})`, job: ctx.id },
  };
  result.net.dispose();
  const stored = await ctx.store.putModel(model);
  ctx.report({ type: 'saved', modelId: stored.id }, 1);
  return {
    kind: 'train',
    modelId: stored.id,
    status: result.status,
    rule: result.rule.name,
    dataset: data.train.name,
    epochsCompleted: result.history.length,
    batchesPerEpoch,
    testAccuracy: ev.accuracy,
    balancedAccuracy: ev.balancedAccuracy,
    testLoss: ev.loss,
    testRows: ev.n,
    trainSeconds: result.trainSeconds,
    ...(result.divergence ? { divergence: result.divergence } : {}),
  };
}
