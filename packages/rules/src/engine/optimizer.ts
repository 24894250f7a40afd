// Optimisers apply whatever descent direction a rule produced; a rule never reads their
// state. SGD, momentum (PyTorch form v ← μv + g, w ← w − lr·v), Adam (Kingma & Ba 2015,
// optional bias correction: GAIT-prop's authors ran it without), L2 weight decay, and
// per-epoch learning-rate schedules (constant, step, cosine, linear decay to 0).
import type { Backend, Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import type { Network } from '../network/network.js';
import type { ParamGrads } from './rule.js';

export const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }),
  z.object({ kind: z.literal('step'), every: z.number().int().positive().default(10), gamma: z.number().positive().max(1).default(0.5) }),
  z.object({ kind: z.literal('cosine'), minLr: z.number().nonnegative().default(0) }),
  /** lr·(1 − epoch/epochs): decays linearly towards 0 over the run (the last epoch runs at lr/epochs). */
  z.object({ kind: z.literal('linear') }),
]);

export const optimizerSchema = z.object({
  kind: z.enum(['sgd', 'momentum', 'adam']).default('adam'),
  lr: z.number().positive().finite().default(1e-3),
  momentum: z.number().min(0).lt(1).default(0.9),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  eps: z.number().positive().default(1e-8),
  /** Adam's bias correction (1 − βᵗ); off reproduces GAIT-prop's Adam variant. */
  biasCorrection: z.boolean().default(true),
  /** L2 penalty: added to the gradient for sgd/momentum, decoupled (AdamW) for adam. */
  weightDecay: z.number().min(0).default(0),
  schedule: scheduleSchema.default({ kind: 'constant' }),
});

export type OptimizerConfig = z.infer<typeof optimizerSchema>;
export type Schedule = z.infer<typeof scheduleSchema>;

/** The learning rate for a (0-based) epoch out of `epochs`. */
export function learningRate(cfg: OptimizerConfig, epoch: number, epochs: number): number {
  const s = cfg.schedule;
  switch (s.kind) {
    case 'constant':
      return cfg.lr;
    case 'step':
      return cfg.lr * s.gamma ** Math.floor(epoch / s.every);
    case 'cosine':
      return s.minLr + ((cfg.lr - s.minLr) * (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs)))) / 2;
    case 'linear':
      return cfg.lr * Math.max(0, 1 - epoch / Math.max(1, epochs));
  }
}

interface Slot {
  param: Tensor;
  m: Tensor | null;
  v: Tensor | null;
}

export class Optimizer {
  private slots: Slot[];
  private t = 0;
  lr: number;

  constructor(
    private readonly backend: Backend,
    net: Network,
    readonly config: OptimizerConfig,
  ) {
    this.lr = config.lr;
    const params = net.layers.flatMap((l) => [l.W, l.b]);
    this.slots = params.map((p) => ({
      param: p,
      m: config.kind === 'sgd' ? null : backend.zeros(p.rows, p.cols),
      v: config.kind === 'adam' ? backend.zeros(p.rows, p.cols) : null,
    }));
  }

  /** w ← w − update(g) for every parameter, in the order W_0, b_0, W_1, b_1, … */
  apply(grads: ParamGrads): void {
    const be = this.backend;
    const c = this.config;
    const gs = grads.dW.flatMap((dW, i) => [dW, grads.db[i]]);
    this.t++;
    for (let i = 0; i < this.slots.length; i++) {
      const { param, m, v } = this.slots[i];
      const g = gs[i];
      const isWeight = i % 2 === 0;
      if (c.kind === 'adam') {
        be.adamStep(param, g, m!, v!, {
          lr: this.lr,
          beta1: c.beta1,
          beta2: c.beta2,
          eps: c.eps,
          correction1: c.biasCorrection ? 1 - c.beta1 ** this.t : 1,
          correction2: c.biasCorrection ? 1 - c.beta2 ** this.t : 1,
        });
        if (c.weightDecay > 0 && isWeight) be.scale(param, 1 - this.lr * c.weightDecay, param);
        continue;
      }
      if (c.weightDecay > 0 && isWeight) be.axpy(c.weightDecay, param, g);
      if (c.kind === 'momentum') {
        be.scale(m!, c.momentum, m!);
        be.add(m!, g, m!);
        be.axpy(-this.lr, m!, param);
      } else {
        be.axpy(-this.lr, g, param);
      }
    }
  }

  dispose(): void {
    for (const s of this.slots) {
      if (s.m) this.backend.dispose(s.m);
      if (s.v) this.backend.dispose(s.v);
    }
  }
}
