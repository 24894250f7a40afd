// `plasticity compare` and `plasticity start` (the main job): the library's comparison
// experiment — two rules, several seeds, FGSM/PGD/noise/Square/transfer attacks, paired
// tests over seeds, gradient-masking checks — with its report written to a directory.
import { createBackend } from '@plasticity/core-wasm';
import { comparisonConfigSchema, listRules, loadDataset, meanInterval, runComparison, type ComparisonConfigInput, type ComparisonEvent, type ComparisonReport } from '@plasticity/rules';
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandContext, CommandDef } from '../command.js';
import { checkRule, DATA_FLAGS, datasetSpecFrom, hasParallelMode, OUTPUT_FLAGS, parallelOption, trainConfigFrom, TRAIN_FLAGS } from '../flag-tables.js';
import { fmtPct, table } from '../format.js';
import { CliError, type FlagSpec } from '../flags.js';
import type { CliEvent } from '../output.js';
import { formatExperimentEvent, reportEvent, throttled } from './attack.js';
import { defaultOutDir, describeTask, formatTrainEvent, userInput } from './train.js';

const C = comparisonConfigSchema.parse({});

/** The STDP-derived local rule of the main job, and what stands in for it until it is registered. */
export const LOCAL_RULE = 'gupta';
export const FALLBACK_RULE = 'fa';
/** The local rule's own optimiser: its options hold the per-layer rates, so plain SGD at lr 1, decaying linearly (research/gupta/NOTE.md §2). */
export const LOCAL_OPTIMIZERS = { [LOCAL_RULE]: { kind: 'sgd', lr: 1, schedule: { kind: 'linear' } } };

const COMPARE_ONLY: readonly FlagSpec[] = [
  { key: 'rules', flag: '--rules', arg: '<a,b>', type: 'string-list', default: C.rules, description: 'the two rules compared (the difference is reported as a − b)' },
  { key: 'seeds', flag: '--seeds', arg: '<n>', type: 'int', min: 2, default: C.seeds.length, description: 'train each rule on seeds 1..n (same data order and initialisation for both rules)' },
  { key: 'seedList', flag: '--seed-list', arg: '<list>', type: 'int-list', description: 'explicit seeds instead of 1..n (at least two)' },
  { key: 'ruleOptions', flag: '--rule-options', arg: '<json>', type: 'json', description: 'options per rule, e.g. \'{"fa": {"feedbackScale": 0.5}}\'' },
  {
    key: 'optimizers', flag: '--optimizers', arg: '<json>', type: 'json', default: LOCAL_OPTIMIZERS,
    description: "optimiser per rule, replacing --optimizer/--lr/--schedule for that rule only (architecture, data and epochs stay shared); gupta's updates carry their own per-layer rates and are written for plain SGD at lr 1",
  },
  { key: 'eps', flag: '--eps', arg: '<list>', type: 'number-list', min: 0, default: C.epsilons, description: 'ε list for FGSM, PGD and noise' },
  { key: 'pgdSteps', flag: '--pgd-steps', arg: '<n>', type: 'int', min: 1, default: C.pgd.steps, description: 'PGD steps' },
  { key: 'pgdRestarts', flag: '--pgd-restarts', arg: '<n>', type: 'int', min: 1, default: C.pgd.restarts, description: 'PGD random restarts' },
  { key: 'attackRows', flag: '--attack-rows', arg: '<n>', type: 'int', min: 1, default: C.attackRows, description: 'attack at most the first n test rows' },
  { key: 'checkEps', flag: '--check-eps', arg: '<x>', type: 'number', above: 0, default: C.checkEpsilon, description: 'ε of the Square and transfer checks and of the example grid' },
  { key: 'largeEps', flag: '--large-eps', arg: '<x>', type: 'number', above: 0, description: 'ε of the "accuracy falls to ~0" check (default: the feature range width)' },
  { key: 'squareQueries', flag: '--square-queries', arg: '<n>', type: 'int', min: 1, default: C.square.queries, description: 'Square attack query budget per row' },
  { key: 'transfer', flag: '--no-transfer', type: 'bool', default: true, description: 'skip the transfer attacks from a separately trained BP surrogate' },
  { key: 'ruleGradient', flag: '--no-rule-gradient', type: 'bool', default: true, description: "skip FGSM through each rule's own feedback path" },
  { key: 'examples', flag: '--examples', arg: '<n>', type: 'int', min: 0, default: C.examples, description: 'adversarial examples per rule in the picture grid (images only)' },
  { key: 'out', flag: '--out', arg: '<dir>', type: 'string', description: 'report directory (default runs/compare-<a>-<b>-<time>)' },
];

const SHARED_TRAIN = TRAIN_FLAGS.filter((f) => !['rule', 'ruleOpt', 'ruleOptions', 'seed'].includes(f.key));

function withDefaults(flags: readonly FlagSpec[], defaults: Record<string, unknown>): FlagSpec[] {
  return flags.map((f) => (f.key in defaults ? { ...f, default: defaults[f.key] } : f));
}

