// What the training view shows, as a pure reducer over the event stream, so the same
// events drive the Ink view, tests and (through the plain formatter) line logs.
import type { EpochStats } from '@plasticity/rules';
import type { CliEvent } from '../output.js';

export type RunPhase = 'loading' | 'training' | 'stopping' | 'evaluating' | 'saving' | 'done' | 'diverged' | 'stopped' | 'interrupted' | 'failed';

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  samplesPerSec: number;
  elapsed: number;
}

export interface TrainViewState {
  phase: RunPhase;
  /** e.g. 'fa · seed 1' when several runs share one view. */
  label?: string;
  rule?: string;
  dataset?: string;
  task?: string;
  architecture?: string;
  backend?: string;
  parameters?: number;
  trainSize?: number;
  validationSize?: number;
  testSize?: number;
  epochs: number;
  batchesPerEpoch: number;
  current: BatchProgress | null;
  /** Running mean loss at each progress report of the current epoch (the sparkline). */
  batchLosses: number[];
  history: EpochStats[];
  notes: string[];
  divergence?: string;
  test?: { accuracy: number; balancedAccuracy: number; loss: number; n: number };
  savedTo?: string;
  trainSeconds?: number;
}

export function initialTrainState(): TrainViewState {
  return { phase: 'loading', epochs: 0, batchesPerEpoch: 0, current: null, batchLosses: [], history: [], notes: [] };
}

const MAX_SPARK = 60;

export function reduceTrain(s: TrainViewState, e: CliEvent): TrainViewState {
  switch (e.type) {
    case 'data':
      return {
        ...s,
        dataset: e.dataset as string,
        task: e.task as string,
        trainSize: e.train as number,
        validationSize: e.validation as number,
        testSize: e.test as number,
        architecture: e.architecture as string,
      };
    case 'start':
      return {
        ...s,
        phase: 'training',
        rule: e.rule as string,
        backend: `${e.backend as string} (${e.build as string})`,
        parameters: e.parameters as number,
        epochs: e.epochs as number,
        batchesPerEpoch: e.batchesPerEpoch as number,
        architecture: (e.architecture as string | undefined) ?? s.architecture,
      };
    case 'batch': {
      const cur = e as unknown as BatchProgress;
      const sameEpoch = s.current?.epoch === cur.epoch;
      const losses = sameEpoch ? [...s.batchLosses, cur.loss] : [cur.loss];
      return { ...s, current: { ...cur }, batchLosses: losses.slice(-MAX_SPARK) };
    }
    case 'epoch': {
      const { type: _t, epochs: _e, run: _r, ...stats } = e;
      return { ...s, history: [...s.history, stats as unknown as EpochStats] };
    }
    case 'diverged':
      return { ...s, phase: 'diverged', divergence: `epoch ${(e.epoch as number) + 1}, step ${e.step as number}: ${e.reason as string}` };
    case 'done':
      return {
        ...s,
        trainSeconds: e.trainSeconds as number,
        phase: e.status === 'diverged' ? 'diverged' : e.status === 'stopped' ? (s.phase === 'interrupted' ? 'interrupted' : 'stopped') : 'evaluating',
      };
    case 'stopping':
      return { ...s, phase: 'stopping' };
    case 'interrupting':
      return { ...s, phase: 'interrupted' };
    case 'test':
      return { ...s, test: { accuracy: e.accuracy as number, balancedAccuracy: e.balancedAccuracy as number, loss: e.loss as number, n: e.n as number } };
    case 'saving':
      return { ...s, phase: s.phase === 'stopped' || s.phase === 'diverged' ? s.phase : 'saving' };
    case 'saved':
      return { ...s, savedTo: e.dir as string, phase: s.phase === 'saving' || s.phase === 'evaluating' ? 'done' : s.phase };
    case 'trained':
      return { ...s, phase: s.phase === 'evaluating' || s.phase === 'saving' ? 'done' : s.phase };
    case 'note':
      return { ...s, notes: [...s.notes, e.message as string] };
    default:
      return s;
  }
}

/** Seconds left: the rest of this epoch at its current pace, plus the remaining epochs at the mean epoch time. */
export function etaSeconds(s: TrainViewState): number | null {
  const c = s.current;
  if (!c || c.batch === 0 || s.epochs === 0) return null;
  const perBatch = c.elapsed / c.batch;
  const thisEpoch = (c.batches - c.batch) * perBatch;
  const done = s.history.filter((h) => h.epoch <= c.epoch).length;
  const epochTime = s.history.length ? s.history.reduce((a, h) => a + h.seconds, 0) / s.history.length : c.batches * perBatch;
  const finishedThis = done > c.epoch;
  const remainingEpochs = Math.max(0, s.epochs - c.epoch - 1);
  return (finishedThis ? 0 : thisEpoch) + remainingEpochs * epochTime;
}

/** Fraction of all training batches done. */
export function overallProgress(s: TrainViewState): number {
  if (!s.epochs) return 0;
  const c = s.current;
  if (!c) return s.history.length / s.epochs;
  return Math.min(1, (c.epoch + c.batch / Math.max(1, c.batches)) / s.epochs);
}
