// `plasticity train`: load a data set, train one rule, evaluate on the test split, save the
// model directory (model.json, weights.bin, run-config.json) atomically. Every step is a call
// into @plasticity/rules; this file only wires flags, events and files together.
import { createBackend, type Backend } from '@plasticity/core-wasm';
import {
  DataError, evaluate, getRule, loadDataset, MODEL_JSON, modelFromTraining, parseRuleOptions, parseTrainConfig, serializeModel, train,
  WEIGHTS_BIN, writeDirAtomic, type DatasetSpec, type EpochStats, type LoadedDatasets, type Model, type TrainConfig, type TrainResult,
} from '@plasticity/rules';
import { resolve } from 'node:path';
import { savedOptions, type CommandContext, type CommandDef } from '../command.js';
import { archString, fmtInt, fmtNum, fmtPct, fmtSci, fmtSeconds } from '../format.js';
import { checkRule, DATA_FLAGS, datasetSpecFrom, OUTPUT_FLAGS, trainConfigFrom, TRAIN_FLAGS } from '../flag-tables.js';
import { CliError, type FlagSpec } from '../flags.js';
import type { CliEvent } from '../output.js';

export const RUN_CONFIG = 'run-config.json';

export const OUT_FLAG: FlagSpec = {
  key: 'out', flag: '--out', arg: '<dir>', type: 'string',
  description: 'model directory to write (default runs/<rule>-<dataset>-<time>); replaced atomically',
};

export function describeTask(spec: DatasetSpec): string {
  const parts: string[] = [];
  if (spec.classes) parts.push(`classes ${spec.classes.join(',')}`);
  if (spec.oneVsRest !== undefined) parts.push(`${spec.oneVsRest} vs rest`);
  if (spec.balance) parts.push('balanced');
  if (spec.perClassCap) parts.push(`≤${spec.perClassCap}/class`);
  return parts.length ? parts.join(', ') : 'all classes';
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const USER_ERRORS = new Set(['BackendError', 'ModelError', 'AttackError', 'NetworkError', 'DataError']);

/** Library errors about user input become CliErrors (message shown as is). */
export async function userInput<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CliError) throw e;
    if (e instanceof DataError || e instanceof RangeError || USER_ERRORS.has((e as Error)?.name)) {
      throw new CliError(errorMessage(e), 1);
    }
    throw e;
  }
}

export interface TrainedRun {
  result: TrainResult;
  config: TrainConfig;
  data: LoadedDatasets;
  spec: DatasetSpec;
  backend: Backend;
  model: Model;
  test: { accuracy: number; balancedAccuracy: number; loss: number; n: number };
  /** Where the model was written, when it was. */
  dir?: string;
}

export interface TrainOnceOptions {
  /** Tag added to every event (several runs in one stream). */
  run?: Record<string, unknown>;
  /** Where to save; null: do not save. */
  outDir: string | null;
  /** Reuse loaded data and a backend across runs. */
  data?: LoadedDatasets;
  backend?: Backend;
}

function historyForFile(h: EpochStats[]): unknown[] {
  return h.map(({ validation, ...e }) => ({
    ...e,
    ...(validation ? { validation: { n: validation.n, loss: validation.loss, accuracy: validation.accuracy, balancedAccuracy: validation.balancedAccuracy } } : {}),
  }));
}

