// Jobs on Redis through BullMQ: the server's RedisRunner queues them, and any number of
// `plasticity worker` processes (startWorker) on any machines take them. BullMQ gives retries
// with exponential back-off and recovery of a job a dead worker held (its lock expires and a
// live worker's stalled check puts it back: ≈ lockDuration + stalledInterval later). Progress
// travels as job progress (QueueEvents 'progress'). Cancels of running jobs travel on a pub/sub
// channel (a worker can only abort its own processor) and as a key, for a worker that picks
// the job up later. Workers need the same model store and jobs directory as the server
// (a shared volume): the queue carries requests and results, not weights.
import type { Backend } from '@plasticity/core-wasm';
import { Job, Queue, QueueEvents, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { ModelStore } from '../store.js';
import { executeJob, isAbort, isInputError } from './execute.js';
import { ProgressThrottle } from './throttle.js';
import { isTerminal, RETRY, type JobProgressInfo, type JobRecord, type JobRunner, type JobSpec, type JobUpdate } from './types.js';

export const QUEUE_NAME = 'plasticity-jobs';
const CANCELLED = 'cancelled';

export interface RedisOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Key prefix (default 'plasticity'); tests use their own to stay apart. */
  prefix?: string;
}

function connection(url: string): ConnectionOptions {
  // Blocking commands (worker, queue events) need no per-request retry limit (BullMQ's rule).
  return { url, maxRetriesPerRequest: null, enableOfflineQueue: true } as ConnectionOptions;
}

const keys = (prefix: string) => ({
  cancelChannel: `${prefix}:${QUEUE_NAME}:cancel`,
  cancelKey: (id: string) => `${prefix}:${QUEUE_NAME}:cancelled:${id}`,
  /** Records of jobs cancelled while still queued (their BullMQ job is removed). */
  recordKey: (id: string) => `${prefix}:${QUEUE_NAME}:record:${id}`,
});

const KEEP_SECONDS = 7 * 24 * 3600;

function toRecord(job: Job, state: string): JobRecord {
  const spec = job.data as JobSpec;
  const progress = (job.progress && typeof job.progress === 'object' ? job.progress : { fraction: 0, event: null }) as JobProgressInfo;
  const mapped: JobRecord['state'] =
    state === 'active' ? 'running'
      : state === 'completed' ? 'completed'
        : state === 'failed' ? (job.failedReason === CANCELLED ? 'cancelled' : 'failed')
          : 'queued';
  return {
    id: job.id!,
    kind: spec.kind,
    state: mapped,
    progress: mapped === 'completed' ? { fraction: 1, event: progress.event ?? null } : { fraction: progress.fraction ?? 0, event: progress.event ?? null },
    createdAt: new Date(job.timestamp).toISOString(),
    startedAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
    finishedAt: job.finishedOn && (mapped === 'completed' || mapped === 'failed' || mapped === 'cancelled') ? new Date(job.finishedOn).toISOString() : null,
    attempts: job.attemptsStarted ?? job.attemptsMade ?? 0,
    result: mapped === 'completed' ? ((job.returnvalue as Record<string, unknown>) ?? null) : null,
    error: mapped === 'failed' || mapped === 'cancelled' ? (job.failedReason ?? null) : mapped === 'queued' && job.failedReason ? `retrying after: ${job.failedReason}` : null,
  };
}

/** The server's side: queues jobs, reads their state, relays progress, sends cancels. */
export class RedisRunner implements JobRunner {
  readonly kind = 'redis' as const;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly redis: Redis;
  private readonly emitter = new EventEmitter();
  private readonly k: ReturnType<typeof keys>;

  constructor(private readonly opts: RedisOptions) {
    const prefix = opts.prefix ?? 'plasticity';
    this.k = keys(prefix);
    this.queue = new Queue(QUEUE_NAME, { connection: connection(opts.url), prefix });
    this.events = new QueueEvents(QUEUE_NAME, { connection: connection(opts.url), prefix });
    this.redis = new Redis(opts.url, { maxRetriesPerRequest: 2, lazyConnect: false });
    // Errors surface through ready() and failed calls; unhandled 'error' events would end the process.
    this.queue.on('error', () => {});
    this.events.on('error', () => {});
    this.redis.on('error', () => {});
    this.emitter.setMaxListeners(0);
    this.events.on('progress', ({ jobId, data }) => {
      this.emitter.emit(jobId, { type: 'progress', progress: data as unknown as JobProgressInfo } satisfies JobUpdate);
    });
    for (const ev of ['active', 'completed', 'failed', 'waiting', 'delayed', 'stalled'] as const) {
      this.events.on(ev, ({ jobId }: { jobId: string }) => {
        if (this.emitter.listenerCount(jobId) === 0) return;
        void this.get(jobId).then((record) => record && this.emitter.emit(jobId, { type: 'state', record } satisfies JobUpdate), () => {});
      });
    }
  }

