// Reproduces issue 10's targets for the cortical microcircuit rule (Yang & Li 2022, arXiv:2205.07292):
//   rate    MNIST 784-500-500-10 ReLU: microcircuit next to bp, fa, sign-fa, trained the same way;
//   lif     MNIST 784-500-500-10 spiking (microcircuit-lif) at T steps;
//   timing  seconds per epoch of microcircuit-lif against T (on a slice, scaled to 60 000 samples);
//   cifar   CIFAR-10 3072-1000-1000-10 MLP from the user's binary batches (--data-dir);
//   --generate-cifar DIR writes a small generated CIFAR-10 binary set to test that pipeline.
// Writes docs/results/microcircuit.json and docs/results/microcircuit.md (atomically), merging
// with earlier runs so each part (and each rule) can run in its own process:
//   npm run reproduce -- microcircuit --part rate --epochs 10
//   npm run reproduce -- microcircuit --part lif --steps 10 --epochs 5
//   npm run reproduce -- microcircuit --part timing --steps 5,10,25,50
//   npm run reproduce -- microcircuit --part cifar --data-dir ~/cifar-10-batches-bin --epochs 10
import { parseArgs } from 'node:util';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createBackend, type Backend, type BackendName } from '@plasticity/core-wasm';
import { evaluate, loadDataset, train, writeFileAtomic, VERSION, type Dataset, type TrainConfigInput } from '@plasticity/rules';

const OUT_JSON = 'docs/results/microcircuit.json';
const OUT_MD = 'docs/results/microcircuit.md';
const GENERATED_MARK = 'GENERATED-NOT-CIFAR10.txt';