export function compareFlags(defaults: Record<string, unknown> = {}): FlagSpec[] {
  return withDefaults([...COMPARE_ONLY, ...DATA_FLAGS, ...SHARED_TRAIN, ...OUTPUT_FLAGS], defaults);
}

/** The comparison config the flags describe. */
export function comparisonConfigFrom(values: Record<string, unknown>, rules: [string, string]): ComparisonConfigInput {
  const { rule: _r, seed: _s, ruleOptions: _o, ...train } = trainConfigFrom({ ...values, rule: rules[0], seed: 1, ruleOptions: undefined, ruleOpt: undefined, parallel: undefined });
  const ruleOptions = { ...((values.ruleOptions as Record<string, Record<string, unknown>> | undefined) ?? {}) };
  if (values.parallel !== undefined) {
    const parallel = rules.filter(hasParallelMode);
    if (values.parallel === 'layers' && parallel.length === 0) parallelOption(rules[0], 'layers'); // throws, naming the rules that have one
    for (const r of parallel) ruleOptions[r] = { ...(ruleOptions[r] ?? {}), parallel: values.parallel };
  }
  const optimizers = Object.fromEntries(Object.entries((values.optimizers as Record<string, Record<string, unknown>> | undefined) ?? {}).filter(([r]) => rules.includes(r)));
  const seeds = (values.seedList as number[] | undefined) ?? Array.from({ length: values.seeds as number }, (_, i) => i + 1);
  if (seeds.length < 2) throw new CliError('--seed-list needs at least two seeds (the paired test compares over seeds)');
  return {
    rules,
    ruleOptions,
    optimizers,
    dataset: datasetSpecFrom(values) as unknown as Record<string, unknown>,
    train,
    seeds,
    epsilons: values.eps as number[],
    pgd: { steps: values.pgdSteps as number, restarts: values.pgdRestarts as number },
    attackRows: values.attackRows as number,
    checkEpsilon: values.checkEps as number,
    ...(values.largeEps !== undefined ? { largeEpsilon: values.largeEps as number } : {}),
    square: { queries: values.squareQueries as number, pInit: C.square.pInit },
    transfer: values.transfer as boolean,
    ruleGradient: values.ruleGradient as boolean,
    examples: values.examples as number,
  };
}

/** Lines of the closing table: clean, then FGSM and PGD per ε; a − b with its 95% interval and p. */
export function comparisonTable(report: ComparisonReport): string {
  const [a, b] = report.comparison.rules;
  const mean = (v: number[]) => meanInterval(v).mean;
  const rows = report.comparison.tests.map((t) => [
    t.series,
    t.series === 'clean' ? '' : String(t.epsilon),
    fmtPct(mean(t.a), 1),
    fmtPct(mean(t.b), 1),
    `${t.meanDifference >= 0 ? '+' : ''}${(100 * t.meanDifference).toFixed(1)} [${(100 * t.lo).toFixed(1)}, ${(100 * t.hi).toFixed(1)}]`,
    Number.isFinite(t.p) ? (t.p < 1e-4 ? t.p.toExponential(1) : t.p.toFixed(4)) : '–',
  ]);
  return table(['accuracy', 'ε', a, b, `${a} − ${b} (points, 95% CI)`, 'p'], rows, ['left', 'right', 'right', 'right', 'right', 'right']);
}

function flatten(e: ComparisonEvent): CliEvent {
  switch (e.type) {
    case 'train':
      return { ...(e.event as unknown as CliEvent), rule: e.rule, seed: e.seed, surrogate: e.surrogate };
    case 'trained':
      return { type: 'trained', ...e.run };
    case 'attack':
      return reportEvent(e.event);
    case 'check':
      return { type: 'check', ...e.check };
    case 'done':
      return { type: 'finished', seconds: e.seconds, outDir: e.outDir };
    default:
      return { ...e };
  }
}

function meanOf(report: ComparisonReport, rule: string, pick: (r: ComparisonReport['comparison']['training'][number]) => number): number {
  const v = report.comparison.training.filter((r) => r.rule === rule && !r.surrogate).map(pick);
  return v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
}

