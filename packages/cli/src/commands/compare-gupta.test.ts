// The main job's and compare's settings for the local rule `gupta`: its own optimiser per rule,
// sigmoid hidden units shared with bp, and --parallel routed to the rules that have that mode.
import { parseComparisonConfig, parseTrainConfig } from '@plasticity/rules';
import { describe, expect, it } from 'vitest';
import { trainConfigFrom, TRAIN_FLAGS } from '../flag-tables.js';
import { resolveFlags } from '../flags.js';
import { comparisonConfigFrom, compareFlags, MAIN_JOB } from './compare.js';

const mainJob = (cli: Record<string, unknown> = {}) => resolveFlags(compareFlags(MAIN_JOB), cli, {}, '').values;

describe('gupta in compare and the main job', () => {
  it('trains both rules on the same sigmoid net, gupta under its own SGD, bp under the shared Adam', () => {
    const cfg = parseComparisonConfig(comparisonConfigFrom(mainJob(), ['gupta', 'bp']));
    expect(cfg.train).toMatchObject({ hidden: [256, 256], activation: 'sigmoid', batchSize: 32, optimizer: { kind: 'adam' } });
    expect(cfg.optimizers).toEqual({ gupta: { kind: 'sgd', lr: 1, schedule: { kind: 'linear' } } });
    // Rules other than gupta get no per-rule optimiser from the default.
    expect(parseComparisonConfig(comparisonConfigFrom(mainJob({ rules: ['fa', 'bp'] }), ['fa', 'bp'])).optimizers).toEqual({});
  });

  it('--parallel layers goes to the rules that have the mode and is refused by name where none has it', () => {
    const cfg = comparisonConfigFrom(mainJob({ parallel: 'layers' }), ['gupta', 'bp']);
    expect(cfg.ruleOptions).toEqual({ gupta: { parallel: 'layers' } });
    expect(() => comparisonConfigFrom(mainJob({ parallel: 'layers' }), ['fa', 'bp'])).toThrow(/rule 'fa' has no layer-parallel mode.*gupta/);
    const train = (rule: string, parallel: string) => trainConfigFrom({ ...resolveFlags(TRAIN_FLAGS, { parallel }, {}, '').values, rule });
    expect(parseTrainConfig(train('gupta', 'layers')).ruleOptions).toEqual({ parallel: 'layers' });
    expect(train('bp', 'none').ruleOptions).toEqual({});
    expect(() => train('bp', 'layers')).toThrow(/--parallel layers: rule 'bp' has no layer-parallel mode/);
  });

  it('--schedule linear reaches the optimiser', () => {
    const cfg = parseTrainConfig(trainConfigFrom({ ...resolveFlags(TRAIN_FLAGS, { schedule: 'linear' }, {}, '').values }));
    expect(cfg.optimizer.schedule).toEqual({ kind: 'linear' });
  });
});
