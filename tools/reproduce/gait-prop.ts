// GAIT-prop (Ahmad, van Gerven & Ambrogioni 2020, arXiv:2006.06438) next to backprop in the
// authors' setting: square leaky-ReLU (slope 0.1) nets whose output is as wide as the input
// with the classes in its first units, MSE loss, batch 60, γ = 1e-3, λ = 0.1, orthogonal
// init, Adam without bias correction (β2 = 0.99), lr 1e-4. Subcommands:
//   npm run reproduce -- gait-prop train --dataset mnist --rule gait-prop --depth 2 --epochs 5
//   npm run reproduce -- gait-prop bench        cost per step at 784 wide, inverse accuracy and speed
//   npm run reproduce -- gait-prop precision    float32 (wasm-simd) vs float64 (reference) agreement with BP
//   npm run reproduce -- gait-prop report       tables and learning curves into docs/results/gait-prop.md
// Every result is JSON under docs/results/gait-prop-*, written atomically (train: after each epoch).
import { parseArgs } from 'node:util';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { cpus, hostname, loadavg } from 'node:os';
import { createBackend, type Backend, type BackendName } from '@plasticity/core-wasm';
import {
  backpropGrads, createRng, getRule, loadDataset, makeGrads, Network, outputError, parseRuleOptions, renderSvg, svgToPng, train,
  writeFileAtomic, VERSION, type Dataset, type EpochStats, type StepContext, type TrainConfigInput,
} from '@plasticity/rules';

const DIR = 'docs/results';
const RUNS = `${DIR}/gait-prop-runs`;
const MD = `${DIR}/gait-prop.md`;

const machine = () => ({ cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg: loadavg().map((v) => +v.toFixed(2)) });

export async function run(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'train': return trainCmd(rest);
    case 'bench': return benchCmd(rest);
    case 'precision': return precisionCmd(rest);
    case 'report': return reportCmd();
    default:
      throw new RangeError(`gait-prop: unknown subcommand '${cmd ?? ''}'; expected train, bench, precision or report`);
  }
}

// ---------------------------------------------------------------------------------- train

interface RunRecord {
  id: string;
  status: 'running' | 'completed' | 'stopped' | 'diverged';
  dataset: string;
  rule: string;
  depth: number;
  width: number;
  backend: string;
  build: string;
  seed: number;
  config: TrainConfigInput;
  trainSize: number;
  testSize: number;
  command: string;
  started: string;
  updated: string;
  machine: ReturnType<typeof machine>;
  /** The training process, so that `report` can tell a live run from one whose process is gone. */
  pid?: number;
  host?: string;
  epochs: { epoch: number; trainLoss: number; trainAccuracy: number; testAccuracy: number; seconds: number; angles?: number[]; diagnostics?: EpochStats['diagnostics'] }[];
  batches: { step: number; epoch: number; loss: number; accuracy: number }[];
  divergence?: unknown;
}

async function loadData(name: string, dataDir?: string, perClassCap?: number): Promise<{ train: Dataset; test: Dataset }> {
  const cap = perClassCap ? { perClassCap } : {};
  if (name === 'kmnist') {
    if (!dataDir) throw new RangeError('kmnist needs --data-dir with the KMNIST IDX files (train-images-idx3-ubyte, … in MNIST layout)');
    return loadDataset({ name: 'mnist', dataDir, ...cap });
  }
  if (name !== 'mnist' && name !== 'fashion-mnist') throw new RangeError(`--dataset must be mnist, fashion-mnist or kmnist, got '${name}'`);
  return loadDataset({ name, ...(dataDir ? { dataDir } : {}), ...cap });
}

