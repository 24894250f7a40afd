// `plasticity attack`: one attack swept over a list of ε on a saved model's test rows,
// through the library's robustness report (robust accuracy, success rate, perturbation
// norms), optionally written as report.json, CSVs and a plot.
import { ATTACKS, GRADIENT_SOURCES, restoreModel, robustnessReport, writeRobustnessReport, type AttackModel, type AttackPlan, type Dataset, type ReportEvent, type RobustnessRow } from '@plasticity/rules';
import { resolve } from 'node:path';
import type { CommandContext, CommandDef } from '../command.js';
import { BACKEND_FLAG, OUTPUT_FLAGS } from '../flag-tables.js';
import { fmtNum, fmtPct, fmtSeconds, table } from '../format.js';
import { CliError, type FlagSpec } from '../flags.js';
import type { CliEvent } from '../output.js';
import { DATA_OVERRIDE_FLAGS, loadModelAndData } from './eval.js';
import { MODEL_FLAG, readModel } from './info.js';
import { userInput } from './train.js';

/** Short names users type for the noise baselines. */
const ALIASES: Record<string, string> = { noise: 'noise-uniform', 'pgd-linf': 'pgd' };

export const ATTACK_FLAGS: readonly FlagSpec[] = [
  {
    key: 'attack', flag: '--attack', arg: '<name>', type: 'string', default: 'fgsm', choices: [...ATTACKS, ...Object.keys(ALIASES)],
    description: 'fgsm, pgd (L∞), pgd-l2, noise (= noise-uniform), noise-gaussian, noise-sign or square (gradient-free)',
  },
  { key: 'eps', flag: '--eps', arg: '<list>', type: 'number-list', min: 0, default: [0, 0.05, 0.1, 0.2], description: 'perturbation radii ε in data units (images: pixel/255), comma-separated' },
  { key: 'steps', flag: '--steps', arg: '<n>', type: 'int', min: 1, description: 'pgd: gradient steps per restart (default 20)' },
  { key: 'stepSize', flag: '--step-size', arg: '<x>', type: 'number', above: 0, description: 'pgd: step size α (default 2.5·ε/steps)' },
  { key: 'restarts', flag: '--restarts', arg: '<n>', type: 'int', min: 1, description: 'pgd: random restarts, strongest kept per row (default 1)' },
  { key: 'randomStart', flag: '--no-random-start', type: 'bool', default: true, description: 'pgd: start at the clean input instead of a random point of the ε-ball' },
  { key: 'targeted', flag: '--targeted', type: 'bool', description: 'push towards a target class instead of away from the label' },
  { key: 'target', flag: '--target', arg: '<class|random|least-likely>', type: 'string', description: 'targeted attacks: the target (default random)' },
  { key: 'queries', flag: '--queries', arg: '<n>', type: 'int', min: 1, description: 'square: query budget per row (default 1000)' },
  { key: 'pInit', flag: '--p-init', arg: '<x>', type: 'number', above: 0, description: 'square: initial fraction of features a square covers (default 0.05)' },
  { key: 'gradient', flag: '--gradient', arg: '<source>', type: 'string', default: 'true', choices: GRADIENT_SOURCES, description: "input gradient: true (exact backprop), rule (the rule's own feedback path) or transfer (from --surrogate)" },
  { key: 'surrogate', flag: '--surrogate', arg: '<dir>', type: 'string', description: 'transfer attacks: the model whose gradient crafts the attack' },
  { key: 'rows', flag: '--rows', arg: '<n>', type: 'int', min: 1, default: 1000, description: 'attack at most the first n rows of the split' },
  { key: 'split', flag: '--split', arg: '<name>', type: 'string', default: 'test', choices: ['test', 'validation', 'train'], description: 'which split of the model\'s data set to attack' },
  { key: 'attackSeed', flag: '--attack-seed', arg: '<n>', type: 'int', default: 0, description: 'seeds random starts, noise, targets and Square' },
  { key: 'out', flag: '--out', arg: '<dir>', type: 'string', description: 'write report.json, rows.csv, summary.csv and accuracy.svg/.png here' },
];

