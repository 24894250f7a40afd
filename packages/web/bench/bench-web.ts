// `npm run bench:web`: in-browser training throughput against Node on the same machine in the
// same run. Both train a 784-256-256-10 ReLU MLP with bp, Adam, batch 128, on all 60 000 MNIST
// training rows for 2 epochs and report the second epoch's samples/s (after V8 has tiered the
// kernels up), as train() measures it. The browser side drives the real dashboard (built dist/,
// Debian chromium, one Web Worker) through its form. Rounds alternate Node and browser so both
// see the same machine load. Also records what the page transfers on first load, before data.
// Writes bench/web.json at the repository root (atomically) and prints a summary.
//
//   npm run bench:web                 3 rounds
//   npm run bench:web -- --rounds 5
import { createBackend } from '@plasticity/core-wasm';
import { loadDataset, train, type TrainConfigInput } from '@plasticity/rules';
import { chromium } from '@playwright/test';
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { preview } from 'vite';
import { CHROMIUM_ARGS } from '../playwright.config.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, port: { type: 'string', default: '4393' } } });
const rounds = Number(args.rounds);
const here = dirname(fileURLToPath(import.meta.url));
const webRoot = join(here, '..');
const out = join(webRoot, '..', '..', 'bench', 'web.json');

const CONFIG: TrainConfigInput = { rule: 'bp', hidden: [256, 256], activation: 'relu', batchSize: 128, epochs: 2, seed: 1, optimizer: { kind: 'adam', lr: 0.001 }, progressEvery: 5 };

const log = (s: string) => process.stderr.write(`${s}\n`);
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function nodeRun(): Promise<{ samplesPerSec: number; epochs: number[]; build: string }> {
  const data = await loadDataset({ name: 'mnist' });
  const backend = await createBackend('wasm-simd');
  const r = await train(CONFIG, { train: data.train }, { backend, onEvent: () => {} });
  return { samplesPerSec: r.history[1].samplesPerSec, epochs: r.history.map((h) => h.samplesPerSec), build: backend.build };
}

async function browserRun(url: string, measureLoad: boolean): Promise<{ samplesPerSec: number; epochs: number[]; backend: string; firstLoadBytes?: number; firstLoadRequests?: number; chromium: string }> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let bytes = 0;
    let requests = 0;
    if (measureLoad) {
      page.on('requestfinished', async (req) => {
        const s = await req.sizes();
        bytes += s.responseBodySize + s.responseHeadersSize;
        requests++;
      });
    }
    await page.goto(url);
    await page.waitForLoadState('networkidle');
    const firstLoad = { bytes, requests };
    await page.getByTestId('dataset').selectOption('mnist');
    await page.getByTestId('task').selectOption('all');
    for (const box of await page.locator('[data-testid^="rule-"]').all()) await box.setChecked((await box.getAttribute('data-testid')) === 'rule-bp');
    await page.getByTestId('hidden').fill('256,256');
    await page.getByTestId('epochs').fill('2');
    await page.getByTestId('batch').fill('128');
    await page.getByTestId('validation').fill('0');
    await page.getByTestId('optimizer').selectOption('adam');
    await page.getByTestId('lr').fill('0.001');
    await page.getByTestId('seed').fill('1');
    await page.getByTestId('start').click();
    await page.locator('[data-testid^="download-"]').first().waitFor({ timeout: 300_000 });
    const rates = await page.locator('[data-testid^="epochs-"] tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-samples-per-sec'))));
    const backend = await page.getByTestId('progress').innerText();
    return {
      samplesPerSec: rates[1],
      epochs: rates,
      backend: /wasm-simd \(([\w-]+)\)/.exec(backend)?.[0] ?? backend,
      ...(measureLoad ? { firstLoadBytes: firstLoad.bytes, firstLoadRequests: firstLoad.requests } : {}),
      chromium: browser.version(),
    };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const server = await preview({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), preview: { port: Number(args.port), strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  const url = `http://127.0.0.1:${args.port}/`;
  const loadBefore = loadavg();
  const nodeRuns: Awaited<ReturnType<typeof nodeRun>>[] = [];
  const browserRuns: Awaited<ReturnType<typeof browserRun>>[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const n = await nodeRun();
      nodeRuns.push(n);
      log(`round ${i + 1}/${rounds} node:    ${Math.round(n.samplesPerSec)} samples/s (${n.build})`);
      const b = await browserRun(url, i === 0);
      browserRuns.push(b);
      log(`round ${i + 1}/${rounds} browser: ${Math.round(b.samplesPerSec)} samples/s (${b.backend})`);
    }
  } finally {
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
  const nodeMedian = median(nodeRuns.map((r) => r.samplesPerSec));
  const browserMedian = median(browserRuns.map((r) => r.samplesPerSec));
  const result = {
    kind: 'plasticity-web-bench',
    createdAt: new Date().toISOString(),
    what: 'training throughput, 784-256-256-10 ReLU MLP, bp, Adam, batch 128, all 60 000 MNIST training rows, 2nd of 2 epochs (samples/s as train() reports it)',
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, chromium: browserRuns[0]?.chromium, loadavgBefore: loadBefore, loadavgAfter: loadavg() },
    config: CONFIG,
    node: { runs: nodeRuns, median: nodeMedian },
    browser: { runs: browserRuns.map(({ chromium: _c, ...r }) => r), median: browserMedian },
    ratio: browserMedian / nodeMedian,
    target: { ratio: 0.8, firstLoadBytes: 5_000_000 },
    firstLoadBytes: browserRuns[0]?.firstLoadBytes ?? null,
    firstLoadRequests: browserRuns[0]?.firstLoadRequests ?? null,
    /** Uncompressed sizes of the built files (the page loads index + css first, the worker and one kernel build on Start; tfjs only as the fallback). */
    distAssets: Object.fromEntries(readdirSync(join(webRoot, 'dist', 'assets')).map((f) => [f, statSync(join(webRoot, 'dist', 'assets', f)).size])),
    notes: 'Rounds alternate Node and browser. The browser figure is the page itself: one Web Worker per rule, progress events every 5 batches and a first-layer weight snapshot every 0.5 s (its time is not counted, like pause time).',
  };
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(tmp, out);
  log(`node ${Math.round(nodeMedian)} samples/s, browser ${Math.round(browserMedian)} samples/s: ratio ${result.ratio.toFixed(2)} (target ≥ 0.8); first load ${result.firstLoadBytes} bytes; load average ${loadBefore.map((x) => x.toFixed(1)).join(' ')} → ${result.machine.loadavgAfter.map((x) => x.toFixed(1)).join(' ')}`);
  log(`written to ${out}`);
}

await main();