interface Row {
  part: 'rate' | 'lif' | 'timing' | 'cifar';
  setting: string;
  rule: string;
  data: string;
  epochs: number;
  seed: number;
  /** Test accuracy after the last epoch (no selection on the test set). */
  testAccuracy: number;
  /** Test accuracy after each epoch. */
  perEpoch: number[];
  secondsPerEpoch: number;
  /** timing rows: samples trained per measurement; seconds are scaled to 60 000. */
  samples?: number;
  steps?: number;
  diagnostics?: Record<string, number | number[]>;
  backend: string;
  build: string;
  load: number;
  config: TrainConfigInput;
  command: string;
  date: string;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      part: { type: 'string', default: 'rate' },
      rules: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string', default: '1' },
      steps: { type: 'string' },
      encoding: { type: 'string', default: 'current' },
      optimizer: { type: 'string', default: 'adam' },
      lr: { type: 'string' },
      'batch-size': { type: 'string', default: '100' },
      backend: { type: 'string', default: 'auto' },
      'data-dir': { type: 'string' },
      'generate-cifar': { type: 'string' },
      repeats: { type: 'string', default: '2' },
      'timing-samples': { type: 'string', default: '6000' },
      /** Extra options (JSON) for the microcircuit rules; named in the row's setting. */
      'rule-options': { type: 'string' },
    },
  });
  const command = `npm run reproduce -- microcircuit ${argv.join(' ')}`.trim();
  if (values['generate-cifar']) {
    await generateCifar(values['generate-cifar']);
    return;
  }
  const backend = await createBackend(values.backend as BackendName | 'auto');
  const seed = Number(values.seed);
  const batchSize = Number(values['batch-size']);
  const optimizer = (lr: number) =>
    values.optimizer === 'momentum'
      ? { kind: 'momentum' as const, lr: Number(values.lr ?? 0.01), momentum: 0.9 }
      : { kind: 'adam' as const, lr: Number(values.lr ?? lr) };
  const optName = values.optimizer === 'momentum' ? `SGD momentum 0.9 lr ${values.lr ?? 0.01}` : `adam ${values.lr ?? '1e-3'}`;
  const rows: Row[] = [];
  const part = values.part!;
  const extra = values['rule-options'] ? (JSON.parse(values['rule-options']) as Record<string, unknown>) : {};
  const extraNote = Object.keys(extra).length ? `, ${Object.entries(extra).map(([k, v]) => `${k} ${String(v)}`).join(', ')}` : '';
  const ruleOptions = (rule: string, base: Record<string, unknown> = {}) => (rule.startsWith('microcircuit') ? { ...base, ...extra } : base);

  if (part === 'rate' || part === 'cifar') {
    const cifar = part === 'cifar';
    if (cifar && !values['data-dir']) {
      throw new RangeError('--part cifar needs --data-dir, the folder holding the CIFAR-10 binary batches (data_batch_1.bin … test_batch.bin); there is no CIFAR-10 on this machine');
    }
    const data = cifar ? await loadDataset({ name: 'cifar10', dataDir: values['data-dir'] }) : await loadDataset({ name: 'mnist' });
    const generated = cifar && (await exists(join(values['data-dir']!, GENERATED_MARK)));
    const hidden = cifar ? [1000, 1000] : [500, 500];
    const epochs = Number(values.epochs ?? 10);
    for (const rule of (values.rules ?? 'microcircuit,bp,fa,sign-fa').split(',')) {
      const config: TrainConfigInput = {
        rule, ruleOptions: ruleOptions(rule), hidden, activation: 'relu', epochs, batchSize, seed, optimizer: optimizer(1e-3),
        ...(cifar ? { inputTransform: 'standardize' as const } : {}),
      };
      const setting = `${[data.train.d, ...hidden, 10].join('-')} relu, softmax-CE, ${optName}, batch ${batchSize}${cifar ? ', standardized inputs' : ''}${rule.startsWith('microcircuit') ? extraNote : ''}`;
      rows.push(await trainRow(backend, cifar ? 'cifar' : 'rate', setting, config, data, command, generated ? 'GENERATED (pipeline check, not CIFAR-10)' : data.train.name));
    }
  } else if (part === 'lif') {
    const data = await loadDataset({ name: 'mnist' });
    const epochs = Number(values.epochs ?? 5);
    for (const steps of (values.steps ?? '10').split(',').map(Number)) {
      const config: TrainConfigInput = {
        rule: 'microcircuit-lif', ruleOptions: ruleOptions('microcircuit-lif', { steps, encoding: values.encoding }), hidden: [500, 500], output: 'linear', loss: 'mse',
        epochs, batchSize, seed, optimizer: optimizer(1e-3),
      };
      const setting = `784-500-500-10 LIF, T = ${steps}, ${values.encoding} input, spike-count MSE, ${optName}, batch ${batchSize}${extraNote}`;
      rows.push({ ...(await trainRow(backend, 'lif', setting, config, data, command, 'mnist')), steps });
    }
  } else if (part === 'timing') {
    const samples = Number(values['timing-samples']);
    const data = await loadDataset({ name: 'mnist', perClassCap: Math.ceil(samples / 10), testPerClassCap: 10 });
    // V8 runs wasm in its baseline tier for the first second or so: warm up before timing.
    const warm = await loadDataset({ name: 'mnist', perClassCap: 50, testPerClassCap: 1 });
    (await train({ rule: 'microcircuit-lif', ruleOptions: { steps: 10 }, hidden: [500, 500], output: 'linear', loss: 'mse', epochs: 2, batchSize }, { train: warm.train }, { backend })).net.dispose();
    for (let r = 0; r < Number(values.repeats); r++) {
      for (const steps of (values.steps ?? '5,10,25,50').split(',').map(Number)) {
        const config: TrainConfigInput = {
          rule: 'microcircuit-lif', ruleOptions: { steps, encoding: values.encoding }, hidden: [500, 500], output: 'linear', loss: 'mse',
          epochs: 1, batchSize, seed, optimizer: optimizer(1e-3),
        };
        const t = await train(config, { train: data.train }, { backend });
        const row: Row = {
          part: 'timing', setting: `784-500-500-10 LIF, ${values.encoding} input, batch ${batchSize}, one epoch of ${data.train.n} samples`,
          rule: 'microcircuit-lif', data: 'mnist', epochs: 1, seed, testAccuracy: NaN, perEpoch: [], steps, samples: data.train.n,
          secondsPerEpoch: (t.trainSeconds * 60000) / data.train.n, backend: backend.name, build: backend.build, load: loadavg()[0],
          config, command, date: new Date().toISOString(),
        };
        console.log(`T = ${steps}: ${row.secondsPerEpoch.toFixed(1)} s per 60 000 samples (load ${row.load.toFixed(1)})`);
        rows.push(row);
        t.net.dispose();
      }
    }
  } else {
    throw new RangeError(`--part '${part}' is not known; expected rate, lif, timing or cifar`);
  }
  await merge(rows);
}

