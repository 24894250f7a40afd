// The one job-runner abstraction: the app submits, reads, cancels and watches jobs through it;
// in-process.ts runs them in this process, redis.ts puts them on a BullMQ queue that any
// number of `plasticity worker` processes share.
import type { JobState, RobustnessJobSpec, TrainJobSpec } from '../schemas.js';

export type JobSpec = { kind: 'robustness'; modelId: string; request: RobustnessJobSpec } | { kind: 'train'; request: TrainJobSpec };
export type JobKind = JobSpec['kind'];

/** A progress event as the CLI renders it (train's TrainEvent, a report's ReportEvent, …). */
export type ProgressEvent = { type: string } & Record<string, unknown>;

export interface JobProgressInfo {
  /** Share of the work done, 0..1. */
  fraction: number;
  event: ProgressEvent | null;
}

export interface JobRecord {
  id: string;
  kind: JobKind;
  state: JobState;
  progress: JobProgressInfo;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Times a worker started it (a retry or a pickup after a dead worker counts). */
  attempts: number;
  result: Record<string, unknown> | null;
  error: string | null;
}

/** What a watcher of one job receives: progress, or the record after a change of state. */
export type JobUpdate = { type: 'progress'; progress: JobProgressInfo } | { type: 'state'; record: JobRecord };

export interface JobRunner {
  readonly kind: 'in-process' | 'redis';
  submit(spec: JobSpec): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | null>;
  /** Cancels a queued or running job; the record after it, or null when there is no such job. */
  cancel(id: string): Promise<JobRecord | null>;
  /** Live updates for one job until the returned function is called. */
  subscribe(id: string, listener: (u: JobUpdate) => void): () => void;
  /** Whether jobs can be queued now. */
  ready(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

export const TERMINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Retries after a failure that was not the request's fault: 3 attempts, 1 s then 2 s apart. */
export const RETRY = { attempts: 3, backoffMs: 1000 } as const;
