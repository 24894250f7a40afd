// The default job runner: a pool of `concurrency` slots in the server process. Jobs share the
// event loop with the HTTP handlers (training and attacks yield every ~30 ms), so it needs no
// setup; for isolation and scale-out use the Redis runner and separate worker processes.
// Each job's record (spec, state, result) is a file, <jobs>/<id>/job.json, written atomically
// on every change of state: a restart finds finished jobs and runs again the ones it cut off.
import type { Backend } from '@plasticity/core-wasm';
import { writeFileAtomic } from '@plasticity/rules';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ModelStore } from '../store.js';
import { executeJob, isAbort, isInputError } from './execute.js';
import { ProgressThrottle } from './throttle.js';
import { isTerminal, RETRY, type JobRecord, type JobRunner, type JobSpec, type JobUpdate } from './types.js';

export interface InProcessOptions {
  store: ModelStore;
  jobsDir: string;
  backend: () => Promise<Backend>;
  /** Jobs running at once (default 1: the CPU work of two jobs only interleaves). */
  concurrency?: number;
  /** Backoff before retry n is backoffMs·2^(n−1) (default 1000). */
  backoffMs?: number;
}

interface Entry {
  record: JobRecord;
  spec: JobSpec;
  controller: AbortController | null;
}

const JOB_FILE = 'job.json';

export class InProcessRunner implements JobRunner {
  readonly kind = 'in-process' as const;
  private readonly jobs = new Map<string, Entry>();
  private readonly queue: string[] = [];
  private running = 0;
  private readonly events = new EventEmitter();
  private readonly concurrency: number;
  private readonly jobsDir: string;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly active = new Set<Promise<void>>();

  constructor(private readonly opts: InProcessOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.jobsDir = resolve(opts.jobsDir);
    this.events.setMaxListeners(0);
  }

  /** Reads the records a previous process left; jobs it cut off are queued again (or failed past the retry limit). */
  async init(): Promise<void> {
    await mkdir(this.jobsDir, { recursive: true });
    for (const id of await readdir(this.jobsDir)) {
      let saved: { record: JobRecord; spec: JobSpec };
      try {
        saved = JSON.parse(await readFile(join(this.jobsDir, id, JOB_FILE), 'utf8')) as { record: JobRecord; spec: JobSpec };
      } catch {
        continue;
      }
      const entry: Entry = { record: saved.record, spec: saved.spec, controller: null };
      this.jobs.set(id, entry);
      if (!isTerminal(entry.record.state)) {
        if (entry.record.attempts >= RETRY.attempts) {
          this.finish(entry, 'failed', null, `the server stopped while this job ran, ${entry.record.attempts} times; not retried again`);
          await this.save(entry);
        } else {
          entry.record.state = 'queued';
          this.queue.push(id);
        }
      }
    }
    this.pump();
  }

  async submit(spec: JobSpec): Promise<JobRecord> {
    const id = randomUUID();
    const record: JobRecord = {
      id, kind: spec.kind, state: 'queued', progress: { fraction: 0, event: null },
      createdAt: new Date().toISOString(), startedAt: null, finishedAt: null, attempts: 0, result: null, error: null,
    };
    const entry: Entry = { record, spec, controller: null };
    this.jobs.set(id, entry);
    await this.save(entry);
    const queued = structuredClone(record);
    this.queue.push(id);
    this.pump();
    return queued;
  }

  async get(id: string): Promise<JobRecord | null> {
    const e = this.jobs.get(id);
    return e ? structuredClone(e.record) : null;
  }

