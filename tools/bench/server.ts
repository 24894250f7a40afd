// npm run bench:server — the HTTP API under autocannon: predict of one MNIST sample at 32
// connections, batched predict (256 samples a request, JSON and raw float32), and a 60-second
// run with the server's RSS at start and end; for the wasm-simd and tfjs-wasm backends in one
// run. Plus where the time of one request goes (JSON parse, input checks, the forward pass,
// the response), measured in this process. Writes bench/server.json.
//
// The target model is 784-256-256-10 (ReLU, softmax), trained briefly on MNIST; its weights do
// not change the speed. Server and load generator share this machine's cores, so the figures
// are a lower bound of what a dedicated server does.
import { createBackend } from '@plasticity/core-wasm';
import { loadDataset, modelFromTraining, serializeModel, train } from '@plasticity/rules';
import { checkMatrix, predict, serveModel } from '@plasticity/server';
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@plasticity/rules';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(here, '../../bench/server.json');
const quick = process.argv.includes('--quick');
const SECONDS = quick ? 4 : 15;
const SOAK_SECONDS = quick ? 8 : 60;

const uptime = () => ({ loadavg: loadavg().map((x) => Math.round(x * 100) / 100), at: new Date().toISOString() });

async function mnistModel() {
  const data = await loadDataset({ name: 'mnist', perClassCap: 300, testPerClassCap: 50 });
  const backend = await createBackend('wasm-simd');
  const result = await train({ rule: 'bp', hidden: [256, 256], epochs: 1, batchSize: 64, seed: 1 }, { train: data.train }, { backend });
  const model = modelFromTraining(result, {
    dataset: {
      name: data.train.name, fingerprint: data.train.fingerprint, classNames: [...data.train.classNames], inputShape: [...data.train.inputShape],
      featureRange: { ...data.train.featureRange }, task: JSON.parse(JSON.stringify(data.train.task)) as Record<string, unknown>,
    },
  });
  return { model, test: data.test };
}

function rssOf(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? NaN) * 1024);
}

