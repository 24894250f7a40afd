// The comparison experiment: train rule A and rule B with the same architecture, data and
// budget on several seeds, attack every model (FGSM and PGD over a list of ε, random noise,
// the rule's own gradient, a transfer surrogate, the gradient-free Square attack), test the
// A−B difference paired over seeds, and run the gradient-masking sanity checks
// (Carlini et al. 2019, "On Evaluating Adversarial Robustness", §5). One call; the CLI and the
// server both use it.
import type { Backend } from '@plasticity/core-wasm';
import { z } from 'zod';
import { loadDataset } from '../data/dataset.js';
import type { Dataset, DatasetSpec } from '../data/types.js';
import { evaluate } from '../engine/evaluate.js';
import { getRule } from '../engine/rule.js';
import { train, type TrainEvent, type TrainResult } from '../engine/train.js';
import type { AttackModel } from '../attacks/model.js';
import { writeFileAtomic } from '../model/files.js';
import { exampleGrid, isImageShape, type GridExample } from './grid.js';
import { accuracySpec, renderSvg, svgToPng } from './plot.js';
import {
  robustnessReport, rowsCsv, summaryCsv, toCsv,
  type AttackPlan, type ReportEvent, type ReportModel, type RobustnessReport, type RobustnessRow,
} from './robustness.js';
import { pairedTTest, type PairedTest } from './stats.js';

export const comparisonConfigSchema = z
  .object({
    /** The two rules compared; the difference is reported as A − B. */
    rules: z.array(z.string().min(1)).length(2).default(['gupta', 'bp']),
    /** Options per rule name, e.g. { fa: { feedbackScale: 1 } }. */
    ruleOptions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** The data set (see DatasetSpec); default MNIST 0 vs 1. */
    dataset: z.record(z.string(), z.unknown()).default({ name: 'mnist', classes: [0, 1] }),
    /**
     * Per-rule optimiser replacing train.optimizer for that rule only (architecture, data, epochs
     * and batch size stay shared), e.g. a local rule whose updates carry their own per-layer
     * rates and are written for plain SGD at lr 1 ('gupta').
     */
    optimizers: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** The training config both rules share (rule and seed are set per run). */
    train: z.record(z.string(), z.unknown()).default({ hidden: [256], activation: 'relu', epochs: 3, batchSize: 64, optimizer: { kind: 'adam', lr: 1e-3 } }),
    /** Each seed trains one model per rule (same data order and initialisation for both). */
    seeds: z.array(z.number().int()).min(2).default([1, 2, 3, 4, 5]),
    epsilons: z.array(z.number().finite().nonnegative()).min(1).default([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]),
    pgd: z
      .object({ steps: z.number().int().positive().default(20), restarts: z.number().int().positive().default(1), stepSize: z.number().positive().optional() })
      .default({ steps: 20, restarts: 1 }),
    /** At most this many test rows are attacked (the first ones, in test-set order). */
    attackRows: z.number().int().positive().default(1000),
    /** ε of the black-box checks (Square, PGD transfer) and of the example grid. */
    checkEpsilon: z.number().finite().positive().default(0.1),
    /** ε of the "accuracy falls to ~0" check; default the full width of the feature range. */
    largeEpsilon: z.number().finite().positive().optional(),
    square: z.object({ queries: z.number().int().positive().default(500), pInit: z.number().gt(0).lte(1).default(0.05) }).default({ queries: 500, pInit: 0.05 }),
    /** Craft FGSM/PGD on a separately trained BP surrogate (seed + 10000) too. */
    transfer: z.boolean().default(true),
    /** FGSM with each rule's own feedback path as the gradient, where the rule has one. */
    ruleGradient: z.boolean().default(true),
    /** Examples per rule in the picture grid (image data only). */
    examples: z.number().int().nonnegative().default(8),
    tolerances: z
      .object({
        /** PGD may be at most this much above FGSM. */
        pgdOverFgsm: z.number().nonnegative().default(0.005),
        /** Accuracy at the large ε must be at most this. */
        largeEpsilonAccuracy: z.number().nonnegative().default(0.05),
        /** Noise may cost at most this fraction of FGSM's drop (plus 1 point). */
        noiseFraction: z.number().nonnegative().default(0.5),
        /** A black-box or transfer attack may beat white-box PGD by at most this much. */
        blackBox: z.number().nonnegative().default(0.05),
      })
      .default({ pgdOverFgsm: 0.005, largeEpsilonAccuracy: 0.05, noiseFraction: 0.5, blackBox: 0.05 }),
  })
  .strict();

