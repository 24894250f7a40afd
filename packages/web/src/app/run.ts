// One model on the page: a worker and what it has reported (progress, per-epoch statistics,
// first-layer weights, the finished model's test results).
import type { EpochStats, EvalResult, RobustnessReport, RobustnessRow, TrainConfigInput, TrainEvent } from '@plasticity/rules';
import type { BackendInfo, DataSummary, ModelInfo, Note, WeightsNote } from '../worker/protocol.js';
import { ModelWorker } from './worker-client.js';

export type RunStatus = 'starting' | 'loading data' | 'training' | 'paused' | 'stopping' | 'completed' | 'stopped' | 'diverged' | 'loaded' | 'failed';

export interface BatchPoint {
  /** Fractional epoch at the end of the batch (epoch + batch/batches). */
  x: number;
  step: number;
  loss: number;
  accuracy: number;
}

export interface Progress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  samplesPerSec: number;
}

let counter = 0;

export class Run {
  readonly id: number;
  readonly worker = new ModelWorker();
  status: RunStatus = 'starting';
  backend: BackendInfo | null = null;
  data: DataSummary | null = null;
  info: ModelInfo | null = null;
  error: string | null = null;
  start: Extract<TrainEvent, { type: 'start' }> | null = null;
  points: BatchPoint[] = [];
  epochs: EpochStats[] = [];
  progress: Progress | null = null;
  fields: WeightsNote | null = null;
  /** The latest confusion matrix: validation each epoch, the test split once done. */
  confusion: { matrix: number[][]; caption: string } | null = null;
  robustness: { rows: RobustnessRow[]; report: RobustnessReport | null; done: number; total: number; epsilon: number | null; error: string | null } | null = null;
  divergence: string | null = null;
  private readonly changed: () => void;

  constructor(
    readonly rule: string,
    readonly label: string,
    readonly color: string,
    readonly source: 'trained' | 'loaded',
    readonly config: TrainConfigInput | null,
    onChange: () => void,
  ) {
    counter += 1;
    this.id = counter;
    this.changed = onChange;
    this.worker.onNote((n) => this.onNote(n));
  }

  get ready(): boolean {
    return this.info !== null;
  }

  get active(): boolean {
    return this.status === 'training' || this.status === 'paused' || this.status === 'stopping' || this.status === 'starting' || this.status === 'loading data';
  }

  set(status: RunStatus, error: string | null = null): void {
    this.status = status;
    if (error !== null) this.error = error;
    this.changed();
  }

  finished(info: ModelInfo): void {
    this.info = info;
    this.status = info.status as RunStatus;
    this.confusion = { matrix: info.test.confusion, caption: `test split, ${info.test.n.toLocaleString('en-US')} rows` };
    this.changed();
  }

  private onNote(n: Note): void {
    switch (n.note) {
      case 'train':
        this.onTrain(n.event);
        break;
      case 'weights':
        this.fields = n;
        break;
      case 'robustness-progress':
        if (this.robustness) Object.assign(this.robustness, { done: n.done, total: n.total, epsilon: n.epsilon });
        break;
      case 'robustness-row':
        this.robustness?.rows.push(n.row);
        break;
    }
    this.changed();
  }

  private onTrain(e: TrainEvent): void {
    switch (e.type) {
      case 'start':
        this.start = e;
        this.progress = { epoch: 0, epochs: e.epochs, batch: 0, batches: e.batchesPerEpoch, samplesPerSec: 0 };
        break;
      case 'batch':
        this.points.push({ x: e.epoch + e.batch / e.batches, step: e.step, loss: e.loss, accuracy: e.accuracy });
        this.progress = { epoch: e.epoch, epochs: this.progress?.epochs ?? 0, batch: e.batch, batches: e.batches, samplesPerSec: e.samplesPerSec };
        break;
      case 'epoch': {
        const { type: _t, epochs: _e, ...stats } = e;
        this.epochs.push(stats);
        if (e.validation) this.confusion = { matrix: (e.validation as EvalResult).confusion, caption: `validation split after epoch ${e.epoch + 1}, ${e.validation.n.toLocaleString('en-US')} rows` };
        break;
      }
      case 'diverged':
        this.divergence = `diverged at epoch ${e.epoch + 1}, step ${e.step}: ${e.reason}; the last good weights are kept`;
        break;
      case 'done':
        break;
    }
  }
}