  async cancel(id: string): Promise<JobRecord | null> {
    const e = this.jobs.get(id);
    if (!e) return null;
    if (e.record.state === 'queued') {
      const i = this.queue.indexOf(id);
      if (i >= 0) this.queue.splice(i, 1);
      this.finish(e, 'cancelled', null, 'cancelled before it started');
      await this.save(e);
      this.emit(id, { type: 'state', record: structuredClone(e.record) });
    } else if (e.record.state === 'running') {
      e.controller?.abort();
      // The job stops at its next yield; the record turns cancelled then.
      await new Promise<void>((done) => {
        const check = (u: JobUpdate) => {
          if (u.type === 'state' && isTerminal(u.record.state)) {
            this.events.off(id, check);
            done();
          }
        };
        this.events.on(id, check);
      });
    }
    return structuredClone(e.record);
  }

  subscribe(id: string, listener: (u: JobUpdate) => void): () => void {
    this.events.on(id, listener);
    return () => this.events.off(id, listener);
  }

  async ready(): Promise<{ ok: boolean; detail: string }> {
    return { ok: !this.closed, detail: `in-process, ${this.running} running, ${this.queue.length} queued, concurrency ${this.concurrency}` };
  }

  /** Stops taking jobs, aborts the running ones (their records stay 'running' on disk, so a restart runs them again) and waits for them. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const e of this.jobs.values()) e.controller?.abort(new DOMException('server shutting down', 'AbortError'));
    await Promise.allSettled([...this.active]);
  }

  private pump(): void {
    while (!this.closed && this.running < this.concurrency && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const e = this.jobs.get(id);
      if (!e || e.record.state !== 'queued') continue;
      const p = this.run(e).finally(() => {
        this.active.delete(p);
        this.running--;
        this.pump();
      });
      this.running++;
      this.active.add(p);
    }
  }

  private async run(e: Entry): Promise<void> {
    const r = e.record;
    const controller = new AbortController();
    e.controller = controller;
    r.state = 'running';
    r.attempts++;
    r.startedAt = new Date().toISOString();
    r.progress = { fraction: 0, event: null };
    r.error = null;
    await this.save(e);
    this.emit(r.id, { type: 'state', record: structuredClone(r) });
    const throttle = new ProgressThrottle((progress) => {
      r.progress = progress;
      this.emit(r.id, { type: 'progress', progress });
    });
    try {
      const result = await executeJob(e.spec, {
        id: r.id,
        store: this.opts.store,
        jobsDir: this.jobsDir,
        backend: this.opts.backend,
        signal: controller.signal,
        report: (event, fraction) => throttle.push(event, fraction),
      });
      throttle.flush();
      this.finish(e, 'completed', result, null);
    } catch (err) {
      throttle.flush();
      if (this.closed) return; // shutting down: the record stays 'running' on disk and is picked up on restart
      if (isAbort(err) || controller.signal.aborted) this.finish(e, 'cancelled', null, 'cancelled while running');
      else if (isInputError(err) || r.attempts >= RETRY.attempts) this.finish(e, 'failed', null, (err as Error)?.message ?? String(err));
      else {
        r.state = 'queued';
        r.error = `attempt ${r.attempts} failed: ${(err as Error)?.message ?? String(err)}; retrying`;
        const delay = (this.opts.backoffMs ?? RETRY.backoffMs) * 2 ** (r.attempts - 1);
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.queue.push(r.id);
          this.pump();
        }, delay);
        this.timers.add(t);
      }
    } finally {
      e.controller = null;
    }
    await this.save(e);
    this.emit(r.id, { type: 'state', record: structuredClone(r) });
  }

  private finish(e: Entry, state: 'completed' | 'failed' | 'cancelled', result: Record<string, unknown> | null, error: string | null): void {
    const r = e.record;
    r.state = state;
    r.result = result;
    r.error = error;
    r.finishedAt = new Date().toISOString();
    if (state === 'completed') r.progress = { fraction: 1, event: r.progress.event };
  }

  private emit(id: string, u: JobUpdate): void {
    this.events.emit(id, u);
  }

  private async save(e: Entry): Promise<void> {
    await writeFileAtomic(join(this.jobsDir, e.record.id, JOB_FILE), `${JSON.stringify({ record: e.record, spec: e.spec }, null, 2)}\n`);
  }
}