async function trainRow(backend: Backend, part: Row['part'], setting: string, config: TrainConfigInput, data: { train: Dataset; test?: Dataset }, command: string, dataName: string): Promise<Row> {
  const t = await train(config, { train: data.train, validation: data.test }, {
    backend,
    onEvent: (e) => {
      if (e.type === 'epoch') {
        const d = e.diagnostics ? ' ' + Object.entries(e.diagnostics).map(([k, v]) => `${k} ${Array.isArray(v) ? v.map((x) => x.toFixed(3)).join('/') : v.toFixed(3)}`).join(' ') : '';
        console.log(`${config.rule} epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(4)} train ${(100 * e.trainAccuracy).toFixed(2)}% ` +
          `test ${(100 * (e.validation?.accuracy ?? NaN)).toFixed(2)}% ${e.seconds.toFixed(1)} s (load ${loadavg()[0].toFixed(1)})` +
          (e.angles ? ` angles ${e.angles.map((a) => a.toFixed(0)).join('/')}°` : '') + d);
      }
    },
  });
  if (t.status !== 'completed') throw new Error(`${config.rule}: training ${t.status}${t.divergence ? ` (${t.divergence.reason})` : ''}`);
  const test = data.test ? evaluate(t.net, data.test, { loss: t.config.loss, inference: { rule: t.rule, state: t.ruleState, options: t.ruleOptions } }) : undefined;
  const last = t.history.at(-1)!;
  const row: Row = {
    part, setting, rule: config.rule!, data: dataName, epochs: t.history.length, seed: t.config.seed,
    testAccuracy: test?.accuracy ?? NaN,
    perEpoch: t.history.map((h) => h.validation?.accuracy ?? NaN),
    secondsPerEpoch: t.trainSeconds / t.history.length,
    diagnostics: last.diagnostics,
    backend: backend.name, build: backend.build, load: loadavg()[0], config, command, date: new Date().toISOString(),
  };
  console.log(`${config.rule}: test accuracy ${(100 * row.testAccuracy).toFixed(2)}% (${row.secondsPerEpoch.toFixed(1)} s/epoch on ${backend.name}/${backend.build})`);
  t.net.dispose();
  return row;
}

const key = (r: Row) => JSON.stringify([r.part, r.setting, r.rule, r.seed, r.data, r.part === 'timing' ? r.date : '']);

async function merge(rows: Row[]): Promise<void> {
  let all: Row[] = [];
  try {
    all = (JSON.parse(await readFile(OUT_JSON, 'utf8')) as { rows: Row[] }).rows;
  } catch {
    // first run
  }
  for (const r of rows) {
    all = all.filter((o) => key(o) !== key(r));
    all.push(r);
  }
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version };
  await writeFileAtomic(OUT_JSON, `${JSON.stringify({ version: VERSION, machine, rows: all }, null, 2)}\n`);
  await writeFileAtomic(OUT_MD, markdown(all, machine));
}

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(2)}%` : '—');

function markdown(all: Row[], machine: { cpus: number; model?: string; node: string }): string {
  const table = (rows: Row[]) => [
    '| setting | rule | data | epochs | seed | test accuracy | per epoch | s/epoch | load | backend |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.setting} | ${r.rule} | ${r.data} | ${r.epochs} | ${r.seed} | ${pct(r.testAccuracy)} | ${r.perEpoch.map((v) => (100 * v).toFixed(2)).join(', ')} | ${r.secondsPerEpoch.toFixed(1)} | ${r.load.toFixed(1)} | ${r.backend}/${r.build} |`),
  ];
  const timing = all.filter((r) => r.part === 'timing').sort((a, b) => (a.steps ?? 0) - (b.steps ?? 0) || a.date.localeCompare(b.date));
  const cifar = all.filter((r) => r.part === 'cifar');
  const commands = [...new Set(all.map((r) => r.command))];
  return [
    '# Cortical microcircuit rule — measured',
    '',
    'Written by `npm run reproduce -- microcircuit` (tools/reproduce/microcircuit.ts); the rule page is',
    '[docs/rules/microcircuit.md](../rules/microcircuit.md). Test accuracy is after the last epoch on the',
    'official test set (no selection on it). `load` is the 1-minute load average when the row finished:',
    `the machine (${machine.cpus} cores) was shared with other jobs, so seconds are noisy.`,
    '',
    '## Targets (issue 10)',
    '',
    ...targets(all),
    '',
    '## MNIST, rate version next to the baselines',
    '',
    ...table(all.filter((r) => r.part === 'rate')),
    '',
    '## MNIST, spiking version (microcircuit-lif)',
    '',
    ...table(all.filter((r) => r.part === 'lif')),
    '',
    '## Seconds per epoch of microcircuit-lif against T',
    '',
    'One epoch on a slice of MNIST, scaled to 60 000 samples; every T measured more than once. The',
    'minimum over runs is the least disturbed by the other jobs on the machine; time grows linearly in T',
    'if the last column stays flat (seconds per step of T).',
    '',
    '| T | runs | min s | median s | min s / T |',
    '| --- | --- | --- | --- | --- |',
    ...[...new Set(timing.map((r) => r.steps!))].map((T) => {
      const v = timing.filter((r) => r.steps === T).map((r) => r.secondsPerEpoch).sort((a, b) => a - b);
      const med = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
      return `| ${T} | ${v.length} | ${v[0].toFixed(1)} | ${med.toFixed(1)} | ${(v[0] / T).toFixed(2)} |`;
    }),
    '',
    'Every run:',
    '',
    '| T | s per 60 000 samples | samples measured | load | backend | date |',
    '| --- | --- | --- | --- | --- | --- |',
    ...timing.map((r) => `| ${r.steps} | ${r.secondsPerEpoch.toFixed(1)} | ${r.samples} | ${r.load.toFixed(1)} | ${r.backend}/${r.build} | ${r.date} |`),
    '',
    '## CIFAR-10 MLP',
    '',
    'There is no CIFAR-10 on this machine. `--part cifar --data-dir DIR` trains on the user\'s binary',
    'batches; rows whose data column says GENERATED came from `--generate-cifar` files and only show',
    'that the pipeline runs: their accuracies mean nothing.',
    '',
    ...(cifar.length ? table(cifar) : ['(no runs yet)']),
    '',
    '## Commands',
    '',
    ...commands.map((c) => `- \`${c}\``),
    '',
    `Machine: ${machine.cpus} cores (${machine.model}), Node ${machine.node}.`,
    '',
  ].join('\n');
}

