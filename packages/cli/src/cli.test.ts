// The `plasticity` bin as a subprocess (not a TTY): JSON lines, plain logs, written model
// files checked against the library's own evaluation, config files, errors and Ctrl-C.
import { ReferenceBackend } from '@plasticity/core-wasm';
import { evaluate, listRules, loadDataset, loadModel, restoreModel, runAttack, type DatasetSpec } from '@plasticity/rules';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, jsonLines, runCli, spawnCli } from './testing/subprocess.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'plasticity-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const IRIS = ['--rule', 'fa', '--dataset', 'iris', '--layers', '8', '--batch', '16', '--lr', '0.01', '--input-transform', 'standardize', '--backend', 'reference'];

describe('plasticity (subprocess)', () => {
  it('lists rules and data sets as JSON', async () => {
    const [rules, sets] = await Promise.all([runCli(['rules', '--json'], { cwd }), runCli(['datasets', '--json'], { cwd })]);
    expect(rules.code).toBe(0);
    const r = jsonLines(rules.stdout).at(-1)!;
    expect(r.type).toBe('result');
    const names = (r.rules as { name: string; description: string }[]).map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['bp', 'fa', 'dfa', 'sign-fa']));
    expect((r.rules as { description: string }[]).every((x) => x.description.length > 0)).toBe(true);
    const d = jsonLines(sets.stdout).at(-1)!;
    expect((d.datasets as { name: string }[]).map((x) => x.name)).toEqual(['mnist', 'fashion-mnist', 'iris', 'cifar10', 'csv']);
  });

  let modelDir: string;
  let trainResult: Record<string, unknown>;

  it('trains with --json: typed lines, a result last, and a model whose files reproduce its figures', async () => {
    modelDir = join(cwd, 'iris-fa');
    const run = await runCli(['train', ...IRIS, '--epochs', '2', '--json', '--out', 'iris-fa'], { cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.every((l) => typeof l.type === 'string')).toBe(true);
    expect(lines.map((l) => l.type).filter((t) => t !== 'batch')).toEqual(['data', 'start', 'epoch', 'epoch', 'done', 'test', 'saving', 'saved', 'result']);
    trainResult = lines.at(-1)!;
    expect(trainResult).toMatchObject({ type: 'result', command: 'train', status: 'completed', rule: 'fa', dataset: 'iris', epochsCompleted: 2, modelDir });
    for (const k of ['testAccuracy', 'balancedAccuracy', 'trainSeconds']) expect(typeof trainResult[k]).toBe('number');
    const epoch = lines.find((l) => l.type === 'epoch')!;
    expect((epoch.angles as number[]).length).toBe(2);

    expect((await readdir(modelDir)).sort()).toEqual(['model.json', 'run-config.json', 'weights.bin']);
    // The saved weights, restored on the float64 reference, give the reported test figures.
    const model = await loadModel(modelDir);
    const { net, inference } = restoreModel(new ReferenceBackend(), model);
    const spec = (model.meta.training as { data: DatasetSpec }).data;
    const data = await loadDataset(spec);
    expect(model.meta.dataset?.fingerprint).toBe(data.train.fingerprint);
    const ev = evaluate(net, data.test, { inference });
    expect(ev.accuracy).toBe(trainResult.testAccuracy);
    expect(ev.balancedAccuracy).toBe(trainResult.balancedAccuracy);
    expect(JSON.parse(await readFile(join(modelDir, 'run-config.json'), 'utf8'))).toMatchObject({ rule: 'fa', dataset: 'iris', layers: [8], epochs: 2, lr: 0.01, backend: 'reference' });
  });

  it('plain logs (no escape codes); a config file with flags on top gives the same model for the same seed', async () => {
    await writeFile(join(cwd, 'iris.yaml'), 'rule: fa\ndataset: iris\nlayers: [8]\nbatch: 16\nlr: 0.01\ninputTransform: standardize\nbackend: reference\ntrain:\n  epochs: 5\n');
    const run = await runCli(['train', '--config', 'iris.yaml', '--epochs', '2', '--out', 'iris-cfg'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout).toMatch(/^epoch 2\/2: loss \d/m);
    expect(run.stdout).toContain(`model saved to ${join(cwd, 'iris-cfg')}`);
    const a = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
    const b = JSON.parse(await readFile(join(cwd, 'iris-cfg', 'model.json'), 'utf8'));
    expect(b.training.epochs).toBe(2);
    expect(b.weights.sha256).toBe(a.weights.sha256);
  });

  it('eval, inspect and export read the model directory', async () => {
    const [ev, ins, exp] = await Promise.all([
      runCli(['eval', '--model', modelDir, '--backend', 'reference', '--json'], { cwd }),
      runCli(['inspect', '--model', 'iris-fa', '--json'], { cwd }),
      runCli(['export', '--model', 'iris-fa', '--format', 'tfjs', '--out', 'iris-tfjs', '--json'], { cwd }),
    ]);
    const e = jsonLines(ev.stdout).at(-1)!;
    expect(e).toMatchObject({ type: 'result', command: 'eval', split: 'test', testAccuracy: trainResult.testAccuracy, balancedAccuracy: trainResult.balancedAccuracy, fingerprintMatches: true });
    const i = jsonLines(ins.stdout).at(-1)!;
    expect(i).toMatchObject({ type: 'result', command: 'inspect', rule: { name: 'fa' }, architecture: { inputSize: 4, layers: [{ size: 8 }, { size: 3 }] } });
    expect(exp.code).toBe(0);
    const tfjs = JSON.parse(await readFile(join(cwd, 'iris-tfjs', 'model.json'), 'utf8'));
    expect(tfjs.format).toBe('layers-model');
    // 4·8 + 8 + 8·3 + 3 float32 parameters.
    expect((await stat(join(cwd, 'iris-tfjs', 'group1-shard1of1.bin'))).size).toBe(4 * (4 * 8 + 8 + 8 * 3 + 3));
  });

  it('attack: robust accuracy per ε, the same as the library gives for the saved model', async () => {
    const run = await runCli(['attack', '--model', 'iris-fa', '--attack', 'fgsm', '--eps', '0,0.5', '--backend', 'reference', '--json'], { cwd });
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.filter((l) => l.type === 'attack-done').map((l) => l.epsilon)).toEqual([0, 0.5]);
    const r = lines.at(-1)!;
    expect(r).toMatchObject({ type: 'result', command: 'attack', attack: 'fgsm', rule: 'fa', rows: 30 });
    const robust = r.robustAccuracy as Record<string, number>;
    // ε = 0 moves nothing: robust accuracy is the clean test accuracy.
    expect(robust['0']).toBe(trainResult.testAccuracy);
    const model = await loadModel(modelDir);
    const { net, inference } = restoreModel(new ReferenceBackend(), model);
    const data = await loadDataset((model.meta.training as { data: DatasetSpec }).data);
    const direct = await runAttack({ net, inference }, data.test, { attack: 'fgsm', epsilon: 0.5 });
    expect(robust['0.5']).toBe(direct.robustAccuracy);
    expect(robust['0.5']).toBeLessThan(robust['0']);
  });

  it('compare: two rules over seeds, a report directory and per-rule figures', async () => {
    const run = await runCli(
      ['compare', '--rules', 'fa,bp', '--seeds', '2', ...IRIS.filter((_, i, a) => a[i] !== '--rule' && a[i - 1] !== '--rule'), '--epochs', '2', '--eps', '0,0.5', '--pgd-steps', '2', '--attack-rows', '30', '--square-queries', '10', '--examples', '0', '--json', '--out', 'cmp'],
      { cwd },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.filter((l) => l.type === 'trained').map((l) => `${l.rule}/${l.seed}`)).toEqual(['bp/10001', 'fa/1', 'bp/1', 'bp/10002', 'fa/2', 'bp/2']);
    const r = lines.at(-1)!;
    expect(r).toMatchObject({ type: 'result', command: 'compare', rules: ['fa', 'bp'], seeds: [1, 2], dataset: 'iris', reportDir: join(cwd, 'cmp') });
    const robust = r.robustAccuracy as Record<string, Record<string, number>>;
    const clean = r.cleanAccuracy as Record<string, number>;
    for (const rule of ['fa', 'bp']) expect(robust[rule]['0']).toBeCloseTo(clean[rule], 12);
    const report = JSON.parse(await readFile(join(cwd, 'cmp', 'report.json'), 'utf8'));
    expect(report.comparison.rules).toEqual(['fa', 'bp']);
    const faTest = report.comparison.training.filter((t: { rule: string; surrogate: boolean }) => t.rule === 'fa' && !t.surrogate).map((t: { testAccuracy: number }) => t.testAccuracy);
    expect((r.testAccuracy as Record<string, number>).fa).toBeCloseTo((faTest[0] + faTest[1]) / 2, 12);
    expect(existsSync(join(cwd, 'cmp', 'README.md'))).toBe(true);
  });

  it("start: the main job's rules, with a visible fallback while the STDP-derived rule is not registered", async () => {
    const small = IRIS.filter((_, i, a) => a[i] !== '--rule' && a[i - 1] !== '--rule');
    const run = await runCli(['start', '--seeds', '2', ...small, '--classes', '0,1', '--epochs', '1', '--eps', '0,0.5', '--pgd-steps', '2', '--attack-rows', '20', '--square-queries', '5', '--examples', '0', '--no-transfer', '--json', '--out', 'main'], { cwd });
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    const r = lines.at(-1)!;
    const hasGupta = listRules().some((x) => x.name === 'gupta');
    expect(r).toMatchObject({ type: 'result', command: 'start', rules: [hasGupta ? 'gupta' : 'fa', 'bp'] });
    const notes = lines.filter((l) => l.type === 'note').map((l) => l.message);
    if (hasGupta) expect(notes).toEqual([]);
    else expect(notes).toEqual([expect.stringContaining("'gupta' is not registered in this build yet; comparing 'fa'")]);
  });

  it('names what is wrong: unknown rule or data set, bad numbers, config values, missing models', async () => {
    await writeFile(join(cwd, 'bad.yaml'), 'lr: fast\n');
    const [rule, num, ds, model, cfg, json] = await Promise.all([
      runCli(['train', '--rule', 'hebbian-magic', '--dataset', 'iris'], { cwd }),
      runCli(['train', '--lr', 'abc'], { cwd }),
      runCli(['train', '--dataset', 'svhn'], { cwd }),
      runCli(['eval', '--model', 'no-such-dir'], { cwd }),
      runCli(['train', '--config', 'bad.yaml'], { cwd }),
      runCli(['train', '--epochs', '0', '--json'], { cwd }),
    ]);
    expect(rule.code).toBe(2);
    expect(rule.stderr).toMatch(/unknown rule 'hebbian-magic'; registered rules are bp, fa, dfa, sign-fa/);
    expect(num.code).toBe(2);
    expect(num.stderr).toContain("--lr expects a number, got 'abc'");
    expect(ds.stderr).toMatch(/unknown data set 'svhn'; known data sets are mnist, fashion-mnist, iris, cifar10, csv:PATH/);
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(/no-such-dir: cannot read model\.json \(ENOENT\)/);
    expect(cfg.stderr).toMatch(/bad\.yaml: 'lr' \(--lr\) expects a number, got 'fast'/);
    expect(json.code).toBe(2);
    expect(jsonLines(json.stdout)).toEqual([{ type: 'error', message: expect.stringContaining('--epochs must be ≥ 1, got 0') }]);
    for (const r of [rule, num, ds, model, cfg]) expect(r.stdout).not.toMatch(/^\s+at /m);
  });

  it('Ctrl-C stops training, exits non-zero and writes no model directory', async () => {
    const child = spawnCli(['train', '--rule', 'bp', '--dataset', 'mnist', '--classes', '0,1', '--layers', '32', '--epochs', '200', '--progress-every', '1', '--json', '--out', 'interrupted'], { cwd, detached: true });
    const done = collect(child);
    await new Promise<void>((resolve) => {
      let buf = '';
      child.stdout!.on('data', (b: Buffer) => {
        buf += b.toString();
        if (buf.includes('"type":"batch"')) resolve();
      });
    });
    process.kill(-child.pid!, 'SIGINT');
    const run = await done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted (Ctrl-C): training aborted, no model was written');
    expect(existsSync(join(cwd, 'interrupted'))).toBe(false);
    expect((await readdir(cwd)).filter((f) => f.startsWith('interrupted'))).toEqual([]);
  });
});