/** The authors' setting for one rule (README "parameters identified in the paper"). */
export function paperConfig(rule: string, o: { depth: number; width: number; epochs: number; seed: number; gamma?: number; orthoReg?: number; lr?: number; inverse?: string }): TrainConfigInput {
  const ruleOptions: Record<string, unknown> =
    rule === 'bp' ? {} : rule === 'tp' ? { orthoReg: o.orthoReg ?? 1000, inverse: o.inverse ?? 'newton' } : { gamma: o.gamma ?? 1e-3, orthoReg: o.orthoReg ?? 0.1, inverse: o.inverse ?? 'newton' };
  return {
    rule, ruleOptions,
    hidden: new Array(o.depth - 1).fill(o.width),
    outputUnits: o.width > 10 ? o.width : undefined,
    activation: 'leaky-relu', output: 'leaky-relu', loss: 'mse', leakySlope: 0.1, init: 'orthogonal',
    epochs: o.epochs, batchSize: 60, seed: o.seed, progressEvery: 100,
    optimizer: { kind: 'adam', lr: o.lr ?? (rule === 'tp' ? 1e-5 : 1e-4), beta1: 0.9, beta2: 0.99, eps: 1e-8, biasCorrection: false },
  };
}

async function trainCmd(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string', default: 'mnist' }, 'data-dir': { type: 'string' }, rule: { type: 'string', default: 'gait-prop' },
      depth: { type: 'string', default: '2' }, width: { type: 'string', default: '784' }, epochs: { type: 'string', default: '5' },
      seed: { type: 'string', default: '1' }, backend: { type: 'string', default: 'wasm-simd' }, gamma: { type: 'string' },
      'ortho-reg': { type: 'string' }, 'ortho-target': { type: 'string' }, lr: { type: 'string' }, inverse: { type: 'string' }, 'per-class': { type: 'string' }, tag: { type: 'string' },
    },
  });
  const depth = Number(values.depth);
  const width = Number(values.width);
  const seed = Number(values.seed);
  const rule = values.rule!;
  const backend = await createBackend(values.backend as BackendName);
  const data = await loadData(values.dataset!, values['data-dir'], values['per-class'] ? Number(values['per-class']) : undefined);
  const config = paperConfig(rule, {
    depth, width, epochs: Number(values.epochs), seed,
    gamma: values.gamma ? Number(values.gamma) : undefined, orthoReg: values['ortho-reg'] ? Number(values['ortho-reg']) : undefined,
    lr: values.lr ? Number(values.lr) : undefined, inverse: values.inverse,
  });
  if (values['ortho-target']) (config.ruleOptions as Record<string, unknown>).orthoTarget = values['ortho-target'];
  const id = [values.dataset, rule, `d${depth}`, `w${width}`, backend.name, `s${seed}`, values.tag].filter(Boolean).join('-');
  const rec: RunRecord = {
    id, status: 'running', dataset: values.dataset!, rule, depth, width, backend: backend.name, build: backend.build, seed, config,
    trainSize: data.train.n, testSize: data.test.n, command: `npm run reproduce -- gait-prop train ${argv.join(' ')}`,
    started: new Date().toISOString(), updated: '', machine: machine(), pid: process.pid, host: hostname(), epochs: [], batches: [],
  };
  await mkdir(RUNS, { recursive: true });
  const save = () => {
    rec.updated = new Date().toISOString();
    rec.machine = machine();
    return writeFileAtomic(`${RUNS}/${id}.json`, `${JSON.stringify(rec, null, 1)}\n`);
  };
  await save();
  let pending: Promise<void> = Promise.resolve();
  const r = await train(config, { train: data.train, validation: data.test }, {
    backend,
    onEvent: (e) => {
      if (e.type === 'batch') {
        rec.batches.push({ step: e.step, epoch: e.epoch, loss: e.loss, accuracy: e.accuracy });
        console.log(`${id} epoch ${e.epoch + 1} batch ${e.batch}/${e.batches}: loss ${e.loss.toFixed(4)} acc ${(100 * e.accuracy).toFixed(2)}% ${e.samplesPerSec.toFixed(0)}/s`);
      } else if (e.type === 'epoch') {
        rec.epochs.push({
          epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, testAccuracy: e.validation?.accuracy ?? NaN,
          seconds: e.seconds, angles: e.angles, diagnostics: e.diagnostics,
        });
        console.log(`${id} epoch ${e.epoch + 1}/${e.epochs}: train acc ${(100 * e.trainAccuracy).toFixed(2)}% test acc ${(100 * (e.validation?.accuracy ?? NaN)).toFixed(2)}% ${e.seconds.toFixed(0)} s` +
          (e.angles ? ` angles ${e.angles.map((a) => a.toFixed(1)).join('/')}°` : ''));
        pending = pending.then(save);
      } else if (e.type === 'diverged') {
        console.log(`${id} diverged: ${e.reason}`);
      }
    },
  });
  await pending;
  rec.status = r.status;
  rec.divergence = r.divergence;
  await save();
  console.log(`${id}: ${r.status}, ${r.history.length} epochs, test acc ${(100 * (rec.epochs.at(-1)?.testAccuracy ?? NaN)).toFixed(2)}%`);
}