export type ComparisonConfig = z.output<typeof comparisonConfigSchema>;
export type ComparisonConfigInput = z.input<typeof comparisonConfigSchema>;

export function parseComparisonConfig(input: unknown): ComparisonConfig {
  const r = comparisonConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new RangeError(`comparison config is not valid: ${issues}`);
  }
  return r.data;
}

export interface SanityCheck {
  name: string;
  pass: boolean;
  detail: string;
}

export interface PairedRow extends PairedTest {
  series: string;
  epsilon: number;
  /** Per-seed values of rule A and rule B, in seed order. */
  a: number[];
  b: number[];
}

export interface TrainedRun {
  rule: string;
  seed: number;
  surrogate: boolean;
  testAccuracy: number;
  validationAccuracy?: number;
  trainSeconds: number;
  status: string;
  epochs: number;
}

export interface ComparisonReport extends RobustnessReport {
  comparison: {
    rules: [string, string];
    config: ComparisonConfig;
    backend: { name: string; build: string };
    /** Every model trained, the transfer surrogates included. */
    training: TrainedRun[];
    /** Rule A − rule B, paired over seeds: clean accuracy, then robust accuracy per series and ε. */
    tests: PairedRow[];
    checks: SanityCheck[];
    /** Whether the 'rule' gradient source was available per rule. */
    ruleGradient: Record<string, boolean>;
    seconds: number;
  };
}

export type ComparisonEvent =
  | { type: 'stage'; stage: 'data' | 'train' | 'attack' | 'write'; message: string }
  | { type: 'train'; rule: string; seed: number; surrogate: boolean; event: TrainEvent }
  | { type: 'trained'; run: TrainedRun }
  | ({ type: 'attack' } & { event: ReportEvent })
  | { type: 'check'; check: SanityCheck }
  | { type: 'done'; seconds: number; outDir?: string };

