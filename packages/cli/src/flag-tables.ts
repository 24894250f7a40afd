// The flag tables shared by several commands, and how their values become the library's
// inputs (a DatasetSpec, a TrainConfigInput). Defaults come from the library's own schemas,
// so the CLI and code that calls @plasticity/rules directly agree.
import { listBackends } from '@plasticity/core-wasm';
import { listDatasets, listRules, optimizerSchema, scheduleSchema, trainConfigSchema, type DatasetSpec, type TrainConfigInput } from '@plasticity/rules';
import { CliError, type FlagSpec } from './flags.js';

const T = trainConfigSchema.shape;
const TRAIN_DEFAULTS = trainConfigSchema.parse({});
const OPT_DEFAULTS = optimizerSchema.parse({});

export const datasetNames = (): string[] => listDatasets().map((d) => d.name);
export const ruleNames = (): string[] => listRules().map((r) => r.name);
export const backendNames = (): string[] => ['auto', ...listBackends().map((b) => b.name)];

export const OUTPUT_FLAGS: readonly FlagSpec[] = [
  { key: 'config', flag: '--config', arg: '<file>', type: 'string', description: 'read options from a JSON or YAML file; flags on the command line override it' },
  { key: 'json', flag: '--json', type: 'bool', description: 'print one JSON object per line (each with a "type"; the last is {"type":"result"})' },
  { key: 'plain', flag: '--plain', type: 'bool', description: 'plain line-per-event logs even on a terminal (no interactive view)' },
];

export const BACKEND_FLAG: FlagSpec = {
  key: 'backend', flag: '--backend', arg: '<name>', type: 'string', default: 'auto', choices: backendNames,
  description: 'compute backend: wasm-simd (AssemblyScript SIMD kernels), tfjs-wasm, reference (float64, slow) or auto (the best available)',
};

export const DATA_FLAGS: readonly FlagSpec[] = [
  {
    key: 'dataset', flag: '--dataset', arg: '<name>', type: 'string', default: 'mnist',
    description: 'data set: mnist, fashion-mnist, iris, cifar10 (needs --data-dir) or csv:PATH (needs --label)',
  },
  { key: 'dataDir', flag: '--data-dir', arg: '<dir>', type: 'string', description: 'folder holding the IDX files (MNIST, Fashion-MNIST) or CIFAR-10 binary batches' },
  { key: 'label', flag: '--label', arg: '<column>', type: 'string', description: 'CSV: the name of the label column' },
  { key: 'classes', flag: '--classes', arg: '<list>', type: 'int-list', min: 0, description: 'keep only these source classes, relabelled 0..k-1 in this order (e.g. 0,1)' },
  { key: 'oneVsRest', flag: '--one-vs-rest', arg: '<class>', type: 'int', min: 0, description: 'binary task: this source class against all others' },
  { key: 'balance', flag: '--balance', type: 'bool', description: 'subsample every class to the size of the smallest (with --one-vs-rest: as many "rest" as positives)' },
  { key: 'perClassCap', flag: '--per-class-cap', arg: '<n>', type: 'int', min: 1, description: 'at most n training rows per class (seeded choice), for quick runs' },
  { key: 'testPerClassCap', flag: '--test-per-class-cap', arg: '<n>', type: 'int', min: 1, description: 'at most n test rows per class (seeded choice)' },
  { key: 'validation', flag: '--validation', arg: '<fraction>', type: 'number', min: 0, below: 1, default: 0.1, description: 'fraction of the training rows held out for validation each epoch (0: none)' },
  { key: 'testFraction', flag: '--test-fraction', arg: '<fraction>', type: 'number', above: 0, below: 1, description: 'test share for sets without an official test split (IRIS, CSV)' },
  { key: 'testSeed', flag: '--test-seed', arg: '<n>', type: 'int', description: 'seeds the test side (split of IRIS/CSV, test caps); default 0 so the test set stays put across --seed' },
];