// ---------------------------------------------------------------------------------- bench

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function squareNet(be: Backend, width: number, depth: number, seed: number): Network {
  const spec = { inputSize: width, leakySlope: 0.1, classUnits: 10, layers: Array.from({ length: depth }, () => ({ size: width, activation: 'leaky-relu' as const })) };
  return Network.create(be, spec, createRng(seed).fork('init'), 'orthogonal');
}

/**
 * Milliseconds of `steps` rule steps (forward + output error + step) on one batch. Between steps
 * every weight moves by ±1e-4, like an Adam step at lr 1e-4 (not by the update itself: at depth 5
 * in float32 that is noise of huge norm and would wreck W).
 */
function timeSteps(be: Backend, net: Network, rule: string, options: object, x: ArrayLike<number>, labels: number[], steps: number): number[] {
  const r = getRule(rule);
  const o = parseRuleOptions(r, options);
  const st = r.init(net, createRng(2), o);
  const B = labels.length;
  const ws = net.workspace(B);
  net.setInput(ws, x);
  net.setLabels(ws, labels);
  const grads = makeGrads(net);
  const pr = createRng(5);
  const nudge = net.layers.map((l) => be.fromArray(l.outSize, l.inSize, Float64Array.from({ length: l.outSize * l.inSize }, () => (pr.uniform(0, 1) < 0.5 ? -1e-4 : 1e-4))));
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    for (let l = 0; l < net.depth; l++) be.add(net.layers[l].W, nudge[l], net.layers[l].W);
    const t0 = performance.now();
    net.forward(ws);
    outputError(net, ws, 'mse');
    r.step({ backend: be, net, ws, n: B, labels: Int32Array.from(labels), loss: 'mse', grads, rng: createRng(s), epoch: 0, step: s + 1 } as StepContext, st, o);
    times.push(performance.now() - t0);
  }
  r.dispose?.(net, st);
  for (const t of nudge) be.dispose(t);
  return times;
}