/** One training run, as `train` and the comparison experiments do it. */
export async function trainOnce(ctx: Pick<CommandContext, 'out' | 'stop' | 'interrupt'>, values: Record<string, unknown>, opts: TrainOnceOptions): Promise<TrainedRun> {
  const { out } = ctx;
  const tag = opts.run ?? {};
  const emit = (e: CliEvent) => out.emit({ ...e, ...tag });
  checkRule(String(values.rule));
  const spec = datasetSpecFrom(values);
  const config = await userInput(() => parseTrainConfig(trainConfigFrom(values)));
  await userInput(() => parseRuleOptions(getRule(config.rule), config.ruleOptions));
  const data = opts.data ?? (await userInput(() => loadDataset(spec)));
  const backend = opts.backend ?? (await userInput(() => createBackend(values.backend as 'auto')));
  const classes = data.train.classNames.length;
  emit({
    type: 'data',
    dataset: data.train.name,
    task: describeTask(spec),
    classNames: [...data.train.classNames],
    train: data.train.n,
    validation: data.validation?.n ?? 0,
    test: data.test.n,
    fingerprint: data.train.fingerprint,
    architecture: archString(data.train.d, [...config.hidden.map((size) => ({ size })), { size: config.outputUnits ?? classes }]),
  });
  const signal = AbortSignal.any([ctx.stop, ctx.interrupt]);
  const result = await userInput(() =>
    train(config, { train: data.train, validation: data.validation }, { backend, signal, onEvent: (e) => emit(e as unknown as CliEvent) }),
  );
  if (ctx.interrupt.aborted) throw new CliError('interrupted (Ctrl-C): training aborted, no model was written', 130);
  const inference = { rule: result.rule, state: result.ruleState, options: result.ruleOptions };
  const ev = evaluate(result.net, data.test, { loss: config.loss, inference });
  const test = { accuracy: ev.accuracy, balancedAccuracy: ev.balancedAccuracy, loss: ev.loss, n: ev.n };
  emit({ type: 'test', ...test, confusion: ev.confusion });
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
      testAccuracy: test.accuracy,
      balancedAccuracy: test.balancedAccuracy,
      testLoss: test.loss,
      testRows: test.n,
      testFingerprint: data.test.fingerprint,
      ...(lastVal ? { validationAccuracy: lastVal.accuracy, validationBalancedAccuracy: lastVal.balancedAccuracy, validationFingerprint: data.validation?.fingerprint } : {}),
      trainSeconds: result.trainSeconds,
      confusion: ev.confusion,
    },
  });
  // model.json's `training` is the TrainConfig (restoreModel reads its seed); the data spec
  // and how the run went sit beside it, so eval and attack can rebuild the same rows.
  model.meta.training = {
    ...model.meta.training,
    data: spec,
    run: {
      status: result.status,
      epochsCompleted: result.history.length,
      trainSeconds: result.trainSeconds,
      backend: `${backend.name} (${backend.build})`,
      history: historyForFile(result.history),
      ...(result.divergence ? { divergence: result.divergence } : {}),
      cli: savedOptions(values),
    },
  };
  let dir: string | undefined;
  if (opts.outDir !== null && !ctx.interrupt.aborted) {
    dir = resolve(opts.outDir);
    emit({ type: 'saving', dir });
    const { json, bin } = serializeModel(model);
    await writeDirAtomic(dir, { [MODEL_JSON]: json, [WEIGHTS_BIN]: bin, [RUN_CONFIG]: `${JSON.stringify(savedOptions({ ...values, out: opts.outDir }), null, 2)}\n` });
    emit({ type: 'saved', dir, files: [MODEL_JSON, WEIGHTS_BIN, RUN_CONFIG] });
  } else {
    emit({ type: 'trained' });
  }
  return { result, config, data, spec, backend, model, test, dir };
}