export async function runCompare(ctx: CommandContext, name: 'compare' | 'start'): Promise<number> {
  const { out, values } = ctx;
  out.addFormatter(formatTrainEvent);
  out.addFormatter((e) => (e.type === 'batch' || e.type === 'start' || e.type === 'data' ? null : formatExperimentEvent(e)));
  let rules = values.rules as string[];
  if (rules.length !== 2) throw new CliError(`--rules takes exactly two rules, e.g. --rules ${LOCAL_RULE},bp; got ${rules.join(',') || 'none'}`);
  if (ctx.sources.rules === 'default' && rules.includes(LOCAL_RULE) && !listRules().some((r) => r.name === LOCAL_RULE)) {
    rules = rules.map((r) => (r === LOCAL_RULE ? FALLBACK_RULE : r));
    out.note(`the STDP-derived local rule '${LOCAL_RULE}' is not registered in this build yet; comparing '${FALLBACK_RULE}' (feedback alignment) with '${rules.find((r) => r !== FALLBACK_RULE)}' instead`);
  }
  for (const r of rules) checkRule(r, '--rules');
  const config = comparisonConfigFrom(values, rules as [string, string]);
  const dir = resolve(String(values.out ?? defaultOutDir(`${name === 'start' ? 'main' : 'compare'}-${rules.join('-vs-')}`, String(values.dataset))));
  const spec = datasetSpecFrom(values);
  const data = await userInput(() => loadDataset(spec));
  const backend = await userInput(() => createBackend(values.backend as 'auto'));
  const seeds = config.seeds as number[];
  const title = `plasticity ${name} · ${rules[0]} vs ${rules[1]} · ${data.train.name} (${describeTask(spec)}) · hidden ${JSON.stringify(config.train?.hidden)} · ${seeds.length} seeds · ${backend.name}`;
  out.emit({ type: 'title', title, rules, seeds, dataset: data.train.name, task: describeTask(spec), train: data.train.n, validation: data.validation?.n ?? 0, test: data.test.n, outDir: dir });
  const live = out.mode === 'ink' ? (await import('../ui/live-views.js')).mountExperimentView(out, ctx.io, ctx.controls, title) : null;
  const emit = throttled((e) => out.emit(e));
  let report: ComparisonReport;
  try {
    report = await userInput(() =>
      runComparison(config, {
        backend,
        data,
        outDir: dir,
        command: `plasticity ${name} ${process.argv.slice(3).join(' ')}`.trim(),
        signal: AbortSignal.any([ctx.stop, ctx.interrupt]),
        onEvent: (e) => emit(flatten(e)),
      }),
    );
  } catch (e) {
    await live?.finish();
    if ((e as Error)?.name === 'AbortError' || ctx.interrupt.aborted || ctx.stop.aborted) throw new CliError(`interrupted: the ${name === 'start' ? 'main job' : 'comparison'} was cut short; no report was written`, 130);
    throw e;
  }
  out.emit({ type: 'table', text: comparisonTable(report) });
  out.emit({ type: 'written', dir, files: (await readdir(dir)).sort() });
  await live?.finish();
  const c = report.comparison;
  const perRule = <T>(f: (rule: string) => T) => Object.fromEntries(c.rules.map((r) => [r, f(r)]));
  const robust = (series: string) =>
    perRule((r) => Object.fromEntries(report.summary.filter((s) => s.rule === r && s.series === series && c.config.epsilons.includes(s.epsilon)).map((s) => [String(s.epsilon), s.robustAccuracy.mean])));
  out.emit({
    type: 'result',
    command: name,
    rules: c.rules,
    seeds: c.config.seeds,
    dataset: report.dataset.name,
    task: describeTask(spec),
    backend: c.backend.name,
    testAccuracy: perRule((r) => meanOf(report, r, (x) => x.testAccuracy)),
    cleanAccuracy: perRule((r) => meanInterval(report.models.filter((m) => m.rule === r).map((m) => m.cleanAccuracy)).mean),
    robustAccuracy: robust('fgsm'),
    pgdRobustAccuracy: robust('pgd'),
    differences: c.tests.map((t) => ({ series: t.series, epsilon: t.epsilon, meanDifference: t.meanDifference, lo: t.lo, hi: t.hi, p: t.p })),
    checks: c.checks.map((k) => ({ name: k.name, pass: k.pass })),
    trainSeconds: perRule((r) => meanOf(report, r, (x) => x.trainSeconds)),
    seconds: c.seconds,
    reportDir: dir,
  });
  return 0;
}

export const compareCommand: CommandDef = {
  name: 'compare',
  summary: 'the robustness comparison: two rules × several seeds, attacked, with paired tests and sanity checks',
  flags: compareFlags(),
  examples: [
    'plasticity compare --rules gupta,bp --seeds 5 --dataset mnist --classes 0,1 --epochs 3',
    'plasticity compare --rules fa,bp --seeds 3 --dataset fashion-mnist --one-vs-rest 9 --balance --eps 0,0.05,0.1 --json',
  ],
  run: (ctx) => runCompare(ctx, 'compare'),
};

/** The main job's settings: small enough to finish in a few minutes on two cores. */
export const MAIN_JOB = {
  rules: [LOCAL_RULE, 'bp'],
  seeds: 3,
  dataset: 'mnist',
  classes: [0, 1],
  // The latency code t = T(1 − a) reads sigmoid hidden units; bp trains the identical net (softmax
  // output, cross-entropy), gupta with its own rates under plain SGD (--optimizers), bp with Adam.
  layers: [256, 256],
  activation: 'sigmoid',
  batch: 32,
  epochs: 2,
  eps: [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
  pgdSteps: 10,
  attackRows: 500,
  squareQueries: 200,
};

export const startCommand: CommandDef = {
  name: 'start',
  summary: `the main job: ${LOCAL_RULE} (STDP-derived local rule) and bp on MNIST 0 vs 1, two hidden layers, then the FGSM/PGD comparison and its table`,
  flags: compareFlags(MAIN_JOB),
  examples: ['plasticity start', 'npm start', 'plasticity start --seeds 5 --epochs 3 --out runs/main'],
  run: (ctx) => runCompare(ctx, 'start'),
};
