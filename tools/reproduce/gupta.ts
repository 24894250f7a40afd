// Reproduces issue 12's targets for the `gupta` rule (Gupta 2020, arXiv:2011.12012, reconstructed;
// docs/rules/gupta.md) next to bp, every hidden variant side by side (pa, ca, assoc, stdp):
//   accuracy    MNIST one-vs-rest (every digit) and 0 vs 1, 784-256-256-2; IRIS one-vs-rest, 4-16-16-2;
//   ablations   the research note's ablations re-measured (PA without a(1−a), β = 1, no class balance,
//               CA without threshold homeostasis or drive normalisation);
//   robustness  the comparison experiment (runComparison: FGSM/PGD curves, noise, Square, transfer
//               from a bp surrogate, paired tests, masking checks) of gupta vs bp;
//   bench       time per training step of gupta (each variant, sequential and parallel: 'layers') vs bp;
//   report      docs/results/gupta.md from what the other parts wrote.
// Runs append one JSON line each to docs/results/gupta-runs.jsonl and are skipped when a line with
// the same key is there, so parts can run in several processes and resume after a stop:
//   npm run reproduce -- gupta accuracy --tasks mnist:0-vs-rest,mnist:0-vs-1 --labels bp,pa --seeds 1,2,3,4,5
//   npm run reproduce -- gupta accuracy --tasks iris --labels bp,pa,ca,assoc,stdp --seeds 1,2,3,4,5
//   npm run reproduce -- gupta ablations
//   npm run reproduce -- gupta robustness --task mnist:9-vs-rest --hidden pa
//   npm run reproduce -- gupta bench
//   npm run reproduce -- gupta report
import { parseArgs } from 'node:util';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { createBackend, type Backend, type BackendName } from '@plasticity/core-wasm';
import {
  evaluate, getRule, loadDataset, makeGrads, Network, outputError, Optimizer, parseRuleOptions, parseTrainConfig, runComparison,
  train, writeFileAtomic, createRng, networkSpecFor, VERSION,
  type ComparisonEvent, type ComparisonReport, type Dataset, type DatasetSpec, type LoadedDatasets, type StepContext, type TrainConfigInput,
} from '@plasticity/rules';

const RUNS = 'docs/results/gupta-runs.jsonl';
const BENCH = 'docs/results/gupta-bench.json';
const REPORT = 'docs/results/gupta.md';

export const LABELS = ['bp', 'pa', 'ca', 'assoc', 'stdp'] as const;
type Label = (typeof LABELS)[number];

/** bp as the note ran it: softmax cross-entropy, Adam 1e-3, constant. */
const BP_OPTIMIZER = { kind: 'adam' as const, lr: 1e-3 };
/** gupta's updates carry their own per-layer rates: plain SGD at lr 1, decaying linearly to 0 (note §2, §7.4). */
const GUPTA_OPTIMIZER = { kind: 'sgd' as const, lr: 1, schedule: { kind: 'linear' as const } };

/** Each variant's options (research/gupta/NOTE.md §3, §8) for MNIST (batch 32) and IRIS (batch 1). */
export const VARIANTS: Record<Exclude<Label, 'bp'>, { mnist: Record<string, unknown>; iris: Record<string, unknown> }> = {
  pa: { mnist: { hidden: 'pa' }, iris: { hidden: 'pa', hiddenRate: 0.2, outputRate: 0.05 } },
  ca: {
    // CA's layer-2 fix: η normalised by the presynaptic drive (note §3.3, §7.3).
    mnist: { hidden: 'ca', driveNorm: true },
    iris: { hidden: 'ca', hiddenRate: 0.5, outputRate: 0.05, kPos: 2, kNeg: 2, homeostasisTarget: 0.2, homeostasisRate: 0.01 },
  },
  assoc: { mnist: { hidden: 'assoc', hiddenRate: 0.5 }, iris: { hidden: 'assoc', hiddenRate: 0.05, outputRate: 0.05 } },
  // H-stdp as written in shared/research/gupta.md §2(c): η_hid = 0.01.
  stdp: { mnist: { hidden: 'stdp', hiddenRate: 0.01 }, iris: { hidden: 'stdp', hiddenRate: 0.01, outputRate: 0.05 } },
};

export interface Task {
  name: string;
  family: 'mnist' | 'iris';
  dataset: DatasetSpec;
  epochs: number;
}

/** 'mnist:3-vs-rest', 'mnist:0-vs-1', 'mnist:all', 'iris:versicolor-vs-rest'; 'iris' and 'mnist' expand to every one-vs-rest task (+ 0 vs 1). */
export function tasksFrom(list: string, seed: number, mnistEpochs: number | undefined, irisEpochs: number): Task[] {
  const out: Task[] = [];
  const iris = ['setosa', 'versicolor', 'virginica'];
  for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (raw === 'mnist') {
      out.push(...tasksFrom([...Array.from({ length: 10 }, (_, d) => `mnist:${d}-vs-rest`), 'mnist:0-vs-1'].join(','), seed, mnistEpochs, irisEpochs));
      continue;
    }
    if (raw === 'iris') {
      out.push(...tasksFrom(iris.map((c) => `iris:${c}-vs-rest`).join(','), seed, mnistEpochs, irisEpochs));
      continue;
    }
    if (raw === 'mnist:all') {
      out.push({ name: raw, family: 'mnist', dataset: { name: 'mnist' }, epochs: mnistEpochs ?? 5 });
      continue;
    }
    const m = /^(mnist|iris):(\w+)-vs-(\w+)$/.exec(raw);
    if (!m) throw new Error(`--tasks: '${raw}' is not a task; expected mnist:D-vs-rest, mnist:A-vs-B, iris:CLASS-vs-rest, mnist or iris`);
    const [, family, a, b] = m;
    if (family === 'mnist') {
      const dataset: DatasetSpec = b === 'rest' ? { name: 'mnist', oneVsRest: Number(a) } : { name: 'mnist', classes: [Number(a), Number(b)] };
      out.push({ name: raw, family: 'mnist', dataset, epochs: mnistEpochs ?? (b === 'rest' ? 10 : 5) });
    } else {
      const c = iris.indexOf(a);
      if (c < 0 || b !== 'rest') throw new Error(`--tasks: '${raw}': IRIS tasks are setosa-vs-rest, versicolor-vs-rest, virginica-vs-rest`);
      // A stratified 80/20 split drawn per seed (testSeed = seed), as the note did.
      out.push({ name: raw, family: 'iris', dataset: { name: 'iris', oneVsRest: c, seed, testSeed: seed }, epochs: irisEpochs });
    }
  }
  return out;
}

