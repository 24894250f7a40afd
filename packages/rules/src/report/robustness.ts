// A robustness report: clean accuracy, and for each attack and ε the robust accuracy, attack
// success rate and mean perturbation norms, per model and summarised over seeds (mean and
// Student-t interval) per rule. Everything needed to reproduce it travels with it: package
// version, attack configs, gradient sources, seeds, data-set fingerprint.
import { AttackError, parseAttackConfig, usesGradient, type AttackConfig, type AttackConfigInput, type GradientSourceName } from '../attacks/config.js';
import type { AttackData, AttackModel } from '../attacks/model.js';
import { runAttack, type AttackResult } from '../attacks/run.js';
import { VERSION } from '../version.js';
import { meanInterval, type Interval } from './stats.js';

/** One trained model in a report: its rule (the series it belongs to) and its seed. */
export interface ReportModel {
  rule: string;
  seed: number;
  model: AttackModel;
  /** 'transfer' attacks on this model are crafted on this separately trained network. */
  surrogate?: AttackModel;
}

/** One attack swept over a list of ε. */
export interface AttackPlan {
  config: Omit<AttackConfigInput, 'epsilon'>;
  epsilons: readonly number[];
  /** Gradient source for gradient attacks (default 'true'); ignored by noise and Square. */
  gradient?: GradientSourceName;
  /** Run only on models of these rules (default: all). */
  rules?: readonly string[];
}

export interface RobustnessRow {
  rule: string;
  seed: number;
  /** Series name: the attack, with the gradient source when it is not 'true' (e.g. 'fgsm/transfer'). */
  series: string;
  attack: string;
  gradientSource: GradientSourceName | 'none';
  norm: 'linf' | 'l2';
  epsilon: number;
  n: number;
  cleanAccuracy: number;
  robustAccuracy: number;
  successRate: number;
  meanLinf: number;
  meanL2: number;
  meanQueries?: number;
  seconds: number;
}

export interface SummaryRow {
  rule: string;
  series: string;
  attack: string;
  gradientSource: GradientSourceName | 'none';
  epsilon: number;
  seeds: number[];
  robustAccuracy: Interval;
  successRate: Interval;
  meanLinf: Interval;
  meanL2: Interval;
}

export interface DatasetRef {
  name: string;
  split: string;
  n: number;
  fingerprint: string;
  featureRange: { lo: number; hi: number };
  inputShape: readonly number[];
  classNames: readonly string[];
}

export interface RobustnessReport {
  kind: 'plasticity-robustness-report';
  version: string;
  createdAt: string;
  /** The command or call that produced it, when the caller says. */
  command?: string;
  dataset: DatasetRef;
  models: { rule: string; seed: number; cleanAccuracy: number }[];
  /** Every attack as run, with its full config (defaults filled in) and ε list. */
  attacks: { series: string; config: Omit<AttackConfig, 'epsilon'>; epsilons: number[]; gradient: GradientSourceName | 'none'; rules?: readonly string[] }[];
  rows: RobustnessRow[];
  summary: SummaryRow[];
  level: number;
}

export type ReportEvent =
  | { type: 'attack-progress'; rule: string; seed: number; series: string; epsilon: number; done: number; total: number }
  | { type: 'attack-done'; row: RobustnessRow };

export interface ReportOptions {
  signal?: AbortSignal;
  onEvent?: (e: ReportEvent) => void;
  batchSize?: number;
  command?: string;
  /** Confidence level of the intervals over seeds (default 0.95). */
  level?: number;
  /** Called with every attack result (e.g. to keep adversarial examples for a grid). */
  onResult?: (m: ReportModel, plan: AttackPlan, r: AttackResult) => void;
}

export function seriesName(attack: string, gradient: GradientSourceName | 'none'): string {
  return gradient === 'true' || gradient === 'none' ? attack : `${attack}/${gradient}`;
}

export function datasetRef(data: AttackData & { name?: string; split?: string; fingerprint?: string; classNames?: readonly string[] }): DatasetRef {
  return {
    name: data.name ?? 'data',
    split: data.split ?? 'test',
    n: data.n,
    fingerprint: data.fingerprint ?? '',
    featureRange: { ...data.featureRange },
    inputShape: [...data.inputShape],
    classNames: [...(data.classNames ?? [])],
  };
}

