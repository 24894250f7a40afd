// White-box attacks that follow an input gradient.
//   FGSM (Goodfellow et al. 2015, eq. 3):   x' = clip(x + ε·sign(∇ₓL(x, y)))     (targeted: x − ε·sign(∇ₓL(x, t)))
//   PGD, L∞ (Madry et al. 2018, eq. 2):     x⁺ = Π_{B∞(x,ε)∩[lo,hi]}(x + α·sign(∇ₓL))
//   PGD, L2:                                x⁺ = Π_{B2(x,ε)}(x + α·∇ₓL/‖∇ₓL‖₂), then clipped to [lo, hi]
// with a uniform random start in the ball and restarts that keep, per row, the strongest run.
// When the gradient comes from the attacked model's own forward pass, a row stops moving at the
// first iterate that fools it (so PGD keeps any success it passes through).
import { createRng, type Rng } from '../rng.js';
import { clamp, gatherLabels, gatherRows, type AttackContext } from './context.js';
import { allRows, gradientModel, inputGradRows, predictRows } from './model.js';

/** FGSM; one gradient evaluation per row. */
export async function fgsm(ctx: AttackContext): Promise<Float64Array> {
  const { n, d, lo, hi, cfg } = ctx;
  const eps = cfg.epsilon;
  const out = Float64Array.from(ctx.x);
  if (eps === 0) return out;
  const grad = new Float64Array(n * d);
  const labels = ctx.targets ?? ctx.y;
  inputGradRows(ctx.model, ctx.gradient, ctx.x, labels, allRows(n), grad, ctx.batchSize);
  const dir = ctx.targets ? -1 : 1;
  for (let i = 0; i < n * d; i++) out[i] = clamp(ctx.x[i] + dir * eps * Math.sign(grad[i]), lo, hi);
  await ctx.tick(n, n);
  return out;
}

/** PGD under L∞ ('pgd') or L2 ('pgd-l2'), with restarts. */
export async function pgd(ctx: AttackContext, norm: 'linf' | 'l2'): Promise<Float64Array> {
  const { n, d, cfg } = ctx;
  const eps = cfg.epsilon;
  const best = Float64Array.from(ctx.x);
  if (eps === 0) return best;
  const alpha = cfg.stepSize ?? (2.5 * eps) / cfg.steps;
  const bestScore = new Float64Array(n).fill(-Infinity);
  let active = allRows(n);
  const total = cfg.restarts * cfg.steps;
  for (let r = 0; r < cfg.restarts && active.length > 0; r++) {
    const rng = createRng(cfg.seed).fork(`pgd-restart-${r}`);
    const x0 = gatherRows(ctx.x, active, d);
    const labels = gatherLabels(ctx.targets ?? ctx.y, active);
    const xa = start(ctx, x0, norm, rng);
    const m = active.length;
    const idx = allRows(m);
    const grad = new Float64Array(m * d);
    const dir = ctx.targets ? -1 : 1;
    const selfCheck = gradientModel(ctx.model, ctx.gradient) === ctx.model && ctx.model.inference?.rule?.infer === undefined;
    const pred = selfCheck ? new Int32Array(m) : undefined;
    const frozen = new Uint8Array(m);
    for (let t = 0; t < cfg.steps; t++) {
      inputGradRows(ctx.model, ctx.gradient, xa, labels, idx, grad, ctx.batchSize, pred);
      if (pred) {
        for (let k = 0; k < m; k++) if (ctx.targets ? pred[k] === labels[k] : pred[k] !== labels[k]) frozen[k] = 1;
      }
      if (norm === 'linf') stepLinf(ctx, xa, x0, grad, dir * alpha, frozen);
      else stepL2(ctx, xa, x0, grad, dir * alpha, frozen);
      await ctx.tick(r * cfg.steps + t + 1, total);
    }
    // Keep per row the run that succeeds, else the one with the highest loss (lowest towards a target).
    const final = predictRows(ctx.model, xa, m, ctx.batchSize);
    const losses = cfg.restarts > 1 ? inputGradRows(ctx.model, ctx.gradient, xa, labels, idx, grad, ctx.batchSize) : null;
    const still: number[] = [];
    for (let k = 0; k < m; k++) {
      const i = active[k];
      const success = ctx.targets ? final[k] === ctx.targets[i] : final[k] !== ctx.y[i];
      const score = success ? Infinity : losses ? dir * losses[k] : 0;
      if (score > bestScore[i]) {
        bestScore[i] = score;
        best.set(xa.subarray(k * d, (k + 1) * d), i * d);
      }
      if (!success) still.push(i);
    }
    active = Int32Array.from(still);
  }
  return best;
}

function start(ctx: AttackContext, x0: Float64Array, norm: 'linf' | 'l2', rng: Rng): Float64Array {
  const { d, lo, hi, cfg } = ctx;
  const eps = cfg.epsilon;
  const xa = Float64Array.from(x0);
  if (!cfg.randomStart) return xa;
  const m = x0.length / d;
  if (norm === 'linf') {
    for (let i = 0; i < xa.length; i++) xa[i] = clamp(x0[i] + rng.uniform(-eps, eps), lo, hi);
    return xa;
  }
  // Uniform in the L2 ball: a Gaussian direction, radius ε·u^(1/d).
  const v = new Float64Array(d);
  for (let r = 0; r < m; r++) {
    let ss = 0;
    for (let j = 0; j < d; j++) {
      v[j] = rng.normal();
      ss += v[j] * v[j];
    }
    const radius = eps * Math.pow(rng.next(), 1 / d);
    const s = ss > 0 ? radius / Math.sqrt(ss) : 0;
    for (let j = 0; j < d; j++) xa[r * d + j] = clamp(x0[r * d + j] + s * v[j], lo, hi);
  }
  return xa;
}

function stepLinf(ctx: AttackContext, xa: Float64Array, x0: Float64Array, grad: Float64Array, a: number, frozen: Uint8Array): void {
  const { d, lo, hi } = ctx;
  const eps = ctx.cfg.epsilon;
  for (let i = 0; i < xa.length; i++) {
    if (frozen[Math.floor(i / d)]) continue;
    const v = xa[i] + a * Math.sign(grad[i]);
    xa[i] = clamp(clamp(v, x0[i] - eps, x0[i] + eps), lo, hi);
  }
}

function stepL2(ctx: AttackContext, xa: Float64Array, x0: Float64Array, grad: Float64Array, a: number, frozen: Uint8Array): void {
  const { d, lo, hi } = ctx;
  const eps = ctx.cfg.epsilon;
  const m = xa.length / d;
  for (let r = 0; r < m; r++) {
    if (frozen[r]) continue;
    const o = r * d;
    let gg = 0;
    for (let j = 0; j < d; j++) gg += grad[o + j] * grad[o + j];
    const s = gg > 0 ? a / Math.sqrt(gg) : 0;
    let dd = 0;
    for (let j = 0; j < d; j++) {
      const delta = xa[o + j] + s * grad[o + j] - x0[o + j];
      xa[o + j] = delta;
      dd += delta * delta;
    }
    // Project onto the ball, then clip to the box: clipping moves each coordinate towards x0
    // (which lies in the box), so it never leaves the ball again.
    const shrink = dd > eps * eps ? eps / Math.sqrt(dd) : 1;
    for (let j = 0; j < d; j++) xa[o + j] = clamp(x0[o + j] + shrink * xa[o + j], lo, hi);
  }
}
