// Redis mode against a real redis-server: worker processes share the queue; a worker killed
// mid-job (SIGKILL) loses the job to another, which finishes it with the same result as the
// in-process runner; a server restarted mid-job reports the job correctly afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeJob, sharedBackend } from './jobs/execute.js';
import { RedisRunner } from './jobs/redis.js';
import type { JobRecord } from './jobs/types.js';
import { parseWith } from './inference.js';
import { RobustnessRequest } from './schemas.js';
import { startServer, type RunningServer } from './server.js';
import { ModelStore } from './store.js';
import { fixture, tempDir } from './testing/fixtures.js';
import { call, jsonInit, readEvents } from './testing/openapi-check.js';
import { redisBinary, startRedis, type TestRedis } from './testing/redis-server.js';

const LOCK_MS = 1500;
const STALLED_MS = 1500;
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const workerEntry = fileURLToPath(new URL('./testing/worker-process.ts', import.meta.url));

const hasRedis = redisBinary() !== null;
if (!hasRedis) console.warn('redis.test.ts skipped: no redis-server binary on PATH (Debian: apt-get install redis-server)');

interface WorkerProc {
  name: string;
  proc: ChildProcess;
  events: { type: string; jobId?: string }[];
  ready: Promise<void>;
}

describe.skipIf(!hasRedis)('jobs on Redis (BullMQ)', () => {
  let redis: TestRedis;
  let dir: string;
  let cleanup: () => Promise<void>;
  let modelsDir: string;
  let jobsDir: string;
  let modelId: string;
  const workers: WorkerProc[] = [];
  const prefix = `t${process.pid}`;

  function startWorkerProc(name: string, lockDuration = LOCK_MS): WorkerProc {
    const opts = { url: redis.url, prefix, modelsDir, jobsDir, name, lockDuration, stalledInterval: STALLED_MS };
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const proc = spawn(process.execPath, ['--conditions=source', '--import', tsx, workerEntry, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const w: WorkerProc = { name, proc, events: [], ready: Promise.resolve() };
    let buf = '';
    let stderr = '';
    proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    w.ready = new Promise((ok, fail) => {
      proc.stdout!.on('data', (b: Buffer) => {
        buf += b.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const e = JSON.parse(line) as { type: string; jobId?: string };
          w.events.push(e);
          if (e.type === 'ready') ok();
        }
      });
      proc.once('exit', (code) => fail(new Error(`worker ${name} exited (${code}) before it was ready: ${stderr.slice(-2000)}`)));
    });
    workers.push(w);
    return w;
  }

  beforeAll(async () => {
    redis = await startRedis();
    ({ dir, cleanup } = await tempDir());
    modelsDir = join(dir, 'models');
    jobsDir = join(dir, 'jobs');
    const store = new ModelStore(modelsDir);
    await store.init();
    const f = await fixture('mnist01');
    modelId = (await store.put(f.json, f.bin)).id;
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await redis?.stop();
    await cleanup?.();
  });

  async function waitFor(runner: RedisRunner, id: string, pred: (r: JobRecord) => boolean, ms = 60_000): Promise<JobRecord> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = await runner.get(id);
      if (r && pred(r)) return r;
      if (Date.now() > deadline) throw new Error(`job ${id} did not get there in ${ms} ms; last: ${JSON.stringify(r).slice(0, 400)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /** The rows of a robustness result without timings (the part that must not depend on who ran it). */
  const rowsOf = (result: Record<string, unknown> | null) =>
    ((result as { report: { rows: Record<string, unknown>[] } }).report.rows).map(({ seconds: _s, ...r }) => r);

  it('two worker processes share the jobs', async () => {
    // Long locks here: on a loaded machine a 1.5 s lock can lapse while a job runs, and BullMQ
    // (at-least-once) would then run it twice; that case is the next test's.
    const a = startWorkerProc('a', 20_000);
    const b = startWorkerProc('b', 20_000);
    await Promise.all([a.ready, b.ready]);
    const runner = new RedisRunner({ url: redis.url, prefix });
    await runner.init();
    try {
      expect((await runner.ready()).detail).toMatch(/2 workers/);
      const request = parseWith(RobustnessRequest, { rows: 40, attacks: [{ attack: 'pgd', epsilons: [0.1, 0.2], steps: 30 }] });
      const jobs = await Promise.all(Array.from({ length: 6 }, () => runner.submit({ kind: 'robustness', modelId, request })));
      const done = await Promise.all(jobs.map((j) => waitFor(runner, j.id, (r) => r.state === 'completed')));
      const by = (w: WorkerProc) => new Set(w.events.filter((e) => e.type === 'completed').map((e) => e.jobId));
      expect(by(a).size).toBeGreaterThan(0);
      expect(by(b).size).toBeGreaterThan(0);
      expect(new Set([...by(a), ...by(b)])).toEqual(new Set(jobs.map((j) => j.id)));
      // Same request, same rows, whoever ran it.
      for (const d of done) expect(rowsOf(d.result)).toEqual(rowsOf(done[0].result));
    } finally {
      await runner.close();
      for (const w of [a, b]) w.proc.kill('SIGTERM');
      await Promise.all([a, b].map((w) => new Promise((ok) => (w.proc.exitCode !== null ? ok(null) : w.proc.once('exit', ok)))));
    }
  });

  it('a job whose worker is SIGKILLed mid-job completes on another, with the in-process result', async () => {
    const a = startWorkerProc('victim');
    await a.ready;
    const runner = new RedisRunner({ url: redis.url, prefix });
    await runner.init();
    try {
      const request = parseWith(RobustnessRequest, { rows: 80, attacks: [{ attack: 'pgd', epsilons: [0.05, 0.1, 0.2, 0.3], steps: 150, seed: 7 }] });
      const job = await runner.submit({ kind: 'robustness', modelId, request });
      // Mid-job: the victim has reported progress, and the job is not finished.
      await waitFor(runner, job.id, (r) => r.state === 'running' && r.progress.fraction > 0);
      a.proc.kill('SIGKILL');
      await new Promise((ok) => a.proc.once('exit', ok));
      expect((await runner.get(job.id))?.state).not.toBe('completed');
      const b = startWorkerProc('rescuer');
      await b.ready;
      const done = await waitFor(runner, job.id, (r) => r.state === 'completed' || r.state === 'failed', 90_000);
      expect(done.state, done.error ?? '').toBe('completed');
      expect(done.attempts).toBeGreaterThanOrEqual(2);
      expect(b.events.some((e) => e.type === 'completed' && e.jobId === job.id)).toBe(true);
      const local = await executeJob(
        { kind: 'robustness', modelId, request },
        { id: 'in-process-reference', store: new ModelStore(modelsDir), jobsDir: join(dir, 'reference'), backend: () => sharedBackend('auto'), signal: new AbortController().signal, report: () => {} },
      );
      expect(rowsOf(done.result)).toEqual(rowsOf(local));
      b.proc.kill('SIGTERM');
    } finally {
      await runner.close();
    }
  });

  it('a server restarted mid-job reports the job correctly afterwards', async () => {
    const w = startWorkerProc('steady', 20_000);
    await w.ready;
    const base = { port: 0, modelsDir, jobsDir, redisUrl: redis.url, redisPrefix: prefix, logger: false as const, apiKey: null };
    let server: RunningServer = await startServer(base);
    const start = await call(server.url, 'POST', `/v1/models/${modelId}/robustness`, jsonInit({ rows: 80, attacks: [{ attack: 'pgd', epsilons: [0.1, 0.2, 0.3], steps: 100 }] }));
    expect(start.status).toBe(202);
    const id = (start.body as { id: string }).id;
    for (let i = 0; ; i++) {
      const j = (await call(server.url, 'GET', `/v1/jobs/${id}`)).body as { state: string; progress: { fraction: number } };
      if (j.state === 'running' && j.progress.fraction > 0) break;
      expect(j.state).not.toBe('completed');
      if (i > 600) throw new Error('the job never ran');
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.close();
    server = await startServer(base);
    try {
      const after = (await call(server.url, 'GET', `/v1/jobs/${id}`)).body as { state: string };
      expect(['running', 'completed']).toContain(after.state);
      const events = await readEvents(`${server.url}/v1/jobs/${id}/events`);
      const last = events.filter((e) => e.event === 'state').at(-1)!.data as { state: string; result: { report: { rows: unknown[] } } };
      expect(last.state).toBe('completed');
      expect(last.result.report.rows).toHaveLength(3);
      const final = (await call(server.url, 'GET', `/v1/jobs/${id}`)).body as { state: string; attempts: number };
      expect(final).toMatchObject({ state: 'completed', attempts: 1 });
      const ready = (await call(server.url, 'GET', '/ready')).body as { checks: { queue: { ok: boolean; detail: string } } };
      expect(ready.checks.queue.ok).toBe(true);
    } finally {
      await server.close();
      w.proc.kill('SIGTERM');
    }
  });
});
