// `plasticity eval`: a saved model on the split it was trained for, rebuilt from the data
// spec stored in model.json; the data fingerprint says whether the rows are the same ones.
import { createBackend, type Backend } from '@plasticity/core-wasm';
import { evaluate, loadDataset, restoreModel, type DatasetSpec, type Inference, type LoadedDatasets, type Model, type Network } from '@plasticity/rules';
import { resolve } from 'node:path';
import type { CommandContext, CommandDef } from '../command.js';
import { BACKEND_FLAG, OUTPUT_FLAGS } from '../flag-tables.js';
import { fmtInt, fmtNum, fmtPct, table } from '../format.js';
import { CliError, type FlagSpec } from '../flags.js';
import { MODEL_FLAG, readModel } from './info.js';
import { userInput } from './train.js';

export const DATA_OVERRIDE_FLAGS: readonly FlagSpec[] = [
  { key: 'dataDir', flag: '--data-dir', arg: '<dir>', type: 'string', description: 'where the data files are now, if not where they were at training time' },
  { key: 'path', flag: '--path', arg: '<file>', type: 'string', description: 'CSV models: where the CSV file is now' },
];

/** The data spec a model was trained on, with paths the user moved. */
export function specOfModel(m: Model, values: Record<string, unknown>, dir: string): DatasetSpec {
  const t = m.meta.training as { data?: DatasetSpec } | undefined;
  if (!t?.data) throw new CliError(`${dir}: model.json has no training.data (the data set spec); was it written by \`plasticity train\`?`, 1);
  const spec: DatasetSpec = { ...t.data };
  if (values.dataDir !== undefined) spec.dataDir = String(values.dataDir);
  if (values.path !== undefined) spec.path = String(values.path);
  return spec;
}

export interface LoadedModel {
  dir: string;
  model: Model;
  backend: Backend;
  spec: DatasetSpec;
  data: LoadedDatasets;
  net: Network;
  /** How the model infers (its rule's own dynamics where it has them) and its rule state. */
  inference: Inference;
  /** Whether the training rows rebuilt from the spec hash to the fingerprint in model.json. */
  fingerprintMatches: boolean;
}

/** A model, its data rebuilt from the stored spec, and how it infers. */
export async function loadModelAndData(ctx: Pick<CommandContext, 'out' | 'values'>, values = ctx.values): Promise<LoadedModel> {
  const dir = resolve(String(values.model));
  const model = await readModel(dir);
  const spec = specOfModel(model, values, dir);
  const data = await userInput(() => loadDataset(spec));
  const backend = await userInput(() => createBackend(values.backend as 'auto'));
  const fingerprintMatches = model.meta.dataset?.fingerprint === data.train.fingerprint;
  if (!fingerprintMatches) ctx.out.note(`the training rows rebuilt from the stored spec do not match the model's data fingerprint (files changed?); figures are for the data found now`);
  const { net, inference } = await userInput(() => restoreModel(backend, model));
  return { dir, model, backend, spec, data, net, inference, fingerprintMatches };
}

export const evalCommand: CommandDef = {
  name: 'eval',
  summary: 'evaluate a saved model on its test split (or another split)',
  flags: [
    MODEL_FLAG,
    { key: 'split', flag: '--split', arg: '<name>', type: 'string', default: 'test', choices: ['test', 'validation', 'train'], description: 'which split of the model\'s data set to evaluate on' },
    ...DATA_OVERRIDE_FLAGS,
    BACKEND_FLAG,
    ...OUTPUT_FLAGS,
  ],
  examples: ['plasticity eval --model runs/fa-01', 'plasticity eval --model runs/fa-01 --split validation --json'],
  async run(ctx) {
    const { out, values } = ctx;
    const lm = await loadModelAndData(ctx);
    const split = String(values.split) as 'test' | 'validation' | 'train';
    const ds = lm.data[split];
    if (!ds) throw new CliError(`--split validation: the model was trained without a validation split (its --validation was 0)`);
    const loss = (lm.model.meta.training as { loss?: 'cross-entropy' | 'mse' } | undefined)?.loss;
    const r = evaluate(lm.net, ds, { inference: lm.inference, ...(loss ? { loss } : {}) });
    const names = ds.classNames;
    out.text(
      [
        `${String(values.model)}: ${lm.model.meta.rule.name} on ${ds.name} ${split} (${fmtInt(r.n)} rows)`,
        `accuracy ${fmtPct(r.accuracy)}  balanced accuracy ${fmtPct(r.balancedAccuracy)}  loss ${fmtNum(r.loss)}`,
        '',
        'confusion (rows: true class, columns: predicted)',
        table(['', ...names], r.confusion.slice(0, names.length).map((row, i) => [names[i], ...row.slice(0, names.length).map(String)])),
      ].join('\n'),
    );
    out.emit({
      type: 'result',
      command: 'eval',
      modelDir: lm.dir,
      rule: lm.model.meta.rule.name,
      dataset: ds.name,
      split,
      rows: r.n,
      ...(split === 'test' ? { testAccuracy: r.accuracy } : {}),
      accuracy: r.accuracy,
      balancedAccuracy: r.balancedAccuracy,
      loss: r.loss,
      confusion: r.confusion,
      fingerprintMatches: lm.fingerprintMatches,
    });
  },
};