/** One line per target, computed from the rows: met or not, with the numbers. */
function targets(all: Row[]): string[] {
  const lines: string[] = [];
  const rate = all.filter((r) => r.part === 'rate');
  for (const mc of rate.filter((r) => r.rule === 'microcircuit')) {
    // bp trained the same way: the same setting, less the microcircuit's own options.
    const bp = rate.find((r) => r.rule === 'bp' && r.seed === mc.seed && mc.setting.startsWith(r.setting));
    if (!bp) continue;
    const gap = bp.testAccuracy - mc.testAccuracy;
    const ok = mc.testAccuracy >= 0.975 && gap <= 0.01;
    lines.push(`- Rate, ${mc.setting}, seed ${mc.seed}: microcircuit ${pct(mc.testAccuracy)} vs bp ${pct(bp.testAccuracy)} ` +
      `(gap ${(100 * gap).toFixed(2)} pp) — target ≥ 97.5% and within 1 pp of bp: **${ok ? 'met' : 'not met'}**.`);
  }
  for (const r of all.filter((x) => x.part === 'lif')) {
    const ok = r.testAccuracy >= 0.97 && (r.steps ?? Infinity) <= 50;
    lines.push(`- Spiking, ${r.setting}, ${r.epochs} epochs, seed ${r.seed}: ${pct(r.testAccuracy)} — target ≥ 97% with T ≤ 50: **${ok ? 'met' : 'not met'}**.`);
  }
  const realCifar = all.filter((r) => r.part === 'cifar' && !r.data.startsWith('GENERATED'));
  lines.push(realCifar.length
    ? `- CIFAR-10: ${realCifar.map((r) => `${r.rule} ${pct(r.testAccuracy)}`).join(', ')}.`
    : '- CIFAR-10: **not measured** — there is no CIFAR-10 on this machine; the numbers need the user\'s data (`--part cifar --data-dir DIR`).');
  return lines.length ? lines : ['(no runs yet)'];
}

async function exists(p: string): Promise<boolean> {
  try {
    await readFile(p);
    return true;
  } catch {
    return false;
  }
}

/** A small CIFAR-10 binary set (label byte + 3072 planar pixels per record) of class-dependent noise, for pipeline checks. */
async function generateCifar(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const write = async (file: string, n: number) => {
    const out = new Uint8Array(n * 3073);
    for (let r = 0; r < n; r++) {
      const label = r % 10;
      out[r * 3073] = label;
      for (let p = 0; p < 3072; p++) out[r * 3073 + 1 + p] = Math.min(255, Math.floor(25 * label + 30 * rand() + (p % 97)));
    }
    await writeFile(join(dir, file), out);
  };
  for (let b = 1; b <= 5; b++) await write(`data_batch_${b}.bin`, 200);
  await write('test_batch.bin', 200);
  await writeFile(join(dir, GENERATED_MARK), 'Generated by `npm run reproduce -- microcircuit --generate-cifar`: class-dependent noise in the CIFAR-10 binary format, for pipeline checks only.\n');
  console.log(`wrote a generated CIFAR-10 binary set (1000 train, 200 test records) to ${dir}`);
}
