// A saved model back to something that infers and can be attacked: the network, and the
// rule with its state (own-forward rules infer through it; feedback rules need it for the
// 'rule' gradient source). State comes from the model's extra tensors when the rule saves
// any, else it is rebuilt from the training seed exactly as training made it.
import type { Backend } from '@plasticity/core-wasm';
import type { Inference } from '../engine/evaluate.js';
import { getRule, parseRuleOptions } from '../engine/rule.js';
import type { TrainResult } from '../engine/train.js';
import type { Network } from '../network/network.js';
import { createRng } from '../rng.js';
import { ModelError, modelFromNetwork, networkFromModel, type Model, type ModelInput } from './format.js';

export interface RestoredModel {
  net: Network;
  inference: Required<Inference>;
}

export function restoreModel(backend: Backend, model: Model): RestoredModel {
  const net = networkFromModel(backend, model);
  let rule;
  try {
    rule = getRule(model.meta.rule.name);
  } catch (e) {
    throw new ModelError(`the model was trained with rule '${model.meta.rule.name}', which this Plasticity does not have (${(e as Error).message})`);
  }
  const options = parseRuleOptions(rule, model.meta.rule.options);
  const seed = Number((model.meta.training as { seed?: unknown } | undefined)?.seed ?? 1);
  const rng = createRng(Number.isInteger(seed) ? seed : 1).fork('rule');
  const state = rule.loadState ? rule.loadState(net, model.weights.extra ?? {}, options, rng) : rule.init(net, rng, options);
  return { net, inference: { rule, state, options } };
}

/** The model of a finished training run, with the rule's saved state and the training config. */
export function modelFromTraining(result: TrainResult, info: Omit<ModelInput, 'spec' | 'weights' | 'rule' | 'extra' | 'training'>): Model {
  const { net, rule, ruleState, ruleOptions, config } = result;
  return modelFromNetwork(net, {
    ...info,
    rule: { name: rule.name, options: ruleOptions },
    training: config,
    extra: rule.saveState ? rule.saveState(net, ruleState, ruleOptions) : undefined,
  });
}