async function benchCmd(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { reference: { type: 'boolean', default: false }, repeats: { type: 'string', default: '2' } } });
  const repeats = Number(values.repeats);
  const data = await loadData('mnist');
  const B = 60;
  const x = data.train.x.subarray(0, B * 784);
  const labels = [...data.train.y.subarray(0, B)];
  const out: Record<string, unknown>[] = [];
  const backends: BackendName[] = values.reference ? ['wasm-simd', 'reference'] : ['wasm-simd'];
  for (const name of backends) {
    const be = await createBackend(name);
    // Inverse of a 784×784 matrix: time, pivot ratio and W⁻¹W ≈ I, for Haar-orthogonal and Glorot matrices.
    for (const init of ['orthogonal', 'glorot-normal'] as const) {
      const net = Network.create(be, { inputSize: 784, layers: [{ size: 784, activation: 'linear' }] }, createRng(7), init);
      const W = net.layers[0].W;
      const inv = be.zeros(784, 784);
      const P = be.zeros(784, 784);
      const ts: number[] = [];
      let ratio = NaN;
      for (let i = 0; i < Math.max(1, repeats); i++) {
        const t0 = performance.now();
        ratio = be.inverse(W, inv);
        ts.push(performance.now() - t0);
      }
      be.gemm(inv, W, P);
      const p = be.read(P);
      let maxErr = 0;
      for (let i = 0; i < 784; i++) for (let j = 0; j < 784; j++) maxErr = Math.max(maxErr, Math.abs(p[i * 784 + j] - (i === j ? 1 : 0)));
      const t0 = performance.now();
      be.gemm(W, W, P);
      const gemmMs = performance.now() - t0;
      out.push({ kind: 'inverse-784', backend: name, build: be.build, init, ms: median(ts), pivotRatio: ratio, maxAbsInvWminusI: maxErr, gemm784Ms: gemmMs, load: loadavg()[0] });
      console.log(JSON.stringify(out.at(-1)));
      for (const t of [inv, P]) be.dispose(t);
      net.dispose();
    }
    // Cost per step of the paper's square net (784 wide, batch 60) for 1 and 4 hidden layers.
    const cases: { rule: string; depth: number; options: object; label: string }[] = [];
    for (const depth of name === 'reference' ? [2] : [2, 5]) {
      cases.push({ rule: 'bp', depth, options: {}, label: 'bp' });
      cases.push({ rule: 'gait-prop', depth, options: { inverse: 'newton', diagnosticsEvery: 1e9 }, label: 'gait-prop λ=0.1, Newton–Schulz inverse' });
      cases.push({ rule: 'gait-prop', depth, options: { inverse: 'lu', diagnosticsEvery: 1e9 }, label: 'gait-prop λ=0.1, LU inverse' });
      cases.push({ rule: 'gait-prop', depth, options: { inverse: 'newton', orthoReg: 0, diagnosticsEvery: 1e9 }, label: 'gait-prop λ=0, Newton–Schulz inverse' });
    }
    for (const c of cases) {
      if (name === 'reference' && c.label.includes('Newton')) continue;
      const net = squareNet(be, 784, c.depth, 1);
      const steps = name === 'reference' ? 2 : repeats + 2;
      const times = timeSteps(be, net, c.rule, c.options, x, labels, steps);
      const steady = median(times.slice(name === 'reference' ? 1 : 2));
      out.push({ kind: 'step-784', backend: name, build: be.build, rule: c.rule, label: c.label, depth: c.depth, firstMs: times[0], stepMs: steady, epochMinutes: (steady * 1000) / 60000, load: loadavg()[0] });
      console.log(JSON.stringify(out.at(-1)));
      net.dispose();
    }
  }
  let prev: Record<string, unknown>[] = [];
  try {
    prev = (JSON.parse(await readFile(`${DIR}/gait-prop-bench.json`, 'utf8')) as { rows: Record<string, unknown>[] }).rows;
  } catch {
    // first run
  }
  const key = (r: Record<string, unknown>) => `${r.kind}|${r.backend}|${r.init ?? ''}|${r.label ?? ''}|${r.depth ?? ''}`;
  const keys = new Set(out.map(key));
  await writeFileAtomic(`${DIR}/gait-prop-bench.json`, `${JSON.stringify({ version: VERSION, date: new Date().toISOString(), machine: machine(), rows: [...prev.filter((r) => !keys.has(key(r))), ...out] }, null, 1)}\n`);
}

// ---------------------------------------------------------------------------------- precision

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