/** Runs every plan on every model and summarises over seeds per rule. */
export async function robustnessReport(
  models: readonly ReportModel[],
  data: AttackData & { name?: string; split?: string; fingerprint?: string; classNames?: readonly string[] },
  plans: readonly AttackPlan[],
  opts: ReportOptions = {},
): Promise<RobustnessReport> {
  if (models.length === 0) throw new AttackError('a robustness report needs at least one model');
  const attacks = plans.map((p) => {
    if (p.epsilons.length === 0) throw new AttackError(`attack '${String(p.config.attack)}' has an empty ε list`);
    // Validate every ε up front, so a bad one fails before hours of work.
    const parsed = p.epsilons.map((epsilon) => parseAttackConfig({ ...p.config, epsilon }));
    const { epsilon: _e, ...config } = parsed[0];
    const gradient: GradientSourceName | 'none' = usesGradient(parsed[0].attack) ? (p.gradient ?? 'true') : 'none';
    return { series: seriesName(parsed[0].attack, gradient), config, epsilons: [...p.epsilons], gradient, rules: p.rules };
  });
  const rows: RobustnessRow[] = [];
  const cleanBy = new Map<ReportModel, number>();
  for (const m of models) {
    for (let pi = 0; pi < plans.length; pi++) {
      const plan = plans[pi];
      const a = attacks[pi];
      if (plan.rules && !plan.rules.includes(m.rule)) continue;
      for (const epsilon of plan.epsilons) {
        opts.signal?.throwIfAborted();
        const r = await runAttack(m.model, data, { ...plan.config, epsilon }, {
          gradient: { source: plan.gradient ?? 'true', surrogate: m.surrogate },
          batchSize: opts.batchSize,
          signal: opts.signal,
          onProgress: (p) => opts.onEvent?.({ type: 'attack-progress', rule: m.rule, seed: m.seed, series: a.series, epsilon, done: p.done, total: p.total }),
        });
        cleanBy.set(m, r.cleanAccuracy);
        const row: RobustnessRow = {
          rule: m.rule, seed: m.seed, series: a.series, attack: r.config.attack, gradientSource: r.gradientSource, norm: r.norm, epsilon,
          n: r.n, cleanAccuracy: r.cleanAccuracy, robustAccuracy: r.robustAccuracy, successRate: r.successRate,
          meanLinf: r.meanLinf, meanL2: r.meanL2, meanQueries: r.meanQueries, seconds: r.seconds,
        };
        rows.push(row);
        opts.onResult?.(m, plan, r);
        opts.onEvent?.({ type: 'attack-done', row });
      }
    }
  }
  const level = opts.level ?? 0.95;
  return {
    kind: 'plasticity-robustness-report',
    version: VERSION,
    createdAt: new Date().toISOString(),
    command: opts.command,
    dataset: datasetRef(data),
    models: models.map((m) => ({ rule: m.rule, seed: m.seed, cleanAccuracy: cleanBy.get(m) ?? NaN })),
    attacks,
    rows,
    summary: summarise(rows, level),
    level,
  };
}

/** Mean and confidence interval over seeds of each (rule, series, ε). */
export function summarise(rows: readonly RobustnessRow[], level = 0.95): SummaryRow[] {
  const groups = new Map<string, RobustnessRow[]>();
  for (const r of rows) {
    const key = `${r.rule}\u0000${r.series}\u0000${r.epsilon}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((g) => ({
    rule: g[0].rule,
    series: g[0].series,
    attack: g[0].attack,
    gradientSource: g[0].gradientSource,
    epsilon: g[0].epsilon,
    seeds: g.map((r) => r.seed),
    robustAccuracy: meanInterval(g.map((r) => r.robustAccuracy), level),
    successRate: meanInterval(g.map((r) => r.successRate), level),
    meanLinf: meanInterval(g.map((r) => r.meanLinf), level),
    meanL2: meanInterval(g.map((r) => r.meanL2), level),
  }));
}

/** RFC 4180 CSV: a header and one line per record; fields with commas, quotes or newlines are quoted. */
export function toCsv(header: readonly string[], records: readonly (readonly unknown[])[]): string {
  const field = (v: unknown): string => {
    const s = v === undefined || v === null ? '' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...records].map((r) => r.map(field).join(',')).join('\n') + '\n';
}

export function rowsCsv(rows: readonly RobustnessRow[]): string {
  return toCsv(
    ['rule', 'seed', 'series', 'attack', 'gradient_source', 'norm', 'epsilon', 'n', 'clean_accuracy', 'robust_accuracy', 'success_rate', 'mean_linf', 'mean_l2', 'mean_queries', 'seconds'],
    rows.map((r) => [r.rule, r.seed, r.series, r.attack, r.gradientSource, r.norm, r.epsilon, r.n, r.cleanAccuracy, r.robustAccuracy, r.successRate, r.meanLinf, r.meanL2, r.meanQueries, r.seconds]),
  );
}

export function summaryCsv(summary: readonly SummaryRow[]): string {
  return toCsv(
    ['rule', 'series', 'attack', 'gradient_source', 'epsilon', 'seeds', 'robust_accuracy_mean', 'robust_accuracy_lo', 'robust_accuracy_hi', 'success_rate_mean', 'success_rate_lo', 'success_rate_hi', 'mean_linf', 'mean_l2'],
    summary.map((s) => [
      s.rule, s.series, s.attack, s.gradientSource, s.epsilon, s.seeds.join(' '),
      s.robustAccuracy.mean, s.robustAccuracy.lo, s.robustAccuracy.hi, s.successRate.mean, s.successRate.lo, s.successRate.hi, s.meanLinf.mean, s.meanL2.mean,
    ]),
  );
}
