import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReferenceBackend } from '@plasticity/core-wasm';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../data/types.js';
import '../rules/index.js';
import { blobs } from '../testing/synthetic.js';
import { runComparison, type ComparisonConfigInput, type ComparisonEvent, type ComparisonReport } from './comparison.js';

const config: ComparisonConfigInput = {
  rules: ['fa', 'bp'],
  seeds: [1, 2],
  train: { hidden: [16], activation: 'tanh', epochs: 15, batchSize: 16, optimizer: { kind: 'adam', lr: 0.01 } },
  epsilons: [0, 0.1, 0.2],
  pgd: { steps: 10, restarts: 3 },
  square: { queries: 100, pInit: 0.3 },
  checkEpsilon: 0.1,
  examples: 3,
};

describe('runComparison', () => {
  let data: { train: Dataset; test: Dataset };
  let report: ComparisonReport;
  let dir: string;
  const events: ComparisonEvent[] = [];
  beforeAll(async () => {
    const image = { inputShape: [4, 4, 1] as const };
    data = {
      train: { ...(await blobs({ n: 240, d: 16, classes: 3, seed: 6, spread: 0.12 })), ...image },
      test: { ...(await blobs({ n: 90, d: 16, classes: 3, seed: 5, spread: 0.12, split: 'test' })), ...image },
    };
    dir = await mkdtemp(join(tmpdir(), 'plasticity-comparison-'));
    report = await runComparison(config, { backend: new ReferenceBackend(), data, outDir: dir, command: 'test: runComparison(config)', onEvent: (e) => events.push(e) });
  });

  it('attacks every model with every planned attack and ε', () => {
    expect(report.models.map((m) => `${m.rule}/${m.seed}`)).toEqual(['fa/1', 'bp/1', 'fa/2', 'bp/2']);
    const perModel = (rule: string, seed: number) => report.rows.filter((r) => r.rule === rule && r.seed === seed).map((r) => `${r.series}@${r.epsilon}`);
    expect(perModel('fa', 1).sort()).toEqual(
      [
        'fgsm@0', 'fgsm@0.1', 'fgsm@0.2', 'pgd@0', 'pgd@0.1', 'pgd@0.2', 'pgd@1', 'noise-uniform@0', 'noise-uniform@0.1', 'noise-uniform@0.2',
        'square@0.1', 'fgsm/rule@0', 'fgsm/rule@0.1', 'fgsm/rule@0.2', 'fgsm/transfer@0', 'fgsm/transfer@0.1', 'fgsm/transfer@0.2', 'pgd/transfer@0.1',
      ].sort(),
    );
    expect(perModel('bp', 2).length).toBe(18);
    for (const r of report.rows) {
      expect(r.n).toBe(90);
      expect(r.meanLinf).toBeLessThanOrEqual(r.epsilon + 1e-6);
      if (r.epsilon === 0) expect(r.robustAccuracy).toBe(r.cleanAccuracy);
    }
    expect(report.comparison.training.filter((t) => t.surrogate).map((t) => t.seed)).toEqual([10001, 10002]);
    expect(report.comparison.ruleGradient).toEqual({ fa: true, bp: true });
    expect(report.dataset.fingerprint).toBe(data.test.fingerprint);
    expect(report.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.attacks.find((a) => a.series === 'pgd')!.config).toMatchObject({ attack: 'pgd', steps: 10, restarts: 3, randomStart: true });
  });

  it('summarises over seeds and tests fa − bp paired by seed', () => {
    const s = report.summary.find((x) => x.rule === 'bp' && x.series === 'fgsm' && x.epsilon === 0.1)!;
    const vals = report.rows.filter((r) => r.rule === 'bp' && r.series === 'fgsm' && r.epsilon === 0.1).map((r) => r.robustAccuracy);
    expect(s.seeds).toEqual([1, 2]);
    expect(s.robustAccuracy.mean).toBeCloseTo((vals[0] + vals[1]) / 2, 12);
    const t = report.comparison.tests.find((x) => x.series === 'pgd' && x.epsilon === 0.2)!;
    const a = [1, 2].map((seed) => report.rows.find((r) => r.rule === 'fa' && r.seed === seed && r.series === 'pgd' && r.epsilon === 0.2)!.robustAccuracy);
    const b = [1, 2].map((seed) => report.rows.find((r) => r.rule === 'bp' && r.seed === seed && r.series === 'pgd' && r.epsilon === 0.2)!.robustAccuracy);
    expect(t.a).toEqual(a);
    expect(t.b).toEqual(b);
    expect(t.meanDifference).toBeCloseTo((a[0] - b[0] + a[1] - b[1]) / 2, 12);
    expect(report.comparison.tests.map((x) => `${x.series}@${x.epsilon}`)).toEqual(['clean@0', 'fgsm@0', 'fgsm@0.1', 'fgsm@0.2', 'pgd@0', 'pgd@0.1', 'pgd@0.2']);
  });

  it('runs the gradient-masking checks as pass/fail lines', () => {
    const checks = report.comparison.checks;
    expect(checks.map((c) => c.name)).toEqual([
      'PGD accuracy ≤ FGSM accuracy (every model, every ε)',
      'robust accuracy falls to ~0 at large ε (PGD, ε=1)',
      'uniform random noise of the same ε hurts far less than FGSM',
      'gradient-free Square does not find the models less robust than white-box PGD says (ε=0.1)',
      'transfer PGD from a BP surrogate does not beat white-box PGD (ε=0.1)',
      'transfer FGSM from a BP surrogate does not beat white-box FGSM (every ε)',
    ]);
    // On an unmasked model (tanh MLPs trained by bp and fa), the first three must hold.
    expect(checks.slice(0, 3).map((c) => c.pass)).toEqual([true, true, true]);
    for (const c of checks) expect(c.detail.length).toBeGreaterThan(10);
  });

  it('writes the report, CSVs, plots and example grids, and reports progress', async () => {
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(
      ['README.md', 'accuracy.png', 'accuracy.svg', 'examples-bp.png', 'examples-bp.svg', 'examples-fa.png', 'examples-fa.svg', 'gradient-sources.png', 'gradient-sources.svg', 'paired-tests.csv', 'report.json', 'rows.csv', 'summary.csv'],
    );
    const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as ComparisonReport;
    expect(json.rows.length).toBe(report.rows.length);
    expect(json.command).toBe('test: runComparison(config)');
    const csv = (await readFile(join(dir, 'rows.csv'), 'utf8')).trim().split('\n');
    expect(csv.length).toBe(report.rows.length + 1);
    expect(csv[0]).toMatch(/^rule,seed,series,attack,gradient_source,norm,epsilon/);
    const svg = await readFile(join(dir, 'accuracy.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('robust accuracy');
    const png = PNG.sync.read(await readFile(join(dir, 'accuracy.png')));
    expect(png.width).toBeGreaterThan(400);
    const grid = PNG.sync.read(await readFile(join(dir, 'examples-fa.png')));
    expect(grid.height).toBeGreaterThan(3 * 16);
    const readme = await readFile(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('`test: runComparison(config)`');
    expect(readme).toMatch(/\*\*(PASS|FAIL)\*\* PGD accuracy ≤ FGSM accuracy/);
    expect(events[0]).toMatchObject({ type: 'stage', stage: 'data' });
    expect(events.filter((e) => e.type === 'trained').length).toBe(6);
    expect(events.some((e) => e.type === 'attack' && e.event.type === 'attack-progress')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'done', outDir: dir });
  });

  it('stops when aborted and refuses bad configs', async () => {
    const ac = new AbortController();
    await expect(
      runComparison(config, { backend: new ReferenceBackend(), data, signal: ac.signal, onEvent: (e) => e.type === 'trained' && ac.abort() }),
    ).rejects.toThrow(/abort/i);
    const be = new ReferenceBackend();
    await expect(runComparison({ ...config, rules: ['bp', 'bp'] }, { backend: be, data })).rejects.toThrow(/must differ/);
    await expect(runComparison({ ...config, rules: ['nope', 'bp'] }, { backend: be, data })).rejects.toThrow(/unknown rule 'nope'/);
    await expect(runComparison({ ...config, seeds: [1] }, { backend: be, data })).rejects.toThrow(/seeds/);
    await expect(runComparison({ ...config, epsilons: [-1] }, { backend: be, data })).rejects.toThrow(/epsilons/);
  });
});
