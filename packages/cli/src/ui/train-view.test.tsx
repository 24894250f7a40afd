import { render as inkRender } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CliEvent } from '../output.js';
import { lineChart, ProgressBar, progressBar, resample, sparkline } from './components.js';
import { Keys } from './live.js';
import { etaSeconds, initialTrainState, overallProgress, reduceTrain } from './train-state.js';
import { TrainView } from './train-view.js';

// Frames without escape codes: whether Ink emits bold/dim depends on the environment (nx and
// CI set FORCE_COLOR), and these tests are about the text.
function render(el: ReactElement) {
  const r = inkRender(el);
  return { ...r, lastFrame: () => stripVTControlCharacters(r.lastFrame() ?? '') };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

const epochEvent = (epoch: number, loss: number, acc: number): CliEvent => ({
  type: 'epoch',
  epochs: 2,
  epoch,
  lr: 0.001,
  trainLoss: loss,
  trainAccuracy: acc,
  validation: { n: 100, loss: loss * 1.1, accuracy: acc - 0.01, balancedAccuracy: acc - 0.02, confusion: [] },
  seconds: 1.5,
  samplesPerSec: 8000,
  updateNorms: [0.5, 0.25],
  angles: [45, 0],
  diagnostics: { alignment: 0.75 },
});

const RUN: CliEvent[] = [
  { type: 'data', dataset: 'mnist', task: 'classes 0,1', train: 1000, validation: 100, test: 200, architecture: '784-16-2' },
  { type: 'start', rule: 'fa', backend: 'wasm-simd', build: 'simd', parameters: 12594, trainSize: 1000, validationSize: 100, epochs: 2, batchesPerEpoch: 10 },
  { type: 'batch', epoch: 0, batch: 5, batches: 10, step: 5, loss: 0.6, accuracy: 0.7, samplesPerSec: 8000, elapsed: 5 },
  { type: 'batch', epoch: 0, batch: 10, batches: 10, step: 10, loss: 0.4, accuracy: 0.8, samplesPerSec: 8000, elapsed: 10 },
  epochEvent(0, 0.4, 0.8),
  { type: 'batch', epoch: 1, batch: 10, batches: 10, step: 20, loss: 0.2, accuracy: 0.9, samplesPerSec: 9000, elapsed: 1.2 },
  epochEvent(1, 0.2, 0.9),
  { type: 'done', status: 'completed', epochsCompleted: 2, trainSeconds: 3 },
  { type: 'test', accuracy: 0.955, balancedAccuracy: 0.95, loss: 0.12, n: 200 },
  { type: 'saving', dir: '/tmp/m' },
  { type: 'saved', dir: '/tmp/m', files: [] },
];

describe('components', () => {
  it('draws a progress bar', () => {
    const { lastFrame } = render(<ProgressBar value={0.5} width={10} />);
    expect(lastFrame()).toBe('█████░░░░░ 50%');
    expect(progressBar(2, 4)).toBe('████ 100%');
    expect(progressBar(Number.NaN, 4)).toBe('░░░░ 0%');
  });

  it('maps the range of a sparkline onto the lowest and highest block', () => {
    expect(sparkline([0, 1])).toBe('▁█');
    expect(sparkline([3, 3, 3])).toBe('▁▁▁');
    expect(sparkline([1, Number.NaN, 0])).toBe('█▁');
  });

  it('resamples by linear interpolation', () => {
    expect(resample([0, 10], 11)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(resample([2], 3)).toEqual([2, 2, 2]);
  });

  it('labels a chart from the highest value at the top to the lowest at the bottom', () => {
    const rows = lineChart([{ name: 'train', values: [1, 0] }], { height: 4, digits: 2, color: false }).split('\n');
    expect(rows[0].trim().startsWith('1.00')).toBe(true);
    expect(rows.at(-1)!.trim().startsWith('0.00')).toBe(true);
    expect(lineChart([{ name: 'flat', values: [0.5, 0.5] }], { color: false })).toContain('0.500');
  });
});

describe('training state', () => {
  it('estimates the time left from the current pace', () => {
    const s = RUN.slice(0, 3).reduce(reduceTrain, initialTrainState());
    // 5 of 10 batches in 5 s: 5 s left in this epoch, then one more 10-batch epoch.
    expect(etaSeconds(s)).toBeCloseTo(5 + 10, 9);
    expect(overallProgress(s)).toBeCloseTo(0.25, 9);
  });
});

describe('TrainView', () => {
  it('shows progress, charts, per-layer norms and angles, diagnostics and the summary', () => {
    const state = RUN.reduce(reduceTrain, initialTrainState());
    const { lastFrame } = render(<TrainView state={state} color={false} width={100} />);
    const frame = lastFrame()!;
    expect(frame).toContain('rule fa');
    expect(frame).toContain('784-16-2');
    expect(frame).toContain('epoch 2/2');
    expect(frame).toContain('9,000 samples/s');
    expect(frame).toMatch(/loss\s+train · validation/);
    expect(frame).toMatch(/0\s+5\.00e-1\s+45\.0°/);
    expect(frame).toContain('alignment  0.7500');
    expect(frame).toMatch(/2\s+0\.2000\s+90\.00%\s+0\.2200\s+89\.00%/);
    expect(frame).toContain('test accuracy 95.50%');
    expect(frame).toContain('model saved to /tmp/m');
    expect(frame).not.toContain('q: stop');
  });

  it('shows the keys while training and a note for a fallback', () => {
    const state = [...RUN.slice(0, 3), { type: 'note', message: 'gupta is not registered yet' }].reduce(reduceTrain, initialTrainState());
    const { lastFrame } = render(<TrainView state={state} color={false} />);
    expect(lastFrame()).toContain('q: stop and save');
    expect(lastFrame()).toContain('note: gupta is not registered yet');
    expect(lastFrame()).toContain('loss 0.6000  acc 70.00%');
  });
});

describe('keys', () => {
  it('q stops and Ctrl-C interrupts', async () => {
    const calls: string[] = [];
    const { stdin, unmount } = render(<Keys controls={{ stop: () => calls.push('stop'), interrupt: () => calls.push('interrupt') }} />);
    await tick();
    stdin.write('q');
    await tick();
    stdin.write('\x03');
    await tick();
    unmount();
    expect(calls).toEqual(['stop', 'interrupt']);
  });
});
