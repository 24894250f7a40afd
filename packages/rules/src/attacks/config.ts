// Attack names, their options and defaults, validated up front so a bad request fails
// with a message that names the option and says what would be accepted.
import { z } from 'zod';

export const ATTACKS = ['fgsm', 'pgd', 'pgd-l2', 'noise-uniform', 'noise-gaussian', 'noise-sign', 'square'] as const;
export type AttackName = (typeof ATTACKS)[number];

/** Where the input gradient comes from; 'none' for noise and the gradient-free Square attack. */
export const GRADIENT_SOURCES = ['true', 'rule', 'transfer'] as const;
export type GradientSourceName = (typeof GRADIENT_SOURCES)[number];

/** Attacks that read an input gradient (the others ignore the gradient source). */
export const GRADIENT_ATTACKS: readonly AttackName[] = ['fgsm', 'pgd', 'pgd-l2'];

export class AttackError extends Error {
  override readonly name = 'AttackError';
}

export const attackSchema = z
  .object({
    attack: z.enum(ATTACKS),
    /** L∞ radius (L2 radius for pgd-l2), in data units (images: pixel/255). */
    epsilon: z.number(),
    /** pgd, pgd-l2: gradient steps per restart. */
    steps: z.number().int().positive().default(20),
    /** pgd, pgd-l2: step size α; default 2.5·ε/steps (Madry et al. 2018). */
    stepSize: z.number().positive().finite().optional(),
    /** pgd, pgd-l2: start from a uniform random point of the ε-ball. */
    randomStart: z.boolean().default(true),
    /** pgd, pgd-l2: independent runs; per example the strongest one is kept. */
    restarts: z.number().int().positive().default(1),
    /** fgsm, pgd, pgd-l2, square: push towards a target class instead of away from the label. */
    targeted: z.boolean().default(false),
    /** Targeted attacks: one class for every row, a random other class per row, or the least likely class. */
    target: z.union([z.number().int().nonnegative(), z.enum(['random', 'least-likely'])]).default('random'),
    /** square: query budget per example, the initial query included. */
    queries: z.number().int().positive().default(1000),
    /** square: initial fraction p of the features a square covers (the schedule halves it). */
    pInit: z.number().gt(0).lte(1).default(0.05),
    /** Seeds random starts, noise, targets and Square's proposals. */
    seed: z.number().int().default(0),
  })
  .strict();

export type AttackConfig = z.output<typeof attackSchema>;
export type AttackConfigInput = z.input<typeof attackSchema>;

/** Validated attack config with defaults filled in; errors name the option at fault. */
export function parseAttackConfig(input: unknown): AttackConfig {
  if (input === null || typeof input !== 'object') throw new AttackError(`an attack config must be an object like { attack: 'fgsm', epsilon: 0.1 }, got ${String(input)}`);
  const raw = input as Record<string, unknown>;
  if (!ATTACKS.includes(raw.attack as AttackName)) {
    throw new AttackError(`unknown attack '${String(raw.attack)}'; expected one of ${ATTACKS.join(', ')}`);
  }
  const eps = raw.epsilon;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new AttackError(`epsilon must be a finite number ≥ 0 (the perturbation radius in data units), got ${String(eps)}`);
  }
  if (raw.steps !== undefined && (typeof raw.steps !== 'number' || !Number.isInteger(raw.steps) || raw.steps <= 0)) {
    throw new AttackError(`steps must be a positive integer, got ${String(raw.steps)}`);
  }
  const r = attackSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new AttackError(`attack config for '${String(raw.attack)}' is not valid: ${issues}`);
  }
  return r.data;
}

/** Whether an attack reads an input gradient. */
export function usesGradient(attack: AttackName): boolean {
  return GRADIENT_ATTACKS.includes(attack);
}

/** The norm an attack's ε bounds. */
export function attackNorm(attack: AttackName): 'linf' | 'l2' {
  return attack === 'pgd-l2' ? 'l2' : 'linf';
}