/** Per-layer cosine between a rule's update and float64 BP, on one MNIST batch at a fresh orthogonal init. */
async function precisionCmd(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { width: { type: 'string', default: '784' }, depths: { type: 'string', default: '2,3,5' }, gammas: { type: 'string', default: '1e-3,1e-2,1e-1' } } });
  const width = Number(values.width);
  const data = await loadData('mnist');
  const B = 60;
  const x = data.train.x.subarray(0, B * 784);
  const labels = [...data.train.y.subarray(0, B)];
  const ref = await createBackend('reference');
  const f32 = await createBackend('wasm-simd');
  const rows: Record<string, unknown>[] = [];
  for (const depth of values.depths!.split(',').map(Number)) {
    const layers = [784, ...new Array(depth).fill(width)];
    const spec = { inputSize: 784, leakySlope: 0.1, classUnits: 10, layers: layers.slice(1).map((size) => ({ size, activation: 'leaky-relu' as const })) };
    const w0 = Network.create(ref, spec, createRng(1).fork('init'), 'orthogonal').getWeights();
    const gradsOf = (be: Backend, rule: string, options: object): Float64Array[] => {
      const net = Network.fromWeights(be, spec, w0);
      const r = getRule(rule);
      const o = parseRuleOptions(r, options);
      const st = r.init(net, createRng(2), o);
      const ws = net.workspace(B);
      net.setInput(ws, x);
      net.setLabels(ws, labels);
      const grads = makeGrads(net);
      net.forward(ws);
      outputError(net, ws, 'mse');
      if (rule === 'bp') backpropGrads(net, ws, grads);
      else r.step({ backend: be, net, ws, n: B, labels: Int32Array.from(labels), loss: 'mse', grads, rng: createRng(3), epoch: 0, step: 1 } as StepContext, st, o);
      const g = grads.dW.map((t) => Float64Array.from(be.read(t)));
      r.dispose?.(net, st);
      net.dispose();
      return g;
    };
    const bp = gradsOf(ref, 'bp', {});
    const bp32 = gradsOf(f32, 'bp', {});
    rows.push({ depth, width, rule: 'bp', precision: 'f32', cos: bp32.map((g, l) => cosine(g, bp[l])) });
    console.log(JSON.stringify(rows.at(-1)));
    for (const gamma of values.gammas!.split(',').map(Number)) {
      for (const [precision, be] of [['f64', ref], ['f32', f32]] as const) {
        const t0 = performance.now();
        const g = gradsOf(be, 'gait-prop', { gamma, orthoReg: 0, inverse: 'lu' });
        rows.push({ depth, width, rule: 'gait-prop', gamma, precision, cos: g.map((v, l) => cosine(v, bp[l])), seconds: (performance.now() - t0) / 1000 });
        console.log(JSON.stringify(rows.at(-1)));
      }
    }
  }
  await writeFileAtomic(`${DIR}/gait-prop-precision-w${width}.json`, `${JSON.stringify({ version: VERSION, date: new Date().toISOString(), machine: machine(), batch: 'first 60 MNIST training images', init: 'orthogonal (seed 1), zero biases', rows }, null, 1)}\n`);
}

// ---------------------------------------------------------------------------------- report

async function readRuns(): Promise<RunRecord[]> {
  let files: string[] = [];
  try {
    files = (await readdir(RUNS)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(`${RUNS}/${f}`, 'utf8')) as RunRecord));
}