/** The training config of one run: the same architecture, data and epochs for every rule. */
export function configFor(task: Task, label: Label, seed: number, extra: Record<string, unknown> = {}): TrainConfigInput {
  const arch = task.family === 'mnist'
    ? { hidden: [256, 256], batchSize: 32 }
    : { hidden: [16, 16], batchSize: 1, inputTransform: 'min-max' as const };
  const ruleOptions = label === 'bp' ? {} : { ...VARIANTS[label][task.family], ...extra };
  return {
    rule: label === 'bp' ? 'bp' : 'gupta',
    ruleOptions,
    ...arch,
    activation: 'sigmoid',
    output: 'softmax',
    loss: 'cross-entropy',
    init: 'glorot-uniform',
    epochs: task.epochs,
    seed,
    optimizer: label === 'bp' ? BP_OPTIMIZER : GUPTA_OPTIMIZER,
    progressEvery: 1_000_000,
  };
}

export interface RunRow {
  key: string;
  part: 'accuracy' | 'ablation';
  task: string;
  label: string;
  variant?: string;
  seed: number;
  epochs: number;
  testBalanced: number;
  testAccuracy: number;
  trainLoss: number[];
  trainSeconds: number;
  status: string;
  diversity: Diversity[];
  config: TrainConfigInput;
  backend: string;
  build: string;
  load: number;
  version: string;
  date: string;
}

export interface Diversity {
  /** Principal components holding 95% of the variance of the layer's activities. */
  pcs95: number;
  /** Mean |correlation| between the layer's live units. */
  meanAbsCorr: number;
  /** Units whose activity never varies (sd < 1e-4). */
  dead: number;
  meanActivity: number;
}

/** Diversity of every hidden layer on the first rows of a data set (the note's collapse diagnosis). */
export function diversity(net: Network, ds: Dataset, rows = 2000): Diversity[] {
  const n = Math.min(rows, ds.n);
  const be = net.backend;
  const ws = net.workspace(n);
  net.setInput(ws, ds.x.subarray(0, n * ds.d));
  net.forward(ws);
  const out: Diversity[] = [];
  for (let l = 0; l < net.depth - 1; l++) {
    const h = net.layers[l].outSize;
    const a = be.read(ws.h[l]);
    const mean = new Float64Array(h);
    for (let i = 0; i < n; i++) for (let m = 0; m < h; m++) mean[m] += a[i * h + m] / n;
    const centred = new Matrix(n, h);
    for (let i = 0; i < n; i++) for (let m = 0; m < h; m++) centred.set(i, m, a[i * h + m] - mean[m]);
    const cov = centred.transpose().mmul(centred).div(n);
    const ev = new EigenvalueDecomposition(cov, { assumeSymmetric: true }).realEigenvalues.map((v) => Math.max(0, v)).sort((x, y) => y - x);
    const total = ev.reduce((s, v) => s + v, 0);
    let acc = 0;
    let pcs = 0;
    while (pcs < ev.length && acc < 0.95 * total) acc += ev[pcs++];
    const sd = Array.from({ length: h }, (_, m) => Math.sqrt(cov.get(m, m)));
    const alive = sd.map((s, m) => (s > 1e-4 ? m : -1)).filter((m) => m >= 0);
    let sum = 0;
    let count = 0;
    for (let p = 0; p < alive.length; p++) {
      for (let q = p + 1; q < alive.length; q++) {
        sum += Math.abs(cov.get(alive[p], alive[q]) / (sd[alive[p]] * sd[alive[q]]));
        count++;
      }
    }
    out.push({ pcs95: pcs, meanAbsCorr: count ? sum / count : 1, dead: h - alive.length, meanActivity: mean.reduce((s, v) => s + v, 0) / h });
  }
  return out;
}

