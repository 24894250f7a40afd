import { parseTrainConfig, trainConfigSchema } from '@plasticity/rules';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from './config.js';
import { datasetSpecFrom, DATA_FLAGS, trainConfigFrom, TRAIN_FLAGS } from './flag-tables.js';
import { CliError, coerce, resolveFlags, type FlagSpec } from './flags.js';

const lr: FlagSpec = { key: 'lr', flag: '--lr', arg: '<x>', type: 'number', above: 0, description: 'learning rate' };
const layers: FlagSpec = { key: 'layers', flag: '--layers', arg: '<sizes>', type: 'int-list', min: 1, description: 'widths' };
const ruleOpt: FlagSpec = { key: 'ruleOpt', flag: '--rule-opt', arg: '<k=v>', type: 'key-value', description: 'option' };

describe('coerce', () => {
  it('parses numbers, lists and key=value pairs', () => {
    expect(coerce(lr, '1e-3', '--lr')).toBe(0.001);
    expect(coerce(lr, 0.5, 'lr')).toBe(0.5);
    expect(coerce(layers, '256, 128', '--layers')).toEqual([256, 128]);
    expect(coerce(layers, [64], 'layers')).toEqual([64]);
    const first = coerce(ruleOpt, 'feedbackScale=0.5', '--rule-opt');
    expect(coerce(ruleOpt, 'feedbackInit=orthogonal', '--rule-opt', first)).toEqual({ feedbackScale: 0.5, feedbackInit: 'orthogonal' });
  });

  it('names the flag in every error', () => {
    expect(() => coerce(lr, 'abc', '--lr')).toThrow(/--lr expects a number, got 'abc'/);
    expect(() => coerce(lr, '0', '--lr')).toThrow(/--lr must be > 0, got 0/);
    expect(() => coerce(layers, '256,x', '--layers')).toThrow(/--layers \(item 2\) expects an integer, got 'x'/);
    expect(() => coerce(layers, '1.5', '--layers')).toThrow(CliError);
    expect(() => coerce(ruleOpt, 'novalue', '--rule-opt')).toThrow(/--rule-opt expects key=value/);
  });
});

describe('resolveFlags', () => {
  const specs: FlagSpec[] = [lr, layers, { key: 'epochs', flag: '--epochs', arg: '<n>', type: 'int', min: 1, default: 5, description: 'epochs' }];

  it('takes the command line over the config file over the default', () => {
    const r = resolveFlags(specs, { lr: 0.1 }, { lr: 0.5, layers: [32], epochs: 7 }, 'cfg.yaml');
    expect(r.values).toEqual({ lr: 0.1, layers: [32], epochs: 7 });
    expect(r.sources).toEqual({ lr: 'cli', layers: 'config', epochs: 'config' });
    expect(resolveFlags(specs, {}, {}, 'cfg.yaml').values).toEqual({ epochs: 5 });
  });

  it('checks config values like flags and rejects unknown keys', () => {
    expect(() => resolveFlags(specs, {}, { lr: 'fast' }, 'cfg.yaml')).toThrow(/cfg\.yaml: 'lr' \(--lr\) expects a number, got 'fast'/);
    expect(() => resolveFlags(specs, {}, { 'learning-rate': 1 }, 'cfg.yaml')).toThrow(/unknown option 'learning-rate'; this command takes lr, layers, epochs/);
    expect(resolveFlags(specs, {}, { model: 'x' }, 'cfg.yaml', new Set(['model'])).values.epochs).toBe(5);
  });
});

describe('config files', () => {
  it('reads YAML with a section for the command overriding the top level', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plasticity-cfg-'));
    const file = join(dir, 'run.yaml');
    await writeFile(file, 'epochs: 3\nlayers: [64, 32]\nrules: [fa, bp]\ntrain:\n  epochs: 4\ncompare:\n  seeds: 9\n');
    const c = await readConfigFile(file, 'train', ['train', 'compare', 'rules']);
    // `rules` is a command too, but a list is compare's option, not a section.
    expect(c.options).toEqual({ epochs: 4, layers: [64, 32], rules: ['fa', 'bp'] });
    expect((await readConfigFile(file, 'compare', ['train', 'compare', 'rules'])).options).toEqual({ epochs: 3, layers: [64, 32], rules: ['fa', 'bp'], seeds: 9 });
    await writeFile(join(dir, 'bad.json'), '{"epochs": ');
    await expect(readConfigFile(join(dir, 'bad.json'), 'train', ['train'])).rejects.toThrow(/is not valid JSON/);
    await expect(readConfigFile(join(dir, 'missing.yaml'), 'train', ['train'])).rejects.toThrow(/cannot read .*missing\.yaml \(ENOENT\)/);
  });
});

describe('flag tables', () => {
  it("defaults to the library's own training defaults", () => {
    const { values } = resolveFlags([...DATA_FLAGS, ...TRAIN_FLAGS], {}, {}, '');
    const cfg = parseTrainConfig(trainConfigFrom(values));
    expect(cfg).toEqual(trainConfigSchema.parse({}));
  });

  it('turns data flags into a data set spec', () => {
    const { values } = resolveFlags([...DATA_FLAGS, ...TRAIN_FLAGS], { dataset: 'csv:data/t.csv', label: 'y', seed: 4, validation: 0 }, {}, '');
    expect(datasetSpecFrom(values)).toEqual({ name: 'csv', path: 'data/t.csv', label: 'y', seed: 4 });
    expect(() => datasetSpecFrom({ dataset: 'mnist', classes: [0, 1], oneVsRest: 3 })).toThrow(/--classes and --one-vs-rest/);
    expect(() => datasetSpecFrom({ dataset: 'svhn' })).toThrow(/unknown data set 'svhn'; known data sets are mnist, fashion-mnist, iris, cifar10, csv:PATH/);
  });

  it('merges --rule-options with --rule-opt entries on top', () => {
    const cfg = trainConfigFrom({ ...resolveFlags(TRAIN_FLAGS, {}, {}, '').values, ruleOptions: { a: 1, b: 2 }, ruleOpt: { b: 3 } });
    expect(cfg.ruleOptions).toEqual({ a: 1, b: 3 });
  });
});