export const TRAIN_FLAGS: readonly FlagSpec[] = [
  { key: 'rule', flag: '--rule', arg: '<name>', type: 'string', default: TRAIN_DEFAULTS.rule, description: `learning rule: ${ruleNames().join(', ')} (see \`plasticity rules\`)` },
  { key: 'ruleOpt', flag: '--rule-opt', arg: '<key=value>', type: 'key-value', description: 'one typed rule option, repeatable (e.g. --rule-opt feedbackScale=0.5)' },
  { key: 'ruleOptions', flag: '--rule-options', arg: '<json>', type: 'json', description: 'rule options as a JSON object; --rule-opt entries override its keys' },
  { key: 'layers', flag: '--layers', arg: '<sizes>', type: 'int-list', min: 1, default: TRAIN_DEFAULTS.hidden, description: 'hidden layer widths, comma-separated (the output width is the class count)' },
  { key: 'activation', flag: '--activation', arg: '<name>', type: 'string', default: TRAIN_DEFAULTS.activation, choices: T.activation.unwrap().options, description: 'hidden-layer activation' },
  { key: 'output', flag: '--output', arg: '<name>', type: 'string', default: TRAIN_DEFAULTS.output, choices: T.output.unwrap().options, description: 'output activation' },
  { key: 'outputUnits', flag: '--output-units', arg: '<n>', type: 'int', min: 1, description: 'output width when wider than the class count (auxiliary units, e.g. gait-prop square nets; needs --loss mse)' },
  { key: 'leakySlope', flag: '--leaky-slope', arg: '<x>', type: 'number', min: 0, default: TRAIN_DEFAULTS.leakySlope, description: 'negative slope of leaky-relu layers' },
  { key: 'loss', flag: '--loss', arg: '<name>', type: 'string', default: TRAIN_DEFAULTS.loss, choices: T.loss.unwrap().options, description: 'training loss' },
  { key: 'init', flag: '--init', arg: '<name>', type: 'string', default: TRAIN_DEFAULTS.init, choices: T.init.unwrap().options as string[], description: 'weight initialiser' },
  { key: 'inputTransform', flag: '--input-transform', arg: '<kind>', type: 'string', default: TRAIN_DEFAULTS.inputTransform, choices: T.inputTransform.unwrap().options, description: 'input normalisation fitted on the training split and stored in the model' },
  { key: 'epochs', flag: '--epochs', arg: '<n>', type: 'int', min: 1, default: TRAIN_DEFAULTS.epochs, description: 'passes over the training set' },
  { key: 'batch', flag: '--batch', arg: '<n>', type: 'int', min: 1, default: TRAIN_DEFAULTS.batchSize, description: 'mini-batch size' },
  { key: 'optimizer', flag: '--optimizer', arg: '<kind>', type: 'string', default: OPT_DEFAULTS.kind, choices: optimizerSchema.shape.kind.unwrap().options, description: 'optimiser' },
  { key: 'lr', flag: '--lr', arg: '<x>', type: 'number', above: 0, default: OPT_DEFAULTS.lr, description: 'learning rate' },
  { key: 'momentum', flag: '--momentum', arg: '<x>', type: 'number', min: 0, below: 1, default: OPT_DEFAULTS.momentum, description: 'momentum (optimizer momentum)' },
  { key: 'weightDecay', flag: '--weight-decay', arg: '<x>', type: 'number', min: 0, default: OPT_DEFAULTS.weightDecay, description: 'L2 weight decay (decoupled for adam)' },
  { key: 'schedule', flag: '--schedule', arg: '<kind>', type: 'string', default: 'constant', choices: scheduleSchema.options.map((o) => o.shape.kind.value), description: 'learning-rate schedule per epoch' },
  { key: 'stepEvery', flag: '--step-every', arg: '<epochs>', type: 'int', min: 1, description: 'step schedule: multiply the rate by --step-gamma every this many epochs (default 10)' },
  { key: 'stepGamma', flag: '--step-gamma', arg: '<x>', type: 'number', above: 0, description: 'step schedule: the factor (default 0.5)' },
  { key: 'minLr', flag: '--min-lr', arg: '<x>', type: 'number', min: 0, description: 'cosine schedule: the final rate (default 0)' },
  { key: 'seed', flag: '--seed', arg: '<n>', type: 'int', default: TRAIN_DEFAULTS.seed, description: 'seeds initialisation, data order, the validation split and caps' },
  { key: 'angleEvery', flag: '--angle-every', arg: '<steps>', type: 'int', min: 0, default: TRAIN_DEFAULTS.angleEvery, description: 'measure the angle to the true gradient every n steps (0: about 10 times per epoch)' },
  { key: 'progressEvery', flag: '--progress-every', arg: '<batches>', type: 'int', min: 1, default: TRAIN_DEFAULTS.progressEvery, description: 'report progress every n batches' },
  {
    key: 'parallel', flag: '--parallel', arg: '<mode>', type: 'string', choices: ['none', 'layers'],
    description: "layers: every layer's update on its own worker thread (rules whose layers update independently, e.g. gupta); the same updates as none",
  },
  BACKEND_FLAG,
];