async function readRows(): Promise<RunRow[]> {
  try {
    return (await readFile(RUNS, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRow);
  } catch {
    return [];
  }
}

const keyOf = (part: string, task: string, label: string, seed: number, cfg: TrainConfigInput) =>
  `${part}|${task}|${label}|${seed}|${cfg.epochs}|${JSON.stringify(cfg.ruleOptions)}|${JSON.stringify(cfg.optimizer)}`;

const dataCache = new Map<string, Promise<LoadedDatasets>>();
function data(spec: DatasetSpec): Promise<LoadedDatasets> {
  const k = JSON.stringify(spec);
  let p = dataCache.get(k);
  if (!p) dataCache.set(k, (p = loadDataset(spec)));
  return p;
}

async function runOne(be: Backend, part: RunRow['part'], task: Task, label: string, seed: number, cfg: TrainConfigInput, variant?: string): Promise<RunRow> {
  const d = await data(task.dataset);
  const r = await train(cfg, { train: d.train }, { backend: be });
  const ev = evaluate(r.net, d.test, { inference: { rule: r.rule, state: r.ruleState, options: r.ruleOptions } });
  const row: RunRow = {
    key: keyOf(part, task.name, variant ?? label, seed, cfg), part, task: task.name, label, variant, seed, epochs: cfg.epochs!,
    testBalanced: ev.balancedAccuracy, testAccuracy: ev.accuracy, trainLoss: r.history.map((h) => h.trainLoss), trainSeconds: r.trainSeconds,
    status: r.status, diversity: diversity(r.net, d.test), config: cfg, backend: be.name, build: be.build, load: loadavg()[0], version: VERSION,
    date: new Date().toISOString(),
  };
  r.net.dispose();
  await mkdir('docs/results', { recursive: true });
  await appendFile(RUNS, `${JSON.stringify(row)}\n`);
  const pct = (v: number) => (100 * v).toFixed(2);
  console.log(`${task.name} ${variant ?? label} seed ${seed}: balanced ${pct(row.testBalanced)} plain ${pct(row.testAccuracy)} (${row.trainSeconds.toFixed(0)} s, load ${row.load.toFixed(1)}) PCs ${row.diversity.map((x) => x.pcs95).join('/')}`);
  return row;
}

async function accuracy(be: Backend, v: Record<string, string | boolean | undefined>): Promise<void> {
  const seeds = String(v.seeds).split(',').map(Number);
  const labels = String(v.labels).split(',') as Label[];
  for (const l of labels) if (!LABELS.includes(l)) throw new Error(`--labels: '${l}' is not one of ${LABELS.join(', ')}`);
  const done = new Set((await readRows()).map((r) => r.key));
  for (const seed of seeds) {
    for (const task of tasksFrom(String(v.tasks), seed, v.epochs ? Number(v.epochs) : undefined, Number(v['iris-epochs']))) {
      for (const label of labels) {
        const cfg = configFor(task, label, seed);
        if (done.has(keyOf('accuracy', task.name, label, seed, cfg))) continue;
        await runOne(be, 'accuracy', task, label, seed, cfg);
      }
    }
  }
}

/** The note's ablations (§5), on MNIST 9-vs-rest and IRIS versicolor-vs-rest. */
export const ABLATIONS: { name: string; label: Exclude<Label, 'bp'>; extra: Record<string, unknown>; optimizer?: TrainConfigInput['optimizer'] }[] = [
  { name: 'pa, without a(1 − a)', label: 'pa', extra: { timingSensitivity: false } },
  { name: 'pa, β = 1', label: 'pa', extra: { association: 1 } },
  { name: 'pa under bp\'s optimiser (Adam 1e-3 on every layer)', label: 'pa', extra: {}, optimizer: BP_OPTIMIZER },
  { name: 'pa, no class balance', label: 'pa', extra: { classBalance: false } },
  { name: 'ca, no threshold homeostasis', label: 'ca', extra: { homeostasisRate: 0 } },
  { name: 'ca, no drive normalisation', label: 'ca', extra: { driveNorm: false } },
  { name: 'ca, no class balance', label: 'ca', extra: { classBalance: false } },
  { name: 'assoc, no class balance', label: 'assoc', extra: { classBalance: false } },
];

/**
 * True when an ablation's settings equal its variant's default on that task family (e.g. 'no drive
 * normalisation' on IRIS, whose CA setting has it off already): running it would re-measure the default.
 */
export function ablationIsNoop(family: Task['family'], a: (typeof ABLATIONS)[number]): boolean {
  const gupta = getRule('gupta');
  const base = VARIANTS[a.label][family];
  const same = JSON.stringify(parseRuleOptions(gupta, { ...base, ...a.extra })) === JSON.stringify(parseRuleOptions(gupta, base));
  return same && (!a.optimizer || JSON.stringify(a.optimizer) === JSON.stringify(GUPTA_OPTIMIZER));
}

async function ablations(be: Backend, v: Record<string, string | boolean | undefined>): Promise<void> {
  const seeds = String(v.seeds).split(',').map(Number);
  const done = new Set((await readRows()).map((r) => r.key));
  for (const seed of seeds) {
    for (const task of tasksFrom(String(v.tasks), seed, v.epochs ? Number(v.epochs) : undefined, Number(v['iris-epochs']))) {
      for (const a of ABLATIONS) {
        if (ablationIsNoop(task.family, a)) {
          if (seed === seeds[0]) console.log(`${task.name} ${a.name}: skipped (the ${task.family} setting of '${a.label}' already has it)`);
          continue;
        }
        const cfg = { ...configFor(task, a.label, seed, a.extra), ...(a.optimizer ? { optimizer: a.optimizer } : {}) };
        if (done.has(keyOf('ablation', task.name, a.name, seed, cfg))) continue;
        await runOne(be, 'ablation', task, a.label, seed, cfg, a.name);
      }
    }
  }
}

async function robustness(be: Backend, v: Record<string, string | boolean | undefined>): Promise<void> {
  const seed = 1;
  const [task] = tasksFrom(String(v.task), seed, v.epochs ? Number(v.epochs) : undefined, Number(v['iris-epochs']));
  if (task.family !== 'mnist') throw new Error('--task: the robustness part runs on MNIST tasks');
  const hidden = String(v.hidden) as Exclude<Label, 'bp'>;
  const gupta = configFor(task, hidden, seed);
  const bp = configFor(task, 'bp', seed);
  const { rule: _r, seed: _s, ruleOptions: _o, ...shared } = bp;
  // A control: bp under another optimiser (it and its transfer surrogate), e.g. '{"kind":"sgd","lr":0.1}'.
  const bpOptimizer = v['bp-optimizer'] ? (JSON.parse(String(v['bp-optimizer'])) as Record<string, unknown>) : undefined;
  const out = String(v.out ?? `docs/results/gupta-robustness-${task.name.replace(':', '-')}-${hidden}${bpOptimizer ? `-bp-${String(bpOptimizer.kind)}` : ''}`);
  const oneVsRest = task.dataset.oneVsRest !== undefined;
  const command = `npm run reproduce -- gupta robustness ${process.argv.slice(4).join(' ')}`.trim();
  const report: ComparisonReport = await runComparison(
    {
      rules: ['gupta', 'bp'],
      ruleOptions: { gupta: gupta.ruleOptions as Record<string, unknown> },
      optimizers: { gupta: GUPTA_OPTIMIZER, ...(bpOptimizer ? { bp: bpOptimizer } : {}) },
      // One-vs-rest: attack a class-balanced test set (500 + 500 rows), so accuracy there is balanced accuracy.
      dataset: { ...task.dataset, ...(oneVsRest ? { testPerClassCap: 500 } : {}) } as Record<string, unknown>,
      train: shared as Record<string, unknown>,
      seeds: String(v.seeds).split(',').map(Number),
      epsilons: [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
      pgd: { steps: Number(v['pgd-steps']), restarts: 1 },
      attackRows: 1000,
      checkEpsilon: 0.1,
      square: { queries: Number(v['square-queries']), pInit: 0.05 },
    },
    { backend: be, outDir: out, command, onEvent: logEvent },
  );
  for (const c of report.comparison.checks) console.log(`${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
}

function logEvent(e: ComparisonEvent): void {
  if (e.type === 'stage') console.log(`[${e.stage}] ${e.message}`);
  else if (e.type === 'trained') console.log(`trained ${e.run.rule} seed ${e.run.seed}${e.run.surrogate ? ' (surrogate)' : ''}: test ${(100 * e.run.testAccuracy).toFixed(2)}% in ${e.run.trainSeconds.toFixed(0)} s`);
  else if (e.type === 'attack' && e.event.type === 'attack-done') {
    const r = e.event.row;
    console.log(`  ${r.rule}/${r.seed} ${r.series.padEnd(14)} ε=${r.epsilon.toFixed(2)}: ${(100 * r.robustAccuracy).toFixed(1)}%`);
  }
}

export interface BenchRow {
  label: string;
  parallel: 'none' | 'layers';
  batch: number;
  /** Median ms per training step (forward, rule update, optimiser) over every step timed. */
  stepMs: number;
  /**
   * 10th percentile of the step times: on a shared, busy machine a step of a few ms is often
   * preempted, so the median carries the wait; the low percentile is closer to the work itself.
   */
  p10Ms: number;
  /** Process CPU time (every thread) per step: the work, without the waits. */
  cpuMs: number;
  /** Mean ms per step of each repeat. */
  meanMs: number[];
  /** Median ms of the parts: the shared forward pass, the rule's update, the optimiser. */
  forwardMs: number;
  updateMs: number;
  applyMs: number;
}

/** Median time per training step on 784-256-256-2 (MNIST shapes, random data), each rule on one warm backend. */
async function bench(be: Backend, v: Record<string, string | boolean | undefined>): Promise<void> {
  const steps = Number(v['bench-steps']);
  const repeats = Number(v.repeats);
  const batches = String(v.batches).split(',').map(Number);
  const rows: BenchRow[] = [];
  const loadBefore = loadavg();
  const cases: { label: string; rule: string; options: Record<string, unknown>; parallel: 'none' | 'layers' }[] = [
    { label: 'bp', rule: 'bp', options: {}, parallel: 'none' },
    ...(['pa', 'ca', 'assoc', 'stdp'] as const).map((h) => ({ label: h, rule: 'gupta', options: VARIANTS[h].mnist, parallel: 'none' as const })),
    ...(['pa', 'stdp'] as const).map((h) => ({ label: h, rule: 'gupta', options: VARIANTS[h].mnist, parallel: 'layers' as const })),
  ];
  for (const batch of batches) {
    for (const c of cases) {
      const rule = getRule(c.rule);
      const options = parseRuleOptions(rule, c.rule === 'gupta' ? { ...c.options, parallel: c.parallel } : {});
      const cfg = parseTrainConfig({ hidden: [256, 256], activation: 'sigmoid', output: 'softmax', optimizer: c.rule === 'bp' ? BP_OPTIMIZER : GUPTA_OPTIMIZER });
      const rng = createRng(1);
      const fake = { d: 784, classNames: ['rest', 'pos'] } as unknown as Dataset;
      const net = Network.create(be, networkSpecFor(cfg, fake), rng.fork('init'));
      const state = rule.init(net, rng.fork('rule'), options);
      const grads = makeGrads(net);
      const opt = new Optimizer(be, net, cfg.optimizer);
      const x = Float32Array.from({ length: batch * 784 }, () => rng.uniform(0, 1));
      const y = Int32Array.from({ length: batch }, () => (rng.uniform(0, 1) < 0.1 ? 1 : 0));
      const ws = net.workspace(batch);
      net.setInput(ws, x);
      net.setLabels(ws, y);
      const times: { f: number; u: number; a: number }[] = [];
      const one = () => {
        const t0 = performance.now();
        net.forward(ws);
        outputError(net, ws, 'cross-entropy');
        const t1 = performance.now();
        const ctx: StepContext = { backend: be, net, ws, n: batch, labels: y, loss: 'cross-entropy', grads, rng, epoch: 0, step: 0 };
        rule.step(ctx, state, options);
        const t2 = performance.now();
        opt.apply(grads);
        const t3 = performance.now();
        return { f: t1 - t0, u: t2 - t1, a: t3 - t2 };
      };
      // Warm up ≥ 2 s so V8 tiers the wasm up (stack-notes: baseline compiler first).
      const tw = performance.now();
      while (performance.now() - tw < 2000) one();
      const perRepeat: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let r = 0; r < repeats; r++) {
        const ts: { f: number; u: number; a: number }[] = [];
        for (let s = 0; s < steps; s++) ts.push(one());
        times.push(...ts);
        perRepeat.push(ts.reduce((s, t) => s + t.f + t.u + t.a, 0) / steps);
      }
      const cpu = process.cpuUsage(cpu0);
      rule.endTraining?.(state);
      rule.dispose?.(net, state);
      opt.dispose();
      net.dispose();
      const pct = (a: number[], q: number) => [...a].sort((x1, x2) => x1 - x2)[Math.floor(q * (a.length - 1))];
      const med = (a: number[]) => pct(a, 0.5);
      const totals = times.map((t) => t.f + t.u + t.a);
      const row: BenchRow = {
        label: c.label, parallel: c.parallel, batch, stepMs: med(totals), p10Ms: pct(totals, 0.1), cpuMs: (cpu.user + cpu.system) / 1000 / times.length, meanMs: perRepeat,
        forwardMs: med(times.map((t) => t.f)), updateMs: med(times.map((t) => t.u)), applyMs: med(times.map((t) => t.a)),
      };
      rows.push(row);
      console.log(`batch ${batch} ${c.label.padEnd(5)} ${c.parallel.padEnd(6)} p10 ${row.p10Ms.toFixed(2)}, cpu ${row.cpuMs.toFixed(2)}, median ${row.stepMs.toFixed(2)} ms/step (forward ${row.forwardMs.toFixed(2)}, update ${row.updateMs.toFixed(2)}, optimiser ${row.applyMs.toFixed(2)}); mean per repeat ${perRepeat.map((p) => p.toFixed(2)).join(' ')}`);
    }
  }
  const result = {
    what: 'median ms per training step (forward + rule update + optimiser) on 784-256-256-2 sigmoid/softmax, random MNIST-shaped data',
    version: VERSION, backend: be.name, build: be.build, steps, repeatsPerCase: repeats,
    loadBefore, loadAfter: loadavg(), cores: (await import('node:os')).cpus().length,
    command: `npm run reproduce -- gupta bench ${process.argv.slice(4).join(' ')}`.trim(), date: new Date().toISOString(), rows,
  };
  let previous: { runs: unknown[] } = { runs: [] };
  try {
    previous = JSON.parse(await readFile(BENCH, 'utf8'));
  } catch {
    /* first run */
  }
  await writeFileAtomic(BENCH, `${JSON.stringify({ runs: [...previous.runs, result] }, null, 2)}\n`);
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tasks: { type: 'string' },
      task: { type: 'string', default: 'mnist:9-vs-rest' },
      labels: { type: 'string', default: LABELS.join(',') },
      hidden: { type: 'string', default: 'pa' },
      seeds: { type: 'string', default: '1,2,3,4,5' },
      epochs: { type: 'string' },
      'iris-epochs': { type: 'string', default: '200' },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string' },
      'pgd-steps': { type: 'string', default: '20' },
      'square-queries': { type: 'string', default: '500' },
      'bp-optimizer': { type: 'string' },
      'bench-steps': { type: 'string', default: '100' },
      repeats: { type: 'string', default: '5' },
      batches: { type: 'string', default: '32,128' },
    },
  });
  const part = positionals[0] ?? 'report';
  if (part === 'report') {
    await writeReport();
    return;
  }
  const be = await createBackend(values.backend as BackendName | 'auto');
  console.log(`gupta ${part} on ${be.name}/${be.build}, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  if (part === 'accuracy') await accuracy(be, { ...values, tasks: values.tasks ?? 'mnist,iris' });
  else if (part === 'ablations') await ablations(be, { ...values, tasks: values.tasks ?? 'mnist:9-vs-rest,iris:versicolor-vs-rest' });
  else if (part === 'robustness') await robustness(be, values);
  else if (part === 'bench') await bench(be, values);
  else throw new Error(`unknown part '${part}'; expected accuracy, ablations, robustness, bench or report`);
}

// ------------------------------------------------------------------------------------------ report

const pct = (v: number, d = 2) => (100 * v).toFixed(d);
function meanSd(v: number[]): { mean: number; sd: number; n: number } {
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, n);
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}
/** "98.12 ± 0.10" in %, or the single value when one seed ran; "—" when none. */
function ms(v: number[]): string {
  if (!v.length) return '—';
  const m = meanSd(v);
  return m.n > 1 ? `${pct(m.mean)} ± ${pct(m.sd)}` : pct(m.mean);
}
const seedsOf = (rows: RunRow[]) => [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
const seedText = (s: number[]) => (s.length === 0 ? '—' : s.length > 1 && s.every((v, i) => i === 0 || v === s[i - 1] + 1) ? `${s[0]}–${s.at(-1)}` : s.join(','));

/** Accuracy rows of a task and label (the settings in force now, so stale rows never mix in). */
function pick(rows: RunRow[], task: string, label: string): RunRow[] {
  return rows.filter((r) => r.part === 'accuracy' && r.task === task && r.label === label);
}

/** A task's short name in coverage lines: 'mnist:3-vs-rest' → '3', 'iris:setosa-vs-rest' → 'setosa'. */
const shortTask = (t: string) => t.replace(/^\w+:/, '').replace(/-vs-rest$/, '');

/** "1–3 on 0–4; 1–2 on 5–9": which seeds ran on which tasks, grouped by seed set; "not run" when none. */
function coverage(rows: RunRow[], tasks: string[], label: string): string {
  const groups = new Map<string, string[]>();
  for (const t of tasks) {
    const seeds = seedsOf(pick(rows, t, label));
    if (!seeds.length) continue;
    const k = seedText(seeds);
    groups.set(k, [...(groups.get(k) ?? []), shortTask(t)]);
  }
  if (!groups.size) return 'not run';
  const all = groups.size === 1 && [...groups.values()][0].length === tasks.length;
  return [...groups.entries()].map(([seeds, ts]) => {
    const seedWord = seeds.includes('–') || seeds.includes(',') ? 'seeds' : 'seed';
    return all ? `${seedWord} ${seeds} on every task` : `${seedWord} ${seeds} on ${compactDigits(ts)}`;
  }).join('; ');
}

/** '0,1,2,3,5' → '0–3, 5' for digit names; other names joined by commas. */
function compactDigits(names: string[]): string {
  if (!names.every((n) => /^\d$/.test(n))) return names.join(', ');
  const d = names.map(Number).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < d.length; ) {
    let j = i;
    while (j + 1 < d.length && d[j + 1] === d[j] + 1) j++;
    parts.push(j - i >= 2 ? `${d[i]}–${d[j]}` : d.slice(i, j + 1).join(', '));
    i = j + 1;
  }
  return `digit${d.length > 1 ? 's' : ''} ${parts.join(', ')}`;
}

function accuracyTable(rows: RunRow[], tasks: string[], labels: readonly string[]): string[] {
  const head = ['task', ...labels.map((l) => `${l} balanced`), 'pa − bp (balanced)', ...labels.map((l) => `${l} plain`)];
  const out = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const t of tasks) {
    const bal = labels.map((l) => pick(rows, t, l).map((r) => r.testBalanced));
    const acc = labels.map((l) => pick(rows, t, l).map((r) => r.testAccuracy));
    const gap = pairedGap(rows, t, 'pa', 'bp');
    out.push(`| ${t} | ${bal.map(ms).join(' | ')} | ${gap === null ? '—' : signed(gap)} | ${acc.map(ms).join(' | ')} |`);
  }
  if (tasks.length > 1) {
    // Mean over tasks of each label's per-task mean, over the tasks given (where that label ran); the count says how many.
    const meanRow = (title: string, over: string[], seed?: number) => {
      const sel = (t: string, l: string) => pick(rows, t, l).filter((r) => seed === undefined || r.seed === seed);
      const cell = (l: string, f: (r: RunRow) => number) => {
        const per = over.map((t) => sel(t, l).map(f)).filter((v) => v.length).map((v) => meanSd(v).mean);
        return per.length ? `${pct(meanSd(per).mean)} (${per.length})` : '—';
      };
      const gaps = over.map((t) => pairedGap(rows.filter((r) => seed === undefined || r.seed === seed), t, 'pa', 'bp')).filter((g): g is number => g !== null);
      return `| ${title} | ${labels.map((l) => cell(l, (r) => r.testBalanced)).join(' | ')} | ${gaps.length ? signed(meanSd(gaps).mean) : '—'} | ${labels.map((l) => cell(l, (r) => r.testAccuracy)).join(' | ')} |`;
    };
    out.push(meanRow('mean over tasks (how many tasks)', tasks));
    // The labels that ran on only some tasks are compared on the tasks every label that ran shares.
    const ran = labels.filter((l) => tasks.some((t) => pick(rows, t, l).length));
    const shared = tasks.filter((t) => ran.every((l) => pick(rows, t, l).length));
    if (shared.length && shared.length < tasks.length) out.push(meanRow(`mean over ${compactDigits(shared.map(shortTask))} only (where every rule ran)`, shared));
    // Rules that ran different numbers of seeds are also compared on seed 1 alone (every rule runs seed 1 first).
    const seedCounts = new Set(ran.flatMap((l) => tasks.map((t) => pick(rows, t, l).length).filter((n) => n > 0)));
    if (seedCounts.size > 1) out.push(meanRow('mean over tasks, seed 1 only (same seed for every rule)', tasks, 1));
  }
  return out;
}

const signed = (v: number, d = 2) => `${v >= 0 ? '+' : ''}${pct(v, d)}`;

/** Mean over the seeds both labels ran of (a − b) balanced accuracy, or null. */
function pairedGap(rows: RunRow[], task: string, a: string, b: string): number | null {
  const ra = pick(rows, task, a);
  const rb = pick(rows, task, b);
  const seeds = ra.map((r) => r.seed).filter((s) => rb.some((x) => x.seed === s));
  if (!seeds.length) return null;
  return meanSd(seeds.map((s) => ra.find((r) => r.seed === s)!.testBalanced - rb.find((r) => r.seed === s)!.testBalanced)).mean;
}

function diversityTable(rows: RunRow[], tasks: string[]): string[] {
  const out = ['| task | rule | PCs for 95% (L1 / L2) | mean abs corr (L1 / L2) | dead units (L1 / L2) | mean activity (L1 / L2) |', '| --- | --- | --- | --- | --- | --- |'];
  for (const t of tasks) {
    for (const l of LABELS) {
      const r = pick(rows, t, l).find((x) => x.seed === 1);
      if (!r) continue;
      const d = r.diversity;
      out.push(`| ${t} | ${l} | ${d.map((x) => x.pcs95).join(' / ')} | ${d.map((x) => x.meanAbsCorr.toFixed(2)).join(' / ')} | ${d.map((x) => x.dead).join(' / ')} | ${d.map((x) => x.meanActivity.toFixed(2)).join(' / ')} |`);
    }
  }
  return out;
}

function ablationTable(rows: RunRow[]): string[] {
  const abl = rows.filter((r) => r.part === 'ablation');
  const tasks = [...new Set(abl.map((r) => r.task))];
  if (!tasks.length) return ['No ablation runs yet.'];
  const out = ['| task | variant | seeds | balanced | plain | default of that variant (same seeds), balanced | ablation − default (paired, balanced) | PCs L1/L2 (seed 1) |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  const noops: string[] = [];
  for (const t of tasks) {
    const family = t.startsWith('mnist') ? 'mnist' : 'iris';
    for (const a of ABLATIONS) {
      const rs = abl.filter((r) => r.task === t && r.variant === a.name);
      if (!rs.length) continue;
      if (ablationIsNoop(family, a)) {
        noops.push(`'${a.name}' on ${t}`);
        continue;
      }
      const seeds = seedsOf(rs);
      const base = pick(rows, t, a.label).filter((r) => seeds.includes(r.seed));
      const paired = rs.map((r) => ({ r, b: base.find((x) => x.seed === r.seed) })).filter((p): p is { r: RunRow; b: RunRow } => p.b !== undefined);
      const diff = paired.length ? meanSd(paired.map((p) => p.r.testBalanced - p.b.testBalanced)) : null;
      const diffText = diff === null ? '—' : `${signed(diff.mean, 1)}${diff.n > 1 ? ` ± ${pct(diff.sd, 1)}` : ''}${paired.length < rs.length ? ` (${paired.length} seeds)` : ''}`;
      const d = rs.find((r) => r.seed === 1)?.diversity;
      out.push(`| ${t} | ${a.name} | ${seedText(seeds)} | ${ms(rs.map((r) => r.testBalanced))} | ${ms(rs.map((r) => r.testAccuracy))} | ${ms(base.map((r) => r.testBalanced))} | ${diffText} | ${d ? d.map((x) => x.pcs95).join('/') : '—'} |`);
    }
  }
  if (noops.length) out.push('', `Left out because their settings equal the variant's default there (the run only re-measured the default): ${noops.join(', ')}.`);
  return out;
}

interface RobustSummary { dir: string; report: ComparisonReport }

async function robustnessSections(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const dirs = (await readdir('docs/results')).filter((d) => d.startsWith('gupta-robustness-')).sort();
  const found: RobustSummary[] = [];
  const incomplete: string[] = [];
  for (const dir of dirs) {
    try {
      found.push({ dir, report: JSON.parse(await readFile(`docs/results/${dir}/report.json`, 'utf8')) as ComparisonReport });
    } catch {
      incomplete.push(dir); // a run still going, or one stopped before its report
    }
  }
  const out: string[] = [];
  if (!found.length) out.push('No robustness run has finished yet (`npm run reproduce -- gupta robustness --task mnist:0-vs-1 --hidden pa --seeds 1,2,3,4,5`).', '');
  if (incomplete.length) out.push(`Without a report.json yet (running or stopped), so not shown: ${incomplete.map((d) => `\`docs/results/${d}/\``).join(', ')}.`, '');
  for (const { dir, report } of found) {
    const c = report.comparison;
    const seeds = c.config.seeds;
    const eps = c.config.epsilons;
    const hidden = String((c.config.ruleOptions.gupta as { hidden?: string } | undefined)?.hidden ?? 'pa');
    const val = (rule: string, seed: number, series: string, e: number) => report.rows.find((r) => r.rule === rule && r.seed === seed && r.series === series && r.epsilon === e)?.robustAccuracy;
    const minOver = (rule: string, seed: number, e: number) => {
      const v = ['fgsm', 'pgd', 'fgsm/transfer', 'pgd/transfer'].map((s) => val(rule, seed, s, e)).filter((x): x is number => x !== undefined);
      return Math.min(...v);
    };
    const cell = (rule: string, series: string, e: number) => ms(seeds.map((s) => val(rule, s, series, e)).filter((x): x is number => x !== undefined));
    const opt = (o: unknown) => {
      const x = o as { kind: string; lr: number; schedule?: { kind: string } };
      return `${x.kind} ${x.lr}${x.schedule && x.schedule.kind !== 'constant' ? ` (${x.schedule.kind})` : ''}`;
    };
    const bpOpt = opt(c.config.optimizers?.bp ?? c.config.train.optimizer);
    const names = report.dataset.classNames[0] === 'rest' ? [...report.dataset.classNames].reverse() : report.dataset.classNames;
    out.push(`### ${names.join(' vs ')} (${report.dataset.name}), gupta '${hidden}' (${opt(c.config.optimizers?.gupta)}) vs bp (${bpOpt}) — \`docs/results/${dir}/\``, '');
    out.push(`Command: \`${report.command}\`. ${seeds.length} seeds (${seedText(seeds)}); ${report.dataset.n} attacked test rows` +
      `${report.dataset.classNames[0] === 'rest' ? ' (class-balanced: 500 per class, so accuracy here is balanced accuracy)' : ''}; backend ${c.backend.name}/${c.backend.build}; ${(c.seconds / 60).toFixed(0)} min.`, '');
    out.push('Robust accuracy, % (mean ± sd over seeds). "worst" is, per model, the lowest of FGSM, PGD and the transfer attacks from a separately trained bp surrogate (transfer PGD only at ε = 0.1), then averaged.', '');
    out.push('| ε | gupta FGSM | gupta PGD | gupta FGSM transfer | gupta worst | bp FGSM | bp PGD | bp FGSM transfer | bp worst | worst: gupta − bp |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const e of eps) {
      const wg = seeds.map((s) => minOver('gupta', s, e));
      const wb = seeds.map((s) => minOver('bp', s, e));
      const diff = meanSd(wg.map((v, i) => v - wb[i]));
      out.push(`| ${e} | ${cell('gupta', 'fgsm', e)} | ${cell('gupta', 'pgd', e)} | ${cell('gupta', 'fgsm/transfer', e)} | ${ms(wg)} | ${cell('bp', 'fgsm', e)} | ${cell('bp', 'pgd', e)} | ${cell('bp', 'fgsm/transfer', e)} | ${ms(wb)} | ${diff.mean >= 0 ? '+' : ''}${pct(diff.mean, 1)} ± ${pct(diff.sd, 1)} |`);
    }
    const ce = c.config.checkEpsilon;
    out.push('', `At ε = ${ce}: Square (${c.config.square.queries} queries) gupta ${cell('gupta', 'square', ce)}, bp ${cell('bp', 'square', ce)}; transfer PGD gupta ${cell('gupta', 'pgd/transfer', ce)}, bp ${cell('bp', 'pgd/transfer', ce)}; uniform noise gupta ${cell('gupta', 'noise-uniform', ce)}, bp ${cell('bp', 'noise-uniform', ce)}.`, '');
    out.push('Paired t-test over seeds, gupta − bp (points):', '', '| series | ε | mean difference | 95% CI | p |', '| --- | --- | --- | --- | --- |');
    for (const t of c.tests) out.push(`| ${t.series} | ${t.epsilon} | ${pct(t.meanDifference, 1)} | [${pct(t.lo, 1)}, ${pct(t.hi, 1)}] | ${Number.isFinite(t.p) ? (t.p < 1e-4 ? t.p.toExponential(1) : t.p.toFixed(4)) : '—'} |`);
    out.push('', 'Gradient-masking checks:', '', ...c.checks.map((k) => `- **${k.pass ? 'PASS' : 'FAIL'}** ${k.name}: ${k.detail}`), '');
  }
  return out;
}