export function firstRows(ds: Dataset, n: number): Dataset {
  if (ds.n <= n) return ds;
  return { ...ds, n, x: ds.x.subarray(0, n * ds.d), y: ds.y.subarray(0, n), sourceIndex: ds.sourceIndex.subarray(0, n) };
}

/** Progress events at most every `ms` (and always the last of each attack). */
export function throttled(emit: (e: CliEvent) => void, ms = 200): (e: CliEvent) => void {
  let last = 0;
  return (e) => {
    const t = Date.now();
    if (e.type === 'attack-progress' && e.done !== e.total && t - last < ms) return;
    last = t;
    emit(e);
  };
}

export function reportEvent(e: ReportEvent): CliEvent {
  return e.type === 'attack-done' ? { type: 'attack-done', ...e.row } : { ...e };
}

export function formatExperimentEvent(e: CliEvent): string | null {
  switch (e.type) {
    case 'attack-done':
      return `${String(e.rule)} seed ${String(e.seed)}: ${String(e.series)} ε=${String(e.epsilon)}: robust accuracy ${fmtPct(e.robustAccuracy as number)}, success rate ${fmtPct(e.successRate as number)}, mean L∞ ${fmtNum(e.meanLinf as number, 3)}, ${fmtSeconds(e.seconds as number)}`;
    case 'attack-progress':
      return null;
    case 'stage':
      return String(e.message);
    case 'trained':
      return `${String(e.rule)}${e.surrogate ? ' (transfer surrogate)' : ''} seed ${String(e.seed)}: ${String(e.status)}, test accuracy ${fmtPct(e.testAccuracy as number)}, ${fmtSeconds(e.trainSeconds as number)}`;
    case 'check':
      return `${e.pass ? 'PASS' : 'FAIL'} ${String(e.name)}: ${String(e.detail)}`;
    case 'table':
      return String(e.text);
    case 'title':
      return String(e.title);
    case 'note':
      return `note: ${String(e.message)}`;
    case 'written':
      return `report written to ${String(e.dir)}: ${(e.files as string[]).join(', ')}`;
    default:
      return null;
  }
}

function attackTable(rows: readonly RobustnessRow[]): string {
  return table(
    ['ε', 'robust acc', 'success', 'mean L∞', 'mean L2', 'time'],
    rows.map((r) => [String(r.epsilon), fmtPct(r.robustAccuracy), fmtPct(r.successRate), fmtNum(r.meanLinf, 3), fmtNum(r.meanL2, 3), fmtSeconds(r.seconds)]),
  );
}

