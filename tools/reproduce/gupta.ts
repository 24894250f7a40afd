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

/** 'mnist:3-vs-rest', 'mnist:0-vs-1', 'iris:versicolor-vs-rest'; 'iris' and 'mnist' expand to every one-vs-rest task (+ 0 vs 1). */
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

async function ablations(be: Backend, v: Record<string, string | boolean | undefined>): Promise<void> {
  const seeds = String(v.seeds).split(',').map(Number);
  const done = new Set((await readRows()).map((r) => r.key));
  for (const seed of seeds) {
    for (const task of tasksFrom(String(v.tasks), seed, v.epochs ? Number(v.epochs) : undefined, Number(v['iris-epochs']))) {
      for (const a of ABLATIONS) {
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
  const out = String(v.out ?? `docs/results/gupta-robustness-${task.name.replace(':', '-')}-${hidden}`);
  const oneVsRest = task.dataset.oneVsRest !== undefined;
  const command = `npm run reproduce -- gupta robustness ${process.argv.slice(4).join(' ')}`.trim();
  const report: ComparisonReport = await runComparison(
    {
      rules: ['gupta', 'bp'],
      ruleOptions: { gupta: gupta.ruleOptions as Record<string, unknown> },
      optimizers: { gupta: GUPTA_OPTIMIZER },
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

async function writeReport(): Promise<void> {
  throw new Error('not yet');
}
