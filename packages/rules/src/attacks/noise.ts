// Random perturbations in the same ε-ball as the attacks: the non-adversarial baseline. If
// random noise of radius ε hurts almost as much as FGSM, the "attack" is not finding anything
// a gradient would.
//   noise-uniform:  δⱼ ~ U(−ε, ε)
//   noise-gaussian: δⱼ ~ N(0, ε²), clipped to [−ε, ε] so it stays in the L∞ ball
//   noise-sign:     δⱼ = ±ε with equal odds (a random corner: the same L∞ and L2 norm as FGSM)
import { createRng } from '../rng.js';
import { clamp, type AttackContext } from './context.js';

export async function noise(ctx: AttackContext, kind: 'uniform' | 'gaussian' | 'sign'): Promise<Float64Array> {
  const { n, d, lo, hi, cfg } = ctx;
  const eps = cfg.epsilon;
  const out = Float64Array.from(ctx.x);
  if (eps === 0) return out;
  const rng = createRng(cfg.seed).fork(`noise-${kind}`);
  for (let i = 0; i < n * d; i++) {
    const delta =
      kind === 'uniform' ? rng.uniform(-eps, eps) : kind === 'gaussian' ? clamp(eps * rng.normal(), -eps, eps) : rng.next() < 0.5 ? -eps : eps;
    out[i] = clamp(ctx.x[i] + delta, lo, hi);
  }
  await ctx.tick(n, n);
  return out;
}