const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(2)}%`);

/** Whether the training process that wrote `r` still runs (same host, pid alive and still a gait-prop job). */
function processAlive(r: RunRecord): boolean | undefined {
  if (r.pid === undefined || r.host !== hostname()) return undefined;
  try {
    process.kill(r.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  try {
    // A recycled pid belongs to some other program.
    return readFileSync(`/proc/${r.pid}/cmdline`, 'utf8').includes('gait-prop');
  } catch {
    return true;
  }
}

/**
 * A record left at 'running' by a process that is gone (killed with its session) is not running:
 * it says 'stopped at k/N'; where the record cannot tell (no pid, another host) 'incomplete (k/N epochs)'.
 */
function statusLabel(r: RunRecord): string {
  const k = `${r.epochs.length}/${r.config.epochs}`;
  if (r.status === 'completed') return 'completed';
  if (r.status === 'diverged') return `diverged at ${k}`;
  if (r.status === 'stopped') return `stopped at ${k}`;
  const alive = processAlive(r);
  return alive === true ? `running (${k})` : alive === false ? `stopped at ${k}` : `incomplete (${k} epochs)`;
}

async function reportCmd(): Promise<void> {
  const runs = await readRuns();
  const lines: string[] = [
    '| run | data | rule | layers | backend | epochs done | train acc | test acc | best test acc | s/epoch | mean angle to BP per layer (last epoch) | status | command (after `npm run reproduce -- gait-prop`) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of runs) {
    const last = r.epochs.at(-1);
    const best = r.epochs.reduce((m, e) => Math.max(m, e.testAccuracy), -Infinity);
    const sec = r.epochs.length ? r.epochs.reduce((a, e) => a + e.seconds, 0) / r.epochs.length : NaN;
    lines.push(
      `| ${r.id} | ${r.dataset} | ${r.rule} | ${[784, ...new Array(r.depth).fill(r.width)].join('-')} | ${r.backend}/${r.build} | ${r.epochs.length}/${r.config.epochs} | ${pct(last?.trainAccuracy)} | ${pct(last?.testAccuracy)} | ${pct(r.epochs.length ? best : undefined)} | ${Number.isFinite(sec) ? sec.toFixed(0) : '–'} | ${last?.angles ? last.angles.map((a) => `${a.toFixed(1)}°`).join(' / ') : '–'} | ${statusLabel(r)} | \`${r.command.replace(/^.*gait-prop train/, 'train')}\` |`,
    );
  }
  // Learning curves: test accuracy per epoch and the running training loss, one panel per data set and architecture.
  const main = runs.filter((r) => r.width === 784);
  const small = runs.filter((r) => r.width !== 784 && r.seed === 1);
  if (main.length) await curves(main, 'gait-prop-curves', 'square 784-wide leaky-ReLU nets, batch 60, seed 1');
  if (small.length) await curves(small, 'gait-prop-curves-small', 'nets narrower than 784 (output as wide as the hidden layers, 10 class units), batch 60, seed 1');
  const summary = seedSummary(runs);
  let md = '';
  try {
    md = await readFile(MD, 'utf8');
  } catch {
    md = '# GAIT-prop vs backprop\n';
  }
  const stamp = `_Generated by \`npm run reproduce -- gait-prop report\` (${new Date().toISOString().slice(0, 10)})._`;
  md = replaceBlock(
    md, 'runs',
    `${stamp} Source: ${RUNS}/*.json (one per \`train\` command).\n\n${lines.join('\n')}\n\n${summary}\n\n![learning curves, 784 wide](gait-prop-curves.png)\n\n![learning curves, nets narrower than 784](gait-prop-curves-small.png)`,
  );
  md = replaceBlock(md, 'target', `${stamp} Source: ${RUNS}/*.json.\n\n${verdictTable(runs)}`);
  const precision = await precisionTables();
  if (precision) md = replaceBlock(md, 'precision', `${stamp}\n\n${precision}`);
  const bench = await benchTable();
  if (bench) md = replaceBlock(md, 'bench', `${stamp} Source: ${DIR}/gait-prop-bench.json, made by \`npm run reproduce -- gait-prop bench --reference\` (\`--reference\` adds the float64 rows; one run, each row the median of its repeats).\n\n${bench}`);
  await writeFileAtomic(MD, md);
  console.log(lines.join('\n'));
}

const seriesOf = (r: RunRecord) => {
  const o = r.config.ruleOptions as Record<string, unknown> | undefined;
  const extra = [o?.gamma !== undefined && o.gamma !== 1e-3 ? `γ ${o.gamma}` : '', o?.orthoTarget === 'identity' ? 'Ω → I' : ''].filter(Boolean).join(', ');
  return `${r.rule}${extra ? ` (${extra})` : ''} ${r.backend === 'reference' ? 'f64' : 'f32'}`;
};
const archOf = (r: RunRecord) => `${r.dataset}, ${r.depth - 1}×${r.width} hidden${r.trainSize < 60000 ? `, ${r.trainSize} train` : ''}`;