export function defaultOutDir(rule: string, dataset: string): string {
  const t = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${t.getFullYear()}${p(t.getMonth() + 1)}${p(t.getDate())}-${p(t.getHours())}${p(t.getMinutes())}${p(t.getSeconds())}`;
  return `runs/${rule}-${dataset.replace(/^csv:.*[\\/]/, 'csv-').replace(/[^\w.-]+/g, '_')}-${stamp}`;
}

/** Line-per-event text for the training events. */
export function formatTrainEvent(e: CliEvent): string | null {
  const pre = e.run ? `[${Object.values(e.run as object).join(' ')}] ` : e.rule && e.seed !== undefined ? `[${String(e.rule)}${e.surrogate ? ' surrogate' : ''} seed ${String(e.seed)}] ` : '';
  switch (e.type) {
    case 'data':
      return `${pre}data: ${String(e.dataset)} (${String(e.task)}), ${fmtInt(e.train as number)} train / ${fmtInt(e.validation as number)} validation / ${fmtInt(e.test as number)} test rows, network ${String(e.architecture)}`;
    case 'start':
      return `${pre}train ${String(e.rule)}: ${fmtInt(e.parameters as number)} parameters, backend ${String(e.backend)} (${String(e.build)}), ${String(e.epochs)} epochs × ${String(e.batchesPerEpoch)} batches`;
    case 'batch':
      return `${pre}epoch ${(e.epoch as number) + 1} batch ${String(e.batch)}/${String(e.batches)}: loss ${fmtNum(e.loss as number)} acc ${fmtPct(e.accuracy as number)} ${fmtInt(e.samplesPerSec as number)} samples/s`;
    case 'epoch': {
      const s = e as unknown as EpochStats & { epochs: number };
      const val = s.validation ? ` | validation loss ${fmtNum(s.validation.loss)} acc ${fmtPct(s.validation.accuracy)}` : '';
      const angles = s.angles ? ` | angle to ∇ ${s.angles.map((a) => `${fmtNum(a, 1)}°`).join(' ')}` : '';
      const diag = s.diagnostics ? ` | ${Object.entries(s.diagnostics).map(([k, v]) => `${k} ${Array.isArray(v) ? v.map((x) => fmtNum(x, 3)).join(',') : fmtNum(v, 4)}`).join(' ')}` : '';
      return `${pre}epoch ${s.epoch + 1}/${s.epochs}: loss ${fmtNum(s.trainLoss)} acc ${fmtPct(s.trainAccuracy)}${val} | ${fmtSeconds(s.seconds)}, ${fmtInt(s.samplesPerSec)} samples/s | ‖ΔW‖ ${s.updateNorms.map(fmtSci).join(' ')}${angles}${diag}`;
    }
    case 'diverged':
      return `${pre}diverged at epoch ${(e.epoch as number) + 1}, step ${String(e.step)}: ${String(e.reason)}; the last good checkpoint is kept`;
    case 'done':
      return `${pre}training ${String(e.status)}: ${String(e.epochsCompleted)} epochs in ${fmtSeconds(e.trainSeconds as number)}`;
    case 'test':
      return `${pre}test: accuracy ${fmtPct(e.accuracy as number)}, balanced accuracy ${fmtPct(e.balancedAccuracy as number)}, loss ${fmtNum(e.loss as number)} (${fmtInt(e.n as number)} rows)`;
    case 'saved':
      return `${pre}model saved to ${String(e.dir)}`;
    case 'note':
      return `note: ${String(e.message)}`;
    case 'stopping':
      return 'stopping after the current step…';
    case 'interrupting':
      return 'interrupted (Ctrl-C): stopping, nothing will be written';
    default:
      return null;
  }
}

export const trainCommand: CommandDef = {
  name: 'train',
  summary: 'train one rule on a data set and save the model',
  flags: [...DATA_FLAGS, ...TRAIN_FLAGS, OUT_FLAG, ...OUTPUT_FLAGS],
  examples: [
    'plasticity train --rule fa --dataset mnist --classes 0,1 --layers 256,256 --epochs 3 --lr 0.001 --out runs/fa-01',
    'plasticity train --rule bp --dataset iris --layers 16 --epochs 50 --batch 16 --input-transform standardize --json',
    'plasticity train --rule fa --rule-opt feedbackScale=0.5 --dataset fashion-mnist --one-vs-rest 3 --balance',
    'plasticity train --config experiment.yaml --epochs 10',
  ],
  async run(ctx) {
    const { out, values } = ctx;
    out.addFormatter(formatTrainEvent);
    const outDir = (values.out as string | undefined) ?? defaultOutDir(String(values.rule), String(values.dataset));
    const live = out.mode === 'ink' ? (await import('../ui/live-views.js')).mountTrainView(out, ctx.io, ctx.controls) : null;
    let run: TrainedRun;
    try {
      run = await trainOnce(ctx, values, { outDir });
    } finally {
      await live?.finish();
    }
    const r = run.result;
    const lastVal = r.history.at(-1)?.validation;
    out.emit({
      type: 'result',
      command: 'train',
      status: r.status,
      rule: r.rule.name,
      dataset: run.data.train.name,
      task: describeTask(run.spec),
      architecture: archString(r.net.inputSize, r.net.spec.layers),
      parameters: r.net.parameterCount(),
      backend: run.backend.name,
      seed: run.config.seed,
      epochsCompleted: r.history.length,
      testAccuracy: run.test.accuracy,
      balancedAccuracy: run.test.balancedAccuracy,
      testLoss: run.test.loss,
      testRows: run.test.n,
      validationAccuracy: lastVal?.accuracy ?? null,
      trainSeconds: r.trainSeconds,
      modelDir: run.dir ?? null,
    });
    if (out.mode === 'plain') {
      out.text(`result: ${r.status}, test accuracy ${fmtPct(run.test.accuracy)} (balanced ${fmtPct(run.test.balancedAccuracy)}), ${fmtSeconds(r.trainSeconds)} training`);
    }
    if (r.status === 'diverged') {
      ctx.io.stderr.write(`error: training diverged (${r.divergence?.reason ?? 'non-finite values'}); the last good checkpoint was saved to ${run.dir}\n`);
      return 1;
    }
    return 0;
  },
};