export const attackCommand: CommandDef = {
  name: 'attack',
  summary: "attack a saved model over a list of ε (robust accuracy, success rate, perturbation norms)",
  flags: [MODEL_FLAG, ...ATTACK_FLAGS, ...DATA_OVERRIDE_FLAGS, BACKEND_FLAG, ...OUTPUT_FLAGS],
  examples: [
    'plasticity attack --model runs/fa-01 --attack fgsm --eps 0,0.05,0.1,0.2',
    'plasticity attack --model runs/fa-01 --attack pgd --eps 0.1 --steps 40 --restarts 2 --json',
    'plasticity attack --model runs/fa-01 --attack fgsm --gradient transfer --surrogate runs/bp-01 --eps 0.1,0.2',
    'plasticity attack --model runs/fa-01 --attack square --eps 0.1 --queries 500 --rows 200 --out reports/fa-square',
  ],
  async run(ctx: CommandContext) {
    const { out, values } = ctx;
    out.addFormatter(formatExperimentEvent);
    const attack = ALIASES[String(values.attack)] ?? String(values.attack);
    if (values.gradient === 'transfer' && !values.surrogate) throw new CliError('--gradient transfer needs --surrogate <dir>, the model whose gradient crafts the attack');
    if (values.surrogate && values.gradient !== 'transfer') throw new CliError('--surrogate is only used with --gradient transfer');
    const target = values.target === undefined ? undefined : /^\d+$/.test(String(values.target)) ? Number(values.target) : String(values.target);
    if (target !== undefined && typeof target === 'string' && target !== 'random' && target !== 'least-likely') {
      throw new CliError(`--target: '${target}' is not a class number, random or least-likely`);
    }
    const config: AttackPlan['config'] = {
      attack: attack as AttackPlan['config']['attack'],
      seed: values.attackSeed as number,
      randomStart: values.randomStart as boolean,
      ...(values.steps !== undefined ? { steps: values.steps as number } : {}),
      ...(values.stepSize !== undefined ? { stepSize: values.stepSize as number } : {}),
      ...(values.restarts !== undefined ? { restarts: values.restarts as number } : {}),
      ...(values.targeted ? { targeted: true } : {}),
      ...(target !== undefined ? { target: target as number } : {}),
      ...(values.queries !== undefined ? { queries: values.queries as number } : {}),
      ...(values.pInit !== undefined ? { pInit: values.pInit as number } : {}),
    };
    const lm = await loadModelAndData(ctx);
    const split = String(values.split) as 'test' | 'validation' | 'train';
    const ds = lm.data[split];
    if (!ds) throw new CliError('--split validation: the model was trained without a validation split (its --validation was 0)');
    const data = firstRows(ds, values.rows as number);
    const loss = (lm.model.meta.training as { loss?: AttackModel['loss'] } | undefined)?.loss;
    const model: AttackModel = { net: lm.net, inference: lm.inference, ...(loss ? { loss } : {}) };
    let surrogate: AttackModel | undefined;
    if (values.surrogate) {
      const sm = await readModel(String(values.surrogate));
      const r = await userInput(() => restoreModel(lm.backend, sm));
      surrogate = { net: r.net, inference: r.inference };
    }
    const rule = lm.model.meta.rule.name;
    const seed = Number((lm.model.meta.training as { seed?: number } | undefined)?.seed ?? 0);
    const title = `plasticity attack · ${rule} (${String(values.model)}) · ${attack} · ${data.n} ${split} rows of ${ds.name}`;
    out.emit({ type: 'title', title });
    const live = out.mode === 'ink' ? (await import('../ui/live-views.js')).mountExperimentView(out, ctx.io, ctx.controls, title) : null;
    const emit = throttled((e) => out.emit(e));
    const command = `plasticity attack ${process.argv.slice(2).join(' ')}`.trim();
    let report;
    try {
      out.emit({ type: 'stage', message: `attacking with ${attack} at ε ∈ {${(values.eps as number[]).join(', ')}}` });
      report = await userInput(() =>
        robustnessReport(
          [{ rule, seed, model, surrogate }],
          data,
          [{ config, epsilons: values.eps as number[], gradient: values.gradient as AttackPlan['gradient'] }],
          { signal: AbortSignal.any([ctx.stop, ctx.interrupt]), command, onEvent: (e) => emit(reportEvent(e)) },
        ),
      );
    } catch (e) {
      await live?.finish();
      if ((e as Error)?.name === 'AbortError') throw new CliError('interrupted: the attack was stopped, no report was written', 130);
      throw e;
    }
    const rows = report.rows;
    out.emit({ type: 'table', text: attackTable(rows) });
    let dir: string | undefined;
    if (values.out) {
      dir = resolve(String(values.out));
      const files = await writeRobustnessReport(dir, report);
      out.emit({ type: 'written', dir, files });
    }
    out.emit({ type: 'finished' });
    await live?.finish();
    const byEps = (f: (r: RobustnessRow) => number) => Object.fromEntries(rows.map((r) => [String(r.epsilon), f(r)]));
    out.emit({
      type: 'result',
      command: 'attack',
      modelDir: lm.dir,
      rule,
      attack,
      gradient: rows[0]?.gradientSource ?? values.gradient,
      split,
      rows: data.n,
      cleanAccuracy: rows[0]?.cleanAccuracy ?? null,
      robustAccuracy: byEps((r) => r.robustAccuracy),
      successRate: byEps((r) => r.successRate),
      meanLinf: byEps((r) => r.meanLinf),
      meanL2: byEps((r) => r.meanL2),
      seconds: rows.reduce((s, r) => s + r.seconds, 0),
      reportDir: dir ?? null,
    });
  },
};