async function curves(runs: RunRecord[], file: string, subtitle: string): Promise<void> {
  const values = runs.flatMap((r) => r.epochs.map((e) => ({ run: archOf(r), rule: seriesOf(r), epoch: e.epoch + 1, test: e.testAccuracy })));
  const loss = runs.flatMap((r) => r.batches.map((b) => ({ run: archOf(r), rule: seriesOf(r), step: b.step, loss: b.loss })));
  const panel = (title: string, data: object[], height: number, encoding: object, mark: object) => ({
    title, data: { values: data }, facet: { column: { field: 'run', type: 'nominal', title: null } },
    spec: { width: 240, height, mark, encoding: { ...encoding, color: { field: 'rule', type: 'nominal', title: 'rule', legend: { labelLimit: 400 } } } },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    config: { font: 'DejaVu Sans' },
    vconcat: [
      panel(`Test accuracy per epoch (${subtitle})`, values, 200, {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'test', type: 'quantitative', title: 'test accuracy', scale: { zero: false } },
      }, { type: 'line', point: true }),
      panel('Running training loss within each epoch (every 100 batches)', loss, 160, {
        x: { field: 'step', type: 'quantitative', title: 'step (batches of 60)' },
        y: { field: 'loss', type: 'quantitative', title: 'loss ½‖h − t‖²', scale: { type: 'log' } },
      }, { type: 'line' }),
    ],
  };
  const svg = await renderSvg(spec as unknown as Parameters<typeof renderSvg>[0]);
  await writeFileAtomic(`${DIR}/${file}.svg`, svg);
  await writeFileAtomic(`${DIR}/${file}.png`, await svgToPng(svg));
}

