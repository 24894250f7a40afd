import { render as inkRender } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CliEvent } from '../output.js';
import { ExperimentView, initialExperimentState, reduceExperiment, runGroups } from './experiment-view.js';

// Frames without escape codes: whether Ink emits bold/dim depends on the environment (nx and
// CI set FORCE_COLOR), and these tests are about the text.
function render(el: ReactElement) {
  const r = inkRender(el);
  return { ...r, lastFrame: () => stripVTControlCharacters(r.lastFrame() ?? '') };
}

const trained = (rule: string, seed: number, acc: number, surrogate = false): CliEvent => ({ type: 'trained', rule, seed, surrogate, testAccuracy: acc, trainSeconds: 2, status: 'completed', epochs: 2 });

const EVENTS: CliEvent[] = [
  { type: 'stage', stage: 'train', message: 'training fa and bp on 2 seeds' },
  trained('fa', 1, 0.99),
  trained('bp', 1, 0.97),
  trained('bp', 10001, 0.98, true),
  { type: 'start', rule: 'fa', seed: 2, surrogate: false, epochs: 2, batchesPerEpoch: 10 },
  { type: 'batch', rule: 'fa', seed: 2, surrogate: false, epoch: 1, batch: 5, batches: 10, samplesPerSec: 5000 },
  { type: 'attack-progress', rule: 'fa', seed: 1, series: 'pgd', epsilon: 0.1, done: 5, total: 10 },
  { type: 'attack-done', rule: 'fa', seed: 1, series: 'fgsm', epsilon: 0.1, robustAccuracy: 0.8, successRate: 0.19, meanLinf: 0.1, seconds: 0.5 },
];

describe('ExperimentView', () => {
  it('groups runs per rule with the one in progress', () => {
    const s = EVENTS.reduce(reduceExperiment, initialExperimentState('t'));
    const g = runGroups(s.runs);
    expect(g.map((r) => r.slice(0, 3))).toEqual([
      ['fa', '1', '99.00%'],
      ['bp', '1', '97.00%'],
      ['bp (surrogate)', '1', '98.00%'],
    ]);
    // Epoch 2 of 2, half way: 75% of this run.
    expect(g[0][4]).toMatch(/^seed 2: epoch 2\/2 ████████████░░░░ 75%  5,000 samples\/s$/);
  });

  it('shows the attack in progress and finished rows, then the checks and the table', () => {
    const live = EVENTS.reduce(reduceExperiment, initialExperimentState('plasticity compare · fa vs bp'));
    const a = render(<ExperimentView state={live} />).lastFrame()!;
    expect(a).toContain('plasticity compare · fa vs bp');
    expect(a).toContain('attack fa seed 1: pgd ε=0.1');
    expect(a).toMatch(/fa s1\s+fgsm\s+0\.1\s+80\.00%\s+19\.00%/);
    expect(a).toContain('q or Ctrl-C: abort');

    const done = [
      ...EVENTS,
      { type: 'check', name: 'PGD ≤ FGSM', pass: true, detail: 'ok' },
      { type: 'check', name: 'noise hurts less', pass: false, detail: 'fa seed 1 at ε=0.1' },
      { type: 'table', text: 'accuracy  ε  fa  bp' },
      { type: 'finished', seconds: 3 },
    ].reduce(reduceExperiment, initialExperimentState('t'));
    const b = render(<ExperimentView state={done} />).lastFrame()!;
    expect(b).toContain('gradient-masking checks: 1/2 pass');
    expect(b).toContain('FAIL noise hurts less: fa seed 1 at ε=0.1');
    expect(b).toContain('accuracy  ε  fa  bp');
    expect(b).not.toContain('attack fa seed 1');
    expect(b).not.toContain('q or Ctrl-C');
  });
});
