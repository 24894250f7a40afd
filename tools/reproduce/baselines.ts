// Reproduces issue 4's targets for the baseline rules on MNIST:
//  - 784-800-800-10 tanh (Nøkland 2016, Table 1 setting), SGD with momentum, for bp, fa, dfa, sign-fa;
//  - 784-256-256-10 ReLU bp for 5 epochs (the fast net), seconds per epoch per rule and backend.
// Writes docs/results/baselines.json and docs/results/baselines.md (atomically), merging
// with earlier runs so each rule can run in its own process:
//   npm run reproduce -- baselines --rules bp,fa --epochs 30
//   npm run reproduce -- baselines --fast
import { parseArgs } from 'node:util';
import { createBackend, type BackendName } from '@plasticity/core-wasm';
import { evaluate, loadDataset, train, writeFileAtomic, VERSION, type TrainConfigInput } from '@plasticity/rules';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

interface Row {
  setting: string;
  rule: string;
  backend: string;
  build: string;
  epochs: number;
  testError: number;
  testAccuracy: number;
  secondsPerEpoch: number;
  seed: number;
  config: TrainConfigInput;
  dataset: string;
  date: string;
}

const OUT_JSON = 'docs/results/baselines.json';
const OUT_MD = 'docs/results/baselines.md';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rules: { type: 'string', default: 'bp,fa,dfa,sign-fa' },
      epochs: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'auto' },
      fast: { type: 'boolean', default: false },
      lr: { type: 'string' },
    },
  });
  const backend = await createBackend(values.backend as BackendName | 'auto');
  const data = await loadDataset({ name: 'mnist' });
  const seed = Number(values.seed);
  const rows: Row[] = [];
  const settings: { setting: string; rule: string; config: TrainConfigInput }[] = values.fast
    ? values.rules!.split(',').map((rule) => ({
        setting: '784-256-256-10 relu, adam 1e-3, batch 128',
        rule,
        config: { rule, hidden: [256, 256], activation: 'relu', epochs: Number(values.epochs === '30' ? 5 : values.epochs), batchSize: 128, seed, optimizer: { kind: 'adam', lr: Number(values.lr ?? 1e-3) } },
      }))
    : values.rules!.split(',').map((rule) => ({
        setting: '784-800-800-10 tanh, SGD momentum 0.9, batch 64 (Nøkland 2016)',
        rule,
        config: {
          rule, hidden: [800, 800], activation: 'tanh', epochs: Number(values.epochs), batchSize: 64, seed,
          optimizer: { kind: 'momentum', lr: Number(values.lr ?? 0.01), momentum: 0.9, schedule: { kind: 'cosine', minLr: 0 } },
        },
      }));
  for (const s of settings) {
    const r = await train(s.config, { train: data.train }, {
      backend,
      onEvent: (e) => {
        if (e.type === 'epoch') {
          console.log(`${s.rule} epoch ${e.epoch + 1}/${e.epochs}: loss ${e.trainLoss.toFixed(4)} train acc ${(100 * e.trainAccuracy).toFixed(2)}% ${e.seconds.toFixed(1)} s` +
            (e.angles ? ` angles ${e.angles.map((a) => a.toFixed(0)).join('/')}°` : ''));
        }
      },
    });
    const test = evaluate(r.net, data.test);
    const row: Row = {
      setting: s.setting, rule: s.rule, backend: backend.name, build: backend.build, epochs: r.history.length,
      testError: 1 - test.accuracy, testAccuracy: test.accuracy,
      secondsPerEpoch: r.history.reduce((a, h) => a + h.seconds, 0) / Math.max(1, r.history.length),
      seed, config: s.config, dataset: data.train.fingerprint, date: new Date().toISOString(),
    };
    console.log(`${s.rule}: test error ${(100 * row.testError).toFixed(2)}% (${row.secondsPerEpoch.toFixed(1)} s/epoch on ${backend.name}/${backend.build})`);
    rows.push(row);
    r.net.dispose();
  }
  await merge(rows);
}

async function merge(rows: Row[]): Promise<void> {
  let all: Row[] = [];
  try {
    all = (JSON.parse(await readFile(OUT_JSON, 'utf8')) as { rows: Row[] }).rows;
  } catch {
    // first run
  }
  // One row per setting, rule, backend, seed, epochs and learning rate: a run with another
  // budget or rate sits beside the earlier one instead of replacing it.
  const key = (r: Row) => JSON.stringify([r.setting, r.rule, r.backend, r.seed, r.epochs, lrOf(r)]);
  for (const r of rows) {
    all = all.filter((o) => key(o) !== key(r));
    all.push(r);
  }
  all.sort((a, b) => a.setting.localeCompare(b.setting) || a.rule.localeCompare(b.rule) || a.epochs - b.epochs || lrOf(a) - lrOf(b));
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version };
  await writeFileAtomic(OUT_JSON, `${JSON.stringify({ version: VERSION, machine, rows: all }, null, 2)}\n`);
  const lines = [
    '# Baseline rules on MNIST',
    '',
    'Written by `npm run reproduce -- baselines` (784-800-800-10 tanh) and `npm run reproduce -- baselines --fast`',
    '(784-256-256-10 ReLU). Test set: the official 10 000 MNIST test images. One seed per row.',
    '',
    'Targets (issue 4): 800-800 tanh within 50 epochs, test error bp, fa, sign-fa ≤ 2.0%, dfa ≤ 2.1%;',
    'the fast net: bp ≥ 97.5% test accuracy (≤ 2.5% error) within 5 epochs.',
    '',
    '| setting | rule | lr | epochs | seed | test error | target | s/epoch | backend | command |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...all.map((r) => {
      const target = targetOf(r);
      const met = target === undefined ? '–' : `≤ ${(100 * target).toFixed(1)}%: ${r.testError <= target ? 'met' : '**missed**'}`;
      return `| ${r.setting} | ${r.rule} | ${lrOf(r)} | ${r.epochs} | ${r.seed} | ${(100 * r.testError).toFixed(2)}% | ${met} | ${r.secondsPerEpoch.toFixed(1)} | ${r.backend}/${r.build} | \`${commandOf(r)}\` |`;
    }),
    '',
    `Machine: ${machine.cpus} cores (${machine.model}), Node ${machine.node}.`,
    '',
  ];
  await writeFileAtomic(OUT_MD, lines.join('\n'));
}

function lrOf(r: Row): number {
  return (r.config.optimizer as { lr?: number } | undefined)?.lr ?? Number.NaN;
}

function targetOf(r: Row): number | undefined {
  if (r.setting.startsWith('784-256-256')) return r.rule === 'bp' && r.epochs <= 5 ? 0.025 : undefined;
  if (r.epochs > 50) return undefined;
  return r.rule === 'dfa' ? 0.021 : 0.02;
}

function commandOf(r: Row): string {
  const fast = r.setting.startsWith('784-256-256');
  const parts = ['npm run reproduce -- baselines', fast ? '--fast' : '', `--rules ${r.rule}`, `--epochs ${r.epochs}`, `--lr ${lrOf(r)}`, r.seed !== 1 ? `--seed ${r.seed}` : ''];
  return parts.filter(Boolean).join(' ');
}
