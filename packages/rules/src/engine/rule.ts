// The learning-rule contract. Every rule shares the network and its forward pass; a rule
// only decides what teaching signal each layer receives and how it becomes a local weight
// change. The engine owns loss, optimiser and the loop; a rule writes descent directions
// into ctx.grads (the optimiser applies w ← w − lr·g) and never reads optimiser state.
import type { Backend, Tensor } from '@plasticity/core-wasm';
import type { z } from 'zod';
import type { Network, Workspace } from '../network/network.js';
import type { Rng } from '../rng.js';

export type LossKind = 'cross-entropy' | 'mse';

/** Descent directions for every parameter, same shapes as the network's W_l and b_l. */
export interface ParamGrads {
  readonly dW: Tensor[];
  readonly db: Tensor[];
}

export interface StepContext {
  readonly backend: Backend;
  readonly net: Network;
  readonly ws: Workspace;
  /** Rows in this batch. */
  readonly n: number;
  /** Integer labels of the batch (host copy). */
  readonly labels: Int32Array;
  readonly loss: LossKind;
  readonly grads: ParamGrads;
  readonly rng: Rng;
  readonly epoch: number;
  /** Global step counter, from 0. */
  readonly step: number;
}

/** What a rule reports about its own step, beyond what the engine measures. */
export interface RuleStepInfo {
  /** Extra per-rule diagnostics (e.g. spike statistics, ‖WᵀW − I‖), shown by frontends. */
  diagnostics?: Record<string, number | number[]>;
}

export interface LearningRule<O extends object = object, S = unknown> {
  /** Registry key, e.g. 'bp', 'fa', 'gupta'. */
  readonly name: string;
  /** One line for `plasticity rules`. */
  readonly description: string;
  /** Which signals each layer's update reads — the locality statement, shown in docs and UIs. */
  readonly signals: string;
  /** Typed, validated options with defaults; `parse({})` gives the defaults. */
  readonly options: z.ZodType<O>;
  /**
   * 'shared' (default): before `step`, the engine runs the forward pass and fills
   * ws.delta[L−1] with the output error dL/dz_L. 'own': the rule runs its own dynamics
   * (relaxation, spiking) and must leave its prediction in ws.h[L−1] and return its loss.
   */
  readonly forward?: 'shared' | 'own';
  /** The loss the rule's output error assumes, when it does not work with both. */
  readonly requiresLoss?: LossKind;
  /** Make the rule's state (feedback matrices, traces) for a network. */
  init(net: Network, rng: Rng, options: O): S;
  /** Fill ctx.grads for the current batch. 'own'-forward rules return the batch loss. */
  step(ctx: StepContext, state: S, options: O): RuleStepInfo & { loss?: number };
  /**
   * dL/dx through the rule's own feedback path (e.g. B_l for FA) from ws.delta[L−1],
   * written to ws.dx: the 'rule' gradient source of attacks. Absent when the rule has no
   * feedback path (then attacks refuse that source).
   */
  feedbackInputGrad?(net: Network, ws: Workspace, state: S, options: O): void;
  /** 'own'-forward rules: inference on ws (input set) leaving the prediction in ws.h[L−1]. */
  infer?(net: Network, ws: Workspace, state: S, options: O): void;
  /**
   * Tensors a saved model needs besides W and b for inference (e.g. visible biases of a
   * symmetric net, adaptive thresholds), stored as extra tensors in weights.bin.
   */
  saveState?(net: Network, state: S, options: O): Record<string, { shape: number[]; data: Float32Array }>;
  /** Rebuild the state from saved extra tensors (the counterpart of saveState). */
  loadState?(net: Network, tensors: Record<string, { shape: number[]; data: Float32Array }>, options: O, rng: Rng): S;
  /**
   * Called once when a training run ends (completed, stopped, diverged or failed): release what
   * only training needs, e.g. worker threads. The state stays usable for inference afterwards.
   */
  endTraining?(state: S): void;
  /** Release the backend tensors the state holds. */
  dispose?(net: Network, state: S): void;
}

/**
 * Thrown by a rule's step when training cannot go on (e.g. a weight matrix the rule must
 * invert became near-singular); the loop stops as 'diverged', naming the layer, and keeps
 * the last good weights.
 */
export class RuleDivergenceError extends Error {
  constructor(
    readonly layer: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'RuleDivergenceError';
  }
}

// A registry like tfjs's kernel registry: frontends list it and never import a rule's folder.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRule = LearningRule<any, any>;
const registry = new Map<string, AnyRule>();

export function registerRule<O extends object, S>(rule: LearningRule<O, S>): void {
  registry.set(rule.name, rule as AnyRule);
}

export function getRule(name: string): AnyRule {
  const r = registry.get(name);
  if (!r) throw new RangeError(`unknown rule '${name}'; expected one of ${[...registry.keys()].join(', ')}`);
  return r;
}

export function listRules(): AnyRule[] {
  return [...registry.values()];
}

/** Validated options for a rule, with defaults filled in; errors name the option. */
export function parseRuleOptions(rule: AnyRule, options: unknown = {}): object {
  const r = rule.options.safeParse(options ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ');
    throw new RangeError(`rule '${rule.name}' options are not valid: ${issues}`);
  }
  return r.data as object;
}