/** `--dataset csv:PATH` → { name: 'csv', path }. */
export function parseDatasetName(value: string): { name: DatasetSpec['name']; path?: string } {
  if (value.startsWith('csv:')) {
    const path = value.slice(4);
    if (!path) throw new CliError(`--dataset csv:PATH needs a path after "csv:", e.g. --dataset csv:data/table.csv`);
    return { name: 'csv', path };
  }
  const names = datasetNames().filter((n) => n !== 'csv');
  if (value === 'csv') throw new CliError(`--dataset csv needs the file: --dataset csv:PATH (and --label COLUMN)`);
  if (!names.includes(value)) throw new CliError(`--dataset: unknown data set '${value}'; known data sets are ${names.join(', ')}, csv:PATH`);
  return { name: value as DatasetSpec['name'] };
}

export function datasetSpecFrom(v: Record<string, unknown>): DatasetSpec {
  const { name, path } = parseDatasetName(String(v.dataset));
  if (v.classes !== undefined && v.oneVsRest !== undefined) throw new CliError('--classes and --one-vs-rest cannot be used together: pick one task');
  const spec: DatasetSpec = { name };
  if (path !== undefined) spec.path = path;
  const copy = ['dataDir', 'label', 'classes', 'oneVsRest', 'perClassCap', 'testPerClassCap', 'testFraction', 'testSeed'] as const;
  for (const k of copy) if (v[k] !== undefined) (spec as unknown as Record<string, unknown>)[k] = v[k];
  if (v.balance) spec.balance = true;
  if (v.validation !== undefined && v.validation !== 0) spec.validation = v.validation as number;
  if (v.seed !== undefined) spec.seed = v.seed as number;
  return spec;
}

export function ruleOptionsFrom(v: Record<string, unknown>): Record<string, unknown> {
  return { ...((v.ruleOptions as object | undefined) ?? {}), ...((v.ruleOpt as object | undefined) ?? {}) };
}

/** Whether a registered rule has the `parallel` option (a layer-parallel mode). */
export function hasParallelMode(rule: string): boolean {
  return listRules().find((r) => r.name === rule)?.options.safeParse({ parallel: 'layers' }).success ?? false;
}

/** `--parallel` as the rule's own `parallel` option; a rule without one refuses 'layers' by name. */
export function parallelOption(rule: string, mode: unknown): Record<string, unknown> {
  if (mode === undefined) return {};
  if (hasParallelMode(rule)) return { parallel: mode };
  if (mode === 'none') return {};
  const have = listRules().map((r) => r.name).filter(hasParallelMode);
  throw new CliError(`--parallel ${String(mode)}: rule '${rule}' has no layer-parallel mode; rules whose layers update independently have one (${have.join(', ') || 'none registered'})`);
}

export function trainConfigFrom(v: Record<string, unknown>, rule = String(v.rule)): TrainConfigInput {
  const schedule =
    v.schedule === 'step'
      ? { kind: 'step' as const, ...(v.stepEvery !== undefined ? { every: v.stepEvery as number } : {}), ...(v.stepGamma !== undefined ? { gamma: v.stepGamma as number } : {}) }
      : v.schedule === 'cosine'
        ? { kind: 'cosine' as const, ...(v.minLr !== undefined ? { minLr: v.minLr as number } : {}) }
        : v.schedule === 'linear'
          ? { kind: 'linear' as const }
          : { kind: 'constant' as const };
  return {
    rule,
    ruleOptions: { ...ruleOptionsFrom(v), ...parallelOption(rule, v.parallel) },
    hidden: v.layers as number[],
    activation: v.activation as TrainConfigInput['activation'],
    output: v.output as TrainConfigInput['output'],
    loss: v.loss as TrainConfigInput['loss'],
    leakySlope: v.leakySlope as number,
    ...(v.outputUnits !== undefined ? { outputUnits: v.outputUnits as number } : {}),
    init: v.init as string,
    inputTransform: v.inputTransform as TrainConfigInput['inputTransform'],
    epochs: v.epochs as number,
    batchSize: v.batch as number,
    optimizer: { kind: v.optimizer as 'adam', lr: v.lr as number, momentum: v.momentum as number, weightDecay: v.weightDecay as number, schedule },
    seed: v.seed as number,
    angleEvery: v.angleEvery as number,
    progressEvery: v.progressEvery as number,
  };
}

/** The rule exists? Otherwise a message that lists the registered ones. */
export function checkRule(name: string, flag = '--rule'): void {
  const names = ruleNames();
  if (!names.includes(name)) throw new CliError(`${flag}: unknown rule '${name}'; registered rules are ${names.join(', ')}`);
}