  async init(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  async submit(spec: JobSpec): Promise<JobRecord> {
    const id = randomUUID();
    const job = await this.queue.add(spec.kind, spec, {
      jobId: id,
      attempts: RETRY.attempts,
      backoff: { type: 'exponential', delay: RETRY.backoffMs },
      removeOnComplete: { age: KEEP_SECONDS },
      removeOnFail: { age: KEEP_SECONDS },
    });
    return toRecord(job, 'waiting');
  }

  async get(id: string): Promise<JobRecord | null> {
    const job = await Job.fromId(this.queue, id);
    if (!job) {
      const saved = await this.redis.get(this.k.recordKey(id));
      return saved ? (JSON.parse(saved) as JobRecord) : null;
    }
    return toRecord(job, await job.getState());
  }

  async cancel(id: string): Promise<JobRecord | null> {
    const job = await Job.fromId(this.queue, id);
    if (!job) return this.get(id);
    await this.redis.set(this.k.cancelKey(id), '1', 'EX', KEEP_SECONDS);
    const state = await job.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
      try {
        await job.remove();
        const record: JobRecord = { ...toRecord(job, 'failed'), state: 'cancelled', error: 'cancelled before it started', finishedAt: new Date().toISOString() };
        await this.redis.set(this.k.recordKey(id), JSON.stringify(record), 'EX', KEEP_SECONDS);
        this.emitter.emit(id, { type: 'state', record } satisfies JobUpdate);
        return record;
      } catch {
        // Taken by a worker meanwhile (it holds a lock): cancel it as a running job.
      }
    }
    if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized') {
      await this.redis.publish(this.k.cancelChannel, id);
      // The worker aborts at its next yield and fails the job as 'cancelled'.
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const r = await this.get(id);
        if (r && isTerminal(r.state)) return r;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    return this.get(id);
  }

  subscribe(id: string, listener: (u: JobUpdate) => void): () => void {
    this.emitter.on(id, listener);
    return () => this.emitter.off(id, listener);
  }

  async ready(): Promise<{ ok: boolean; detail: string }> {
    try {
      const pong = await Promise.race([this.redis.ping(), new Promise<string>((_, rej) => setTimeout(() => rej(new Error('timed out after 2 s')), 2000))]);
      if (pong !== 'PONG') return { ok: false, detail: `redis answered ${pong}` };
      const [counts, workers] = await Promise.all([this.queue.getJobCounts('active', 'waiting', 'delayed'), this.queue.getWorkersCount()]);
      return { ok: true, detail: `redis queue ${QUEUE_NAME}: ${workers} workers, ${counts.active} running, ${counts.waiting + counts.delayed} queued` };
    } catch (e) {
      return { ok: false, detail: `redis ${redact(this.opts.url)} unreachable: ${(e as Error).message}` };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.redis.disconnect();
  }
}

/** A Redis URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

export interface WorkerOptions extends RedisOptions {
  store: ModelStore;
  jobsDir: string;
  backend: () => Promise<Backend>;
  /** Jobs this process runs at once (default 1). */
  concurrency?: number;
  /** How long a job's lock lasts without renewal (BullMQ default 30000 ms); a dead worker's job is picked up after ≈ lockDuration + stalledInterval. */
  lockDuration?: number;
  stalledInterval?: number;
  /** Identifies this worker in the job (processedBy) and in logs. */
  name?: string;
  onEvent?: (e: { type: 'started' | 'completed' | 'failed' | 'cancelled'; jobId: string; detail?: string }) => void;
}

export interface RunningWorker {
  readonly worker: Worker;
  close(): Promise<void>;
}

/** A worker process's side: takes jobs from the queue and runs them. */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const prefix = opts.prefix ?? 'plasticity';
  const k = keys(prefix);
  const redis = new Redis(opts.url, { maxRetriesPerRequest: 2 });
  const sub = new Redis(opts.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  sub.on('error', () => {});
  const processor = async (job: Job, _token?: string, signal?: AbortSignal) => {
    const id = job.id!;
    if (await redis.exists(k.cancelKey(id))) throw new UnrecoverableError(CANCELLED);
    opts.onEvent?.({ type: 'started', jobId: id });
    const local = new AbortController();
    const abort = AbortSignal.any([local.signal, ...(signal ? [signal] : [])]);
    const throttle = new ProgressThrottle((p) => void job.updateProgress(p as unknown as object).catch(() => {}));
    try {
      const result = await executeJob(job.data as JobSpec, {
        id,
        store: opts.store,
        jobsDir: opts.jobsDir,
        backend: opts.backend,
        signal: abort,
        report: (event, fraction) => throttle.push(event, fraction),
      });
      throttle.flush();
      opts.onEvent?.({ type: 'completed', jobId: id });
      return result;
    } catch (e) {
      throttle.flush();
      if (isAbort(e) || abort.aborted) {
        opts.onEvent?.({ type: 'cancelled', jobId: id });
        throw new UnrecoverableError(CANCELLED);
      }
      opts.onEvent?.({ type: 'failed', jobId: id, detail: (e as Error)?.message });
      if (isInputError(e)) throw new UnrecoverableError((e as Error).message);
      throw e;
    }
  };
  const worker = new Worker(QUEUE_NAME, processor, {
    connection: connection(opts.url),
    prefix,
    concurrency: opts.concurrency ?? 1,
    lockDuration: opts.lockDuration ?? 30_000,
    stalledInterval: opts.stalledInterval ?? 30_000,
    // A job whose worker died twice is failed rather than tried forever.
    maxStalledCount: 2,
    name: opts.name,
    autorun: true,
  });
  worker.on('error', () => {});
  await sub.subscribe(k.cancelChannel);
  sub.on('message', (_channel: string, jobId: string) => {
    worker.cancelJob(jobId, CANCELLED);
  });
  await worker.waitUntilReady();
  return {
    worker,
    async close() {
      await worker.close();
      sub.disconnect();
      redis.disconnect();
    },
  };
}