async function startChild(backend: string, modelsDir: string): Promise<{ url: string; pid: number; child: ChildProcess }> {
  const child = fork(join(here, 'server-process.ts'), [backend, modelsDir], { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const msg = await new Promise<{ url: string; pid: number }>((ok, fail) => {
    child.once('message', (m) => ok(m as { url: string; pid: number }));
    child.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
  });
  return { ...msg, child };
}

async function cannon(url: string, body: string | Buffer, contentType: string, connections: number, duration: number) {
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': contentType }, body, connections, duration });
  return {
    connections,
    seconds: duration,
    requestsPerSec: Math.round(r.requests.average),
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

function timeIt(fn: () => unknown, minMs = 400): number {
  fn();
  let n = 0;
  const t0 = performance.now();
  do {
    fn();
    n++;
  } while (performance.now() - t0 < minMs);
  return ((performance.now() - t0) / n) * 1000;
}

const { model, test } = await mnistModel();
const rows = (n: number) => Array.from({ length: n }, (_, i) => Array.from(test.x.subarray((i % test.n) * 784, ((i % test.n) + 1) * 784)));
const one = JSON.stringify({ inputs: rows(1) });
const batch = JSON.stringify({ inputs: rows(256) });
const batchBin = Buffer.from(Float32Array.from(rows(256).flat()).buffer);

const results: Record<string, unknown>[] = [];
const startLoad = uptime();
for (const backendName of ['wasm-simd', 'tfjs-wasm']) {
  // Where the time of one request goes, in this process, on this backend.
  const backend = await createBackend(backendName as 'wasm-simd');
  const sm = serveModel(backend, model, 'bench');
  const parsed1 = JSON.parse(one) as { inputs: unknown };
  const parsed256 = JSON.parse(batch) as { inputs: unknown };
  const x1 = checkMatrix(parsed1.inputs, 784, sm.range, ['inputs'], 4096);
  const x256 = checkMatrix(parsed256.inputs, 784, sm.range, ['inputs'], 4096);
  const breakdown = {
    oneSample: {
      jsonParseUs: timeIt(() => JSON.parse(one)),
      checkUs: timeIt(() => checkMatrix(parsed1.inputs, 784, sm.range, ['inputs'], 4096)),
      forwardUs: timeIt(() => predict(sm, x1.x, 1)),
      stringifyUs: timeIt(() => JSON.stringify(predict(sm, x1.x, 1))) - timeIt(() => predict(sm, x1.x, 1)),
    },
    batch256: {
      bodyBytes: batch.length,
      jsonParseUs: timeIt(() => JSON.parse(batch)),
      checkUs: timeIt(() => checkMatrix(parsed256.inputs, 784, sm.range, ['inputs'], 4096)),
      forwardUs: timeIt(() => predict(sm, x256.x, 256)),
      binaryBodyBytes: batchBin.length,
    },
  };

  const { dir } = { dir: await mkdtemp(join(tmpdir(), 'plasticity-bench-')) };
  const srv = await startChild(backendName, join(dir, 'models'));
  try {
    const { json, bin } = serializeModel(model);
    const form = new FormData();
    form.append('model', new Blob([json]), 'model.json');
    form.append('weights', new Blob([bin as BlobPart]), 'weights.bin');
    const up = (await (await fetch(`${srv.url}/v1/models`, { method: 'POST', body: form })).json()) as { id: string };
    const url = `${srv.url}/v1/models/${up.id}/predict`;
    // Warm-up: V8 tiers JS and wasm up over the first second or two.
    await cannon(url, one, 'application/json', 8, 3);
    const single = await cannon(url, one, 'application/json', 32, SECONDS);
    const batched = await cannon(url, batch, 'application/json', 8, SECONDS);
    const batchedBinary = await cannon(url, batchBin, 'application/octet-stream', 8, SECONDS);
    const rssStart = await rssOf(srv.pid);
    // RSS every 5 s during the run: flat memory is a plateau, not only equal end points.
    const samples: number[] = [];
    const sampler = setInterval(() => void rssOf(srv.pid).then((r) => samples.push(+(r / 2 ** 20).toFixed(1))), 5000);
    const soak = await cannon(url, one, 'application/json', 32, SOAK_SECONDS);
    clearInterval(sampler);
    const rssEnd = await rssOf(srv.pid);
    const r = {
      backend: backendName,
      build: backend.build,
      predictOne: { ...single, target: { requestsPerSec: 3000, p99Ms: 25 } },
      predictBatch256Json: { ...batched, samplesPerSec: batched.requestsPerSec * 256, target: { samplesPerSec: 100_000 } },
      predictBatch256Binary: { ...batchedBinary, samplesPerSec: batchedBinary.requestsPerSec * 256 },
      soak: { ...soak, rssStartMiB: +(rssStart / 2 ** 20).toFixed(1), rssEndMiB: +(rssEnd / 2 ** 20).toFixed(1), rssEvery5sMiB: samples },
      breakdownUs: breakdown,
    };
    results.push(r);
    console.log(JSON.stringify(r));
  } finally {
    srv.child.disconnect();
    await new Promise((ok) => srv.child.once('exit', ok));
    await rm(dir, { recursive: true, force: true });
  }
}

const out = {
  kind: 'plasticity-server-benchmark',
  createdAt: new Date().toISOString(),
  command: `npm run bench:server${quick ? ' -- --quick' : ''}`,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  loadBefore: startLoad,
  loadAfter: uptime(),
  model: '784-256-256-10 relu/softmax (bp, 1 epoch on an MNIST subset)',
  notes: 'Server in its own process with request logs on (pino, stdout discarded) and rate limiting off; autocannon in the parent on the same 2 cores.',
  results,
};
await writeFileAtomic(OUT, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${OUT}`);