async function benchSection(): Promise<string[]> {
  let runs: { rows: BenchRow[]; loadBefore: number[]; loadAfter: number[]; backend: string; build: string; steps: number; repeatsPerCase: number; command: string; date: string; cores: number }[];
  try {
    runs = JSON.parse(await readFile(BENCH, 'utf8')).runs;
  } catch {
    return ['No benchmark run yet (`npm run reproduce -- gupta bench`).'];
  }
  const out: string[] = [];
  for (const [i, r] of runs.entries()) {
    out.push(`Run ${i + 1} (${r.date.slice(0, 16)}): \`${r.command}\`, ${r.backend}/${r.build}, ${r.cores} cores, load average ${r.loadBefore.map((x) => x.toFixed(1)).join(' ')} before and ${r.loadAfter.map((x) => x.toFixed(1)).join(' ')} after; ${r.repeatsPerCase} × ${r.steps} steps per case after a 2 s warm-up.`, '');
    out.push('| batch | rule | mode | p10 ms/step | CPU ms/step | median ms/step | p10 / bp p10 | forward / update / optimiser (median ms) |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of r.rows) {
      const bp = r.rows.find((x) => x.label === 'bp' && x.batch === row.batch);
      out.push(`| ${row.batch} | ${row.label === 'bp' ? 'bp' : `gupta ${row.label}`} | ${row.parallel === 'layers' ? "parallel: 'layers'" : 'sequential'} | ${row.p10Ms.toFixed(2)} | ${row.cpuMs.toFixed(2)} | ${row.stepMs.toFixed(2)} | ${bp ? (row.p10Ms / bp.p10Ms).toFixed(2) : '—'} | ${row.forwardMs.toFixed(2)} / ${row.updateMs.toFixed(2)} / ${row.applyMs.toFixed(2)} |`);
    }
    out.push('');
  }
  return out;
}