/** Final test accuracy over seeds, per architecture and rule variant (mean, min–max). */
function seedSummary(runs: RunRecord[]): string {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs.filter((x) => x.status === 'completed')) {
    const k = `${archOf(r)}|${seriesOf(r)}|${r.config.epochs}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const rows = [...groups.entries()].map(([k, rs]) => {
    const acc = rs.map((r) => r.epochs.at(-1)!.testAccuracy);
    const mean = acc.reduce((a, b) => a + b, 0) / acc.length;
    const [arch, series, epochs] = k.split('|');
    return `| ${arch} | ${series} | ${epochs} | ${rs.map((r) => r.seed).join(', ')} | ${pct(mean)} | ${pct(Math.min(...acc))} – ${pct(Math.max(...acc))} |`;
  });
  return ['Final test accuracy over seeds (completed runs):', '', '| architecture | rule | epochs | seeds | mean | min – max |', '| --- | --- | --- | --- | --- | --- |', ...rows.sort()].join('\n');
}

/**
 * The issue's target, GAIT-prop within 1 pp of bp with the same architecture and budget: each
 * gait-prop variant against the bp run of the same data, net, training-set size and seed, both
 * read at the last epoch the two share (a run cut off early is compared where it stopped).
 */
function verdictTable(runs: RunRecord[]): string {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs.filter((x) => x.rule === 'gait-prop' && x.epochs.length > 0)) {
    const k = `${archOf(r)}|${seriesOf(r)}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const rows: string[] = [];
  const order = (k: string) => k.split('|');
  const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => {
    const [x, y] = [order(a), order(b)];
    return x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  };
  for (const [k, gs] of [...groups.entries()].sort(byKey)) {
    const pairs = gs
      .map((g) => {
        const bps = runs.filter((b) => b.rule === 'bp' && archOf(b) === archOf(g) && b.seed === g.seed && b.epochs.length > 0);
        return { g, b: bps.find((b) => b.backend === g.backend) ?? bps[0] };
      })
      .filter((p): p is { g: RunRecord; b: RunRecord } => p.b !== undefined)
      .sort((x, y) => x.g.seed - y.g.seed);
    if (!pairs.length) continue;
    const epoch = Math.min(...pairs.map((p) => Math.min(p.g.epochs.length, p.b.epochs.length)));
    const at = (r: RunRecord) => r.epochs[epoch - 1].testAccuracy;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const gaps = pairs.map((p) => 100 * (at(p.g) - at(p.b)));
    const gap = mean(gaps);
    const cut = pairs.filter((p) => p.g.epochs.length < (p.g.config.epochs ?? 0)).map((p) => `seed ${p.g.seed} ${statusLabel(p.g)}`);
    const [arch, series] = k.split('|');
    const fmt = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;
    rows.push(
      `| ${arch} | ${series} | ${pairs.map((p) => p.g.seed).join(', ')} | ${epoch} of ${pairs[0].g.config.epochs}${cut.length ? `; gait-prop ${cut.join(', ')}` : ''} | ` +
        `${seriesOf(pairs[0].b)} ${pct(mean(pairs.map((p) => at(p.b))))} | ${pct(mean(pairs.map((p) => at(p.g))))} | ${fmt(gap)}${gaps.length > 1 ? ` (${fmt(Math.min(...gaps))} … ${fmt(Math.max(...gaps))})` : ''} | ${gap >= -1 ? 'met' : '**missed**'} |`,
    );
  }
  return [
    'Test accuracy of each gait-prop variant and of bp on the same net, data, training-set size and seed, at the last epoch both runs reached (mean over seeds; gap = gait-prop − bp, paired by seed, min … max in brackets). Target: gap ≥ −1 pp.',
    '',
    '| data, net | gait-prop variant | seeds | epoch compared | bp | gait-prop | gap (pp) | target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Replace the text between <!-- name:begin --> and <!-- name:end --> (appending the block when absent). */
function replaceBlock(md: string, name: string, body: string): string {
  const block = `<!-- ${name}:begin -->\n${body}\n<!-- ${name}:end -->`;
  const re = new RegExp(`<!-- ${name}:begin -->[\\s\\S]*<!-- ${name}:end -->`);
  return re.test(md) ? md.replace(re, () => block) : `${md}\n${block}\n`;
}

async function precisionTables(): Promise<string | null> {
  const files = (await readdir(DIR)).filter((f) => /^gait-prop-precision-w\d+\.json$/.test(f)).sort();
  if (!files.length) return null;
  const out: string[] = [];
  for (const f of files) {
    const p = JSON.parse(await readFile(`${DIR}/${f}`, 'utf8')) as { rows: { depth: number; width: number; rule: string; gamma?: number; precision: string; cos: number[] }[]; batch: string; init: string };
    out.push(`Source: ${DIR}/${f}, made by \`npm run reproduce -- gait-prop precision --width ${f.match(/w(\d+)/)![1]}\` (${p.batch}; ${p.init}; λ = 0, LU inverse). Cosine between each layer's update and the float64 BP gradient, layer 0 (input side) first:`, '');
    out.push('| layers | rule | γ | precision | cos per layer |', '| --- | --- | --- | --- | --- |');
    for (const r of p.rows) {
      out.push(`| ${[784, ...new Array(r.depth).fill(r.width)].join('-')} | ${r.rule} | ${r.gamma ?? '–'} | ${r.precision} | ${r.cos.map((c) => c.toFixed(c > 0.99 ? 6 : 4)).join(' / ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

async function benchTable(): Promise<string | null> {
  let b: { rows: Record<string, unknown>[]; machine: ReturnType<typeof machine> };
  try {
    b = JSON.parse(await readFile(`${DIR}/gait-prop-bench.json`, 'utf8'));
  } catch {
    return null;
  }
  const num = (v: unknown, d = 0) => (typeof v === 'number' ? v.toFixed(d) : '–');
  const inv = b.rows.filter((r) => r.kind === 'inverse-784');
  const steps = b.rows.filter((r) => r.kind === 'step-784');
  return [
    '| backend | 784×784 matrix | LU inverse (ms) | pivot ratio | max \\|W⁻¹W − I\\| | 784³ GEMM (ms) | load avg |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...inv.map((r) => `| ${r.backend}/${r.build} | ${r.init} | ${num(r.ms)} | ${(r.pivotRatio as number).toExponential(2)} | ${(r.maxAbsInvWminusI as number).toExponential(1)} | ${num(r.gemm784Ms)} | ${num(r.load, 1)} |`),
    '',
    '| backend | rule | hidden layers | step (ms, batch 60) | → minutes per epoch (1000 steps) | load avg |',
    '| --- | --- | --- | --- | --- | --- |',
    ...steps.map((r) => `| ${r.backend}/${r.build} | ${r.label} | ${(r.depth as number) - 1} | ${num(r.stepMs)} | ${num(r.epochMinutes, 1)} | ${num(r.load, 1)} |`),
    '',
    `Machine: ${b.machine.cpus} cores (${b.machine.model}), Node ${b.machine.node}; shared with other jobs (load average in each row).`,
  ].join('\n');
}