export interface ComparisonOptions {
  backend: Backend;
  onEvent?: (e: ComparisonEvent) => void;
  signal?: AbortSignal;
  /** Use these data instead of loading config.dataset (e.g. a synthetic set in tests). */
  data?: { train: Dataset; validation?: Dataset; test: Dataset };
  /** Write report.json, CSVs, plot, example grids and README.md here (atomically). */
  outDir?: string;
  /** The command that produced the run, recorded in the report and README. */
  command?: string;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function runComparison(configInput: ComparisonConfigInput | ComparisonConfig, opts: ComparisonOptions): Promise<ComparisonReport> {
  const t0 = now();
  const cfg = parseComparisonConfig(configInput);
  const [ruleA, ruleB] = cfg.rules as [string, string];
  if (ruleA === ruleB) throw new RangeError(`comparison rules must differ; got '${ruleA}' twice`);
  const rules = cfg.rules.map((r) => getRule(r)); // unknown names fail here, before any work
  const emit = opts.onEvent ?? (() => {});
  const signal = opts.signal;

  emit({ type: 'stage', stage: 'data', message: 'loading data' });
  const data = opts.data ?? (await loadDataset(cfg.dataset as unknown as DatasetSpec));
  const test = firstRows(data.test, cfg.attackRows);

  const training: TrainedRun[] = [];
  const trainOne = async (rule: string, seed: number, surrogate: boolean): Promise<TrainResult> => {
    signal?.throwIfAborted();
    const r = await train(
      { ...cfg.train, ...(cfg.optimizers[rule] ? { optimizer: cfg.optimizers[rule] } : {}), rule, seed, ruleOptions: cfg.ruleOptions[rule] ?? {} },
      { train: data.train, validation: data.validation },
      { backend: opts.backend, signal, onEvent: (event) => emit({ type: 'train', rule, seed, surrogate, event }) },
    );
    signal?.throwIfAborted();
    const run: TrainedRun = {
      rule, seed, surrogate,
      testAccuracy: evaluate(r.net, data.test, { inference: { rule: r.rule, state: r.ruleState, options: r.ruleOptions } }).accuracy,
      validationAccuracy: r.history.at(-1)?.validation?.accuracy,
      trainSeconds: r.trainSeconds, status: r.status, epochs: r.history.length,
    };
    training.push(run);
    emit({ type: 'trained', run });
    return r;
  };

  emit({ type: 'stage', stage: 'train', message: `training ${ruleA} and ${ruleB} on ${cfg.seeds.length} seeds` });
  const models: ReportModel[] = [];
  const results: TrainResult[] = [];
  for (const seed of cfg.seeds) {
    const surrogate = cfg.transfer ? await trainOne('bp', seed + 10000, true) : null;
    if (surrogate) results.push(surrogate);
    for (const rule of cfg.rules) {
      const r = await trainOne(rule, seed, false);
      results.push(r);
      const model: AttackModel = { net: r.net, loss: r.config.loss as AttackModel['loss'], inference: { rule: r.rule, state: r.ruleState, options: r.ruleOptions } };
      models.push({ rule, seed, model, surrogate: surrogate ? { net: surrogate.net, loss: surrogate.config.loss as AttackModel['loss'] } : undefined });
    }
  }

  const { lo, hi } = test.featureRange;
  const largeEpsilon = cfg.largeEpsilon ?? hi - lo;
  const eps = cfg.epsilons;
  const pgdConfig = { attack: 'pgd' as const, steps: cfg.pgd.steps, restarts: cfg.pgd.restarts, stepSize: cfg.pgd.stepSize, seed: 1 };
  const withRuleGradient = cfg.rules.filter((_, i) => rules[i].feedbackInputGrad !== undefined);
  const plans: AttackPlan[] = [
    { config: { attack: 'fgsm' }, epsilons: eps },
    { config: pgdConfig, epsilons: uniq([...eps, cfg.checkEpsilon, largeEpsilon]) },
    { config: { attack: 'noise-uniform', seed: 1 }, epsilons: eps },
    { config: { attack: 'square', queries: cfg.square.queries, pInit: cfg.square.pInit, seed: 1 }, epsilons: [cfg.checkEpsilon] },
  ];
  if (cfg.ruleGradient && withRuleGradient.length > 0) plans.push({ config: { attack: 'fgsm' }, epsilons: eps, gradient: 'rule', rules: withRuleGradient });
  if (cfg.transfer) {
    plans.push({ config: { attack: 'fgsm' }, epsilons: eps, gradient: 'transfer' });
    plans.push({ config: pgdConfig, epsilons: [cfg.checkEpsilon], gradient: 'transfer' });
  }

  emit({ type: 'stage', stage: 'attack', message: `attacking ${models.length} models on ${test.n} test rows` });
  const examples = new Map<string, GridExample[]>();
  const report = await robustnessReport(models, test, plans, {
    signal,
    command: opts.command,
    onEvent: (event) => emit({ type: 'attack', event }),
    onResult: (m, plan, r) => {
      if (m.seed !== cfg.seeds[0] || r.config.attack !== 'pgd' || (plan.gradient ?? 'true') !== 'true' || r.config.epsilon !== cfg.checkEpsilon) return;
      const picked: GridExample[] = [];
      for (let i = 0; i < test.n && picked.length < cfg.examples; i++) {
        if (r.predClean[i] !== test.y[i]) continue;
        picked.push({
          original: test.x.subarray(i * test.d, (i + 1) * test.d),
          adversarial: r.xAdv.subarray(i * test.d, (i + 1) * test.d),
          label: test.y[i], predClean: r.predClean[i], predAdv: r.predAdv[i],
        });
      }
      examples.set(m.rule, picked);
    },
  });

  const tests = pairedTests(report.rows, ruleA, ruleB, cfg.seeds, eps, report.models);
  const checks = sanityChecks(report.rows, cfg, largeEpsilon);
  for (const check of checks) emit({ type: 'check', check });
  for (const r of results) r.net.dispose();

  const out: ComparisonReport = {
    ...report,
    comparison: {
      rules: [ruleA, ruleB],
      config: cfg,
      backend: { name: opts.backend.name, build: opts.backend.build },
      training,
      tests,
      checks,
      ruleGradient: Object.fromEntries(cfg.rules.map((r, i) => [r, rules[i].feedbackInputGrad !== undefined])),
      seconds: (now() - t0) / 1000,
    },
  };
  if (opts.outDir) {
    emit({ type: 'stage', stage: 'write', message: `writing ${opts.outDir}` });
    await writeComparison(opts.outDir, out, examples);
  }
  emit({ type: 'done', seconds: (now() - t0) / 1000, outDir: opts.outDir });
  return out;
}

function uniq(v: number[]): number[] {
  return [...new Set(v)].sort((a, b) => a - b);
}

function firstRows(ds: Dataset, n: number): Dataset {
  if (ds.n <= n) return ds;
  return { ...ds, n, x: ds.x.subarray(0, n * ds.d), y: ds.y.subarray(0, n), sourceIndex: ds.sourceIndex.subarray(0, n) };
}

function valueOf(rows: readonly RobustnessRow[], rule: string, seed: number, series: string, epsilon: number): number | undefined {
  return rows.find((r) => r.rule === rule && r.seed === seed && r.series === series && r.epsilon === epsilon)?.robustAccuracy;
}

function pairedTests(
  rows: readonly RobustnessRow[],
  a: string,
  b: string,
  seeds: readonly number[],
  eps: readonly number[],
  models: RobustnessReport['models'],
): PairedRow[] {
  const out: PairedRow[] = [];
  const clean = (rule: string) => seeds.map((s) => models.find((m) => m.rule === rule && m.seed === s)!.cleanAccuracy);
  const ca = clean(a);
  const cb = clean(b);
  out.push({ series: 'clean', epsilon: 0, a: ca, b: cb, ...pairedTTest(ca, cb) });
  for (const series of ['fgsm', 'pgd']) {
    for (const e of eps) {
      const va = seeds.map((s) => valueOf(rows, a, s, series, e));
      const vb = seeds.map((s) => valueOf(rows, b, s, series, e));
      if (va.some((v) => v === undefined) || vb.some((v) => v === undefined)) continue;
      out.push({ series, epsilon: e, a: va as number[], b: vb as number[], ...pairedTTest(va as number[], vb as number[]) });
    }
  }
  return out;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The gradient-masking sanity checks, each a pass/fail line with the worst case in its detail. */
export function sanityChecks(rows: readonly RobustnessRow[], cfg: ComparisonConfig, largeEpsilon: number): SanityCheck[] {
  const tol = cfg.tolerances;
  const keys = [...new Map(rows.map((r) => [`${r.rule}/${r.seed}`, { rule: r.rule, seed: r.seed }])).values()];
  const get = (k: { rule: string; seed: number }, series: string, e: number) => valueOf(rows, k.rule, k.seed, series, e);
  const checks: SanityCheck[] = [];

  let worst = -Infinity;
  let where = '';
  for (const k of keys) {
    for (const e of cfg.epsilons) {
      if (e === 0) continue;
      const f = get(k, 'fgsm', e);
      const p = get(k, 'pgd', e);
      if (f === undefined || p === undefined) continue;
      if (p - f > worst) {
        worst = p - f;
        where = `${k.rule} seed ${k.seed} at ε=${e}: PGD ${pct(p)} vs FGSM ${pct(f)}`;
      }
    }
  }
  checks.push({ name: 'PGD accuracy ≤ FGSM accuracy (every model, every ε)', pass: worst <= tol.pgdOverFgsm, detail: `largest PGD − FGSM: ${(100 * worst).toFixed(2)} points (${where}); tolerance ${100 * tol.pgdOverFgsm} points` });

  let maxLarge = -Infinity;
  where = '';
  for (const k of keys) {
    const p = get(k, 'pgd', largeEpsilon);
    if (p !== undefined && p > maxLarge) {
      maxLarge = p;
      where = `${k.rule} seed ${k.seed}`;
    }
  }
  checks.push({ name: `robust accuracy falls to ~0 at large ε (PGD, ε=${largeEpsilon})`, pass: maxLarge <= tol.largeEpsilonAccuracy, detail: `highest: ${pct(maxLarge)} (${where}); must be ≤ ${pct(tol.largeEpsilonAccuracy)}` });

  let worstNoise = -Infinity;
  where = '';
  let noisePass = true;
  for (const k of keys) {
    for (const e of cfg.epsilons) {
      if (e === 0) continue;
      const clean = get(k, 'fgsm', 0) ?? rows.find((r) => r.rule === k.rule && r.seed === k.seed)!.cleanAccuracy;
      const f = get(k, 'fgsm', e);
      const nz = get(k, 'noise-uniform', e);
      if (f === undefined || nz === undefined) continue;
      const allowed = tol.noiseFraction * (clean - f) + 0.01;
      if (clean - nz > allowed) noisePass = false;
      if (clean - nz - allowed > worstNoise) {
        worstNoise = clean - nz - allowed;
        where = `${k.rule} seed ${k.seed} at ε=${e}: noise drop ${(100 * (clean - nz)).toFixed(1)} vs FGSM drop ${(100 * (clean - f)).toFixed(1)} points`;
      }
    }
  }
  checks.push({ name: 'uniform random noise of the same ε hurts far less than FGSM', pass: noisePass, detail: `closest case: ${where}; noise may cost at most ${tol.noiseFraction}× FGSM's drop + 1 point` });

  const blackBox = (series: string, against: string, epsilons: readonly number[], label: string) => {
    let worstGap = -Infinity;
    let at = '';
    for (const k of keys) {
      for (const e of epsilons) {
        if (e === 0) continue;
        const bb = get(k, series, e);
        const wb = get(k, against, e);
        if (bb === undefined || wb === undefined) continue;
        if (wb - bb > worstGap) {
          worstGap = wb - bb;
          at = `${k.rule} seed ${k.seed} at ε=${e}: ${series} ${pct(bb)} vs ${against} ${pct(wb)}`;
        }
      }
    }
    if (worstGap === -Infinity) return;
    checks.push({ name: label, pass: worstGap <= tol.blackBox, detail: `largest white-box − ${series} accuracy: ${(100 * worstGap).toFixed(1)} points (${at}); tolerance ${100 * tol.blackBox} points` });
  };
  blackBox('square', 'pgd', [cfg.checkEpsilon], `gradient-free Square does not find the models less robust than white-box PGD says (ε=${cfg.checkEpsilon})`);
  blackBox('pgd/transfer', 'pgd', [cfg.checkEpsilon], `transfer PGD from a BP surrogate does not beat white-box PGD (ε=${cfg.checkEpsilon})`);
  blackBox('fgsm/transfer', 'fgsm', cfg.epsilons, 'transfer FGSM from a BP surrogate does not beat white-box FGSM (every ε)');
  return checks;
}

/** Writes report.json, rows.csv, summary.csv, paired-tests.csv, accuracy.svg/.png, examples-<rule>.svg/.png and README.md. */
export async function writeComparison(dir: string, report: ComparisonReport, examples: Map<string, GridExample[]> = new Map()): Promise<string[]> {
  const path = await import('node:path');
  const files: string[] = [];
  const put = async (name: string, data: string | Uint8Array) => {
    await writeFileAtomic(path.join(dir, name), data);
    files.push(name);
  };
  const c = report.comparison;
  const maxEps = Math.max(...c.config.epsilons);
  const plotted = report.summary.filter((s) => s.epsilon <= maxEps);
  await put('report.json', `${JSON.stringify(report, null, 2)}\n`);
  await put('rows.csv', rowsCsv(report.rows));
  await put('summary.csv', summaryCsv(report.summary));
  await put(
    'paired-tests.csv',
    toCsv(
      ['series', 'epsilon', 'rule_a', 'rule_b', 'n', 'mean_difference', 'ci_lo', 'ci_hi', 't', 'df', 'p', 'a_values', 'b_values'],
      c.tests.map((t) => [t.series, t.epsilon, c.rules[0], c.rules[1], t.n, t.meanDifference, t.lo, t.hi, t.t, t.df, t.p, t.a.join(' '), t.b.join(' ')]),
    ),
  );
  const svg = await renderSvg(
    accuracySpec(plotted, { series: ['fgsm', 'pgd'], title: `${c.rules[0]} vs ${c.rules[1]}: robust accuracy (${report.dataset.name}, ${c.config.seeds.length} seeds, mean and 95% CI)` }),
  );
  await put('accuracy.svg', svg);
  await put('accuracy.png', await svgToPng(svg));
  const svgSources = await renderSvg(
    accuracySpec(
      report.summary.filter((s) => s.epsilon <= maxEps && (s.attack === 'fgsm' || s.attack === 'noise-uniform')),
      { title: `FGSM by gradient source (true, rule, transfer) and uniform noise (${report.dataset.name})` },
    ),
  );
  await put('gradient-sources.svg', svgSources);
  await put('gradient-sources.png', await svgToPng(svgSources));
  if (isImageShape(report.dataset.inputShape)) {
    for (const [rule, ex] of examples) {
      if (ex.length === 0) continue;
      const g = await exampleGrid(ex, {
        inputShape: report.dataset.inputShape, featureRange: report.dataset.featureRange, epsilon: c.config.checkEpsilon, classNames: report.dataset.classNames,
        title: `${rule}, seed ${c.config.seeds[0]}: PGD at ε=${c.config.checkEpsilon}`,
      });
      await put(`examples-${rule}.svg`, g.svg);
      await put(`examples-${rule}.png`, g.png);
    }
  }
  // List what the folder holds, so files other tools add beside the report are listed too.
  const present = (await (await import('node:fs/promises')).readdir(dir)).filter((f) => !f.includes('.tmp-')).sort();
  await put('README.md', comparisonMarkdown(report, present));
  return files;
}

const f3 = (v: number) => v.toFixed(3);

/** A human summary: what ran, the curves as a table, the paired tests and the checks. */
export function comparisonMarkdown(report: ComparisonReport, files: readonly string[] = []): string {
  const c = report.comparison;
  const [a, b] = c.rules;
  const cell = (rule: string, series: string, e: number) => {
    const s = report.summary.find((x) => x.rule === rule && x.series === series && x.epsilon === e);
    // The t interval can reach past [0, 1] with few seeds; an accuracy cannot.
    return s ? `${f3(s.robustAccuracy.mean)} [${f3(Math.max(0, s.robustAccuracy.lo))}, ${f3(Math.min(1, s.robustAccuracy.hi))}]` : '—';
  };
  const series = [...new Set(report.summary.map((s) => s.series))];
  const lines = [
    `# Robustness: ${a} vs ${b}`,
    '',
    `Produced by \`${report.command ?? 'runComparison(...)'}\` with Plasticity ${report.version} on ${report.createdAt.slice(0, 10)}, backend ${c.backend.name}/${c.backend.build}, in ${(c.seconds / 60).toFixed(1)} min.`,
    '',
    `Data: ${report.dataset.name} (${report.dataset.classNames.join(' vs ')}), ${report.dataset.n} ${report.dataset.split} rows attacked, feature range [${report.dataset.featureRange.lo}, ${report.dataset.featureRange.hi}], fingerprint \`${report.dataset.fingerprint.slice(0, 16)}…\`.`,
    `Seeds: ${c.config.seeds.join(', ')} (seed s trains both rules with the same data order and initialisation). Training: \`${JSON.stringify(c.config.train)}\`${Object.keys(c.config.optimizers ?? {}).length ? `; optimiser per rule: \`${JSON.stringify(c.config.optimizers)}\`` : ''}.`,
    `Attacks: FGSM and PGD (${c.config.pgd.steps} steps, step 2.5ε/steps, random start, ${c.config.pgd.restarts} restart(s)) at ε ∈ {${c.config.epsilons.join(', ')}}; uniform noise at the same ε; Square (${c.config.square.queries} queries, p_init ${c.config.square.pInit}) and transfer from a BP surrogate at ε = ${c.config.checkEpsilon}; FGSM with each rule's own feedback path ('rule' gradient).`,
    '',
    '## Clean accuracy (attacked rows)',
    '',
    '| rule | seeds | accuracy per seed |',
    '| --- | --- | --- |',
    ...c.rules.map((r) => `| ${r} | ${c.config.seeds.length} | ${report.models.filter((m) => m.rule === r).map((m) => f3(m.cleanAccuracy)).join(', ')} |`),
    '',
    '## Robust accuracy, mean [95% CI, clipped to [0, 1]] over seeds',
    '',
    `| series | ε | ${a} | ${b} |`,
    '| --- | --- | --- | --- |',
    ...series.flatMap((s) =>
      [...new Set(report.summary.filter((x) => x.series === s).map((x) => x.epsilon))].sort((x, y) => x - y).map((e) => `| ${s} | ${e} | ${cell(a, s, e)} | ${cell(b, s, e)} |`),
    ),
    '',
    `## ${a} − ${b}, paired t-test over seeds`,
    '',
    '| series | ε | mean difference | 95% CI | t | p |',
    '| --- | --- | --- | --- | --- | --- |',
    ...c.tests.map((t) => `| ${t.series} | ${t.epsilon} | ${f3(t.meanDifference)} | [${f3(t.lo)}, ${f3(t.hi)}] | ${Number.isFinite(t.t) ? t.t.toFixed(2) : String(t.t)} | ${t.p < 1e-4 ? t.p.toExponential(1) : t.p.toFixed(4)} |`),
    '',
    '## Gradient-masking sanity checks',
    '',
    ...c.checks.map((k) => `- **${k.pass ? 'PASS' : 'FAIL'}** ${k.name}: ${k.detail}`),
    '',
    '## Files',
    '',
    ...files.filter((f) => f !== 'README.md').map((f) => `- \`${f}\``),
    '',
  ];
  return lines.join('\n');
}