async function writeReport(): Promise<void> {
  const rows = await readRows();
  const digits = Array.from({ length: 10 }, (_, d) => `mnist:${d}-vs-rest`);
  const iris = ['setosa', 'versicolor', 'virginica'].map((c) => `iris:${c}-vs-rest`);
  const gaps = digits.map((t) => pairedGap(rows, t, 'pa', 'bp')).filter((g): g is number => g !== null);
  const irisGaps = iris.map((t) => pairedGap(rows, t, 'pa', 'bp')).filter((g): g is number => g !== null);
  const ran = (tasks: string[]) => rows.some((r) => r.part === 'accuracy' && tasks.includes(r.task));
  const oneTask = (t: string, command: string) => ran([t])
    ? [`Seeds: ${LABELS.map((l) => `${l} ${seedText(seedsOf(pick(rows, t, l)))}`).join(', ')}.`, '', ...accuracyTable(rows, [t], LABELS), '', `Command: ${command}.`]
    : [`Not run yet. Command: ${command}.`];
  const verdict = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const lines = [
    '# `gupta` (STDP-derived local rule) vs bp — measured results',
    '',
    `Generated by \`npm run reproduce -- gupta report\` from \`docs/results/gupta-runs.jsonl\` (${rows.length} runs), \`docs/results/gupta-bench.json\` and \`docs/results/gupta-robustness-*/\`; Plasticity ${VERSION}. The rule and every equation: [docs/rules/gupta.md](../rules/gupta.md).`,
    '',
    'Setup (both rules, every table): the same network (two sigmoid hidden layers, a softmax output read by gupta as σ(z), Glorot-uniform initialisation), the same data order per seed and the same epochs. ' +
      'bp: softmax cross-entropy, Adam 1e-3, constant (the research note\'s baseline; no class balancing). gupta: its rule options set every layer\'s rate, applied by plain SGD at lr 1 decaying linearly to 0 over the run. ' +
      'MNIST: 784-256-256-2, batch 32, pixels/255, the official test set (10 000 images; one-vs-rest is about 10% positives, so balanced accuracy = mean per-class recall is the figure that matters, plain accuracy beside it). ' +
      'IRIS: 4-16-16-2, batch 1, 200 epochs, min-max scaled on the training split, a stratified 80/20 split drawn per seed (30 test flowers: one flower is 3.3 points of plain accuracy). ' +
      'Every accuracy is the final epoch\'s, on the test set (nothing selected on it).',
    '',
    '## MNIST one-vs-rest, 10 epochs',
    '',
    'What ran (seeds × digits; a cell without ± is one seed):',
    '',
    ...LABELS.map((l) => `- ${l}: ${coverage(rows, digits, l)}`),
    '',
    'Test balanced / plain accuracy, %, mean ± sd over the seeds that ran. The "mean over tasks" row averages the per-digit means of each rule over the digits it ran (how many in brackets); where rules ran different digits or seeds, the rows below it compare them on the digits they all ran and on seed 1 alone.',
    '',
    ...accuracyTable(rows, digits, LABELS),
    '',
    gaps.length
      ? `Target (pa within 2 pp of bp on average over the digits, no digit worse by more than 4 pp, balanced accuracy): mean pa − bp = ${signed(gaps.reduce((a, b) => a + b, 0) / gaps.length)} pp over ${gaps.length} digits, worst digit ${signed(Math.min(...gaps))} pp: ${verdict(gaps.reduce((a, b) => a + b, 0) / gaps.length >= -0.02 && Math.min(...gaps) >= -0.04)}${gaps.length < 10 ? ` (only ${gaps.length} of 10 digits so far)` : ''}.`
      : 'No MNIST one-vs-rest runs yet.',
    '',
    'Commands: `npm run reproduce -- gupta accuracy --tasks mnist --labels bp,pa --seeds 1,2,3,4,5` (every digit and 0 vs 1; it resumes where it stopped, skipping runs already in the jsonl, so the seeds above are how far it got) and ' +
      '`npm run reproduce -- gupta accuracy --tasks mnist --labels ca,assoc,stdp --seeds 1` (the other hidden variants, one seed; the list above says which digits it has reached). A 10-epoch run took 0.5–4 min on this shared 2-core machine, depending on the variant and the load.',
    '',
    '## MNIST 0 vs 1, 5 epochs',
    '',
    ...oneTask('mnist:0-vs-1', 'the two above (the `mnist` task list includes `mnist:0-vs-1`)'),
    '',
    '## MNIST, all ten classes (one output unit per class), 5 epochs',
    '',
    ...oneTask('mnist:all', '`npm run reproduce -- gupta accuracy --tasks mnist:all --labels bp,pa,ca --seeds 1,2,3` (784-256-256-10)'),
    '',
    '## IRIS one-vs-rest, 200 epochs',
    '',
    ...LABELS.map((l) => `- ${l}: ${coverage(rows, iris, l)}`),
    '',
    ...accuracyTable(rows, iris, LABELS),
    '',
    irisGaps.length
      ? `Target (pa within 3 pp of bp, mean over seeds, each class): gaps ${irisGaps.map((g) => signed(g, 1)).join(', ')} pp: ${verdict(irisGaps.every((g) => g >= -0.03))}.`
      : 'No IRIS runs yet.',
    '',
    'Command: `npm run reproduce -- gupta accuracy --tasks iris --seeds 1,2,3,4,5`.',
    '',
    '## Hidden-layer diversity (the collapse diagnosis), seed 1',
    '',
    'On the first 2000 test rows: principal components holding 95% of each hidden layer\'s variance, mean |correlation| between its live units, dead units (sd < 1e-4), mean activity. A collapsed layer has 1 PC and |corr| ≈ 1.',
    '',
    ...diversityTable(rows, ['mnist:9-vs-rest', 'mnist:3-vs-rest', 'mnist:0-vs-1', 'iris:versicolor-vs-rest']),
    '',
    '## Ablations',
    '',
    ...ablationTable(rows),
    '',
    'Commands: `npm run reproduce -- gupta ablations --tasks iris:versicolor-vs-rest --seeds 1,2,3,4,5` and `npm run reproduce -- gupta ablations --tasks mnist:9-vs-rest,mnist:0-vs-1 --seeds 1`.',
    '',
    '## FGSM / PGD robustness (the abstract\'s claim)',
    '',
    ...(await robustnessSections()),
    '',
    '## Time per training step',
    '',
    'Command: `npm run reproduce -- gupta bench` (784-256-256-2, random MNIST-shaped data, one warm wasm-simd backend, forward + rule update + optimiser per step). ' +
      'The machine is shared: a step of a few ms is often preempted, so the median carries waits; the 10th percentile and the CPU time per step are closer to the work.',
    '',
    ...(await benchSection()),
  ];
  await writeFileAtomic(REPORT, `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`);
  console.log(`wrote ${REPORT}`);
}
