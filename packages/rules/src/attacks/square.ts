// The Square attack under L∞ (Andriushchenko et al., ECCV 2020, Alg. 1 and §3.1): gradient-free
// random search. Start from vertical stripes of ±ε (one sign per column and channel); then,
// each query, redraw one random square window to a ±ε value per channel and keep the change
// only if it lowers the loss (the margin s_y − max_{k≠y} s_k untargeted, the cross-entropy
// towards the target when targeted). The square covers a fraction p of the features, with p
// halved on the paper's schedule (iterations 10, 50, 200, 500, 1k, 2k, 4k, 6k, 8k of 10k,
// rescaled to the query budget).
//
// Flattened inputs use the data set's inputShape, channels last: [H, W, C] (or [H, W]). Data
// without a 2-D shape is a 1×D strip: the "square" is a run of s = round(p·D) features and the
// stripes are one random sign per feature.
import { createRng, type Rng } from '../rng.js';
import { clamp, type AttackContext } from './context.js';
import { scoreRows } from './model.js';

interface Geometry {
  h: number;
  w: number;
  c: number;
}

export function squareGeometry(inputShape: readonly number[], d: number): Geometry {
  const [h, w, c = 1] = inputShape;
  if (inputShape.length >= 2 && h * w * c === d) return { h, w, c };
  return { h: 1, w: d, c: 1 };
}

/** The paper's piecewise-constant schedule for p (the official implementation's p_selection). */
export function squareP(pInit: number, iteration: number, queries: number): number {
  const it = Math.trunc((iteration / queries) * 10000);
  const steps: [number, number][] = [
    [10, 1], [50, 2], [200, 4], [500, 8], [1000, 16], [2000, 32], [4000, 64], [6000, 128], [8000, 256], [10000, 512],
  ];
  if (it <= 10) return pInit;
  for (let i = 1; i < steps.length; i++) if (it <= steps[i][0]) return pInit / steps[i][1];
  return pInit;
}

/** Side lengths (rows × columns) of the window for fraction p. */
export function squareSize(g: Geometry, p: number): { sh: number; sw: number } {
  if (g.h === 1) {
    const s = Math.round(p * g.w);
    return { sh: 1, sw: Math.min(Math.max(s, 1), Math.max(g.w - 1, 1)) };
  }
  const s = Math.round(Math.sqrt((p * g.h * g.w * g.c) / g.c));
  const side = Math.min(Math.max(s, 1), Math.max(Math.min(g.h, g.w) - 1, 1));
  return { sh: side, sw: side };
}

/** Loss to minimise and margin (success when < 0) per row, from class scores. */
function lossAndMargin(scores: Float64Array, k: number, r: number, label: number, targeted: boolean): { loss: number; margin: number } {
  const o = r * k;
  let other = -Infinity;
  for (let c = 0; c < k; c++) if (c !== label && scores[o + c] > other) other = scores[o + c];
  if (!targeted) {
    const margin = scores[o + label] - other;
    return { loss: margin, margin };
  }
  let mx = -Infinity;
  for (let c = 0; c < k; c++) mx = Math.max(mx, scores[o + c]);
  let se = 0;
  for (let c = 0; c < k; c++) se += Math.exp(scores[o + c] - mx);
  return { loss: mx + Math.log(se) - scores[o + label], margin: other - scores[o + label] };
}

export async function square(ctx: AttackContext): Promise<{ x: Float64Array; queries: Float64Array }> {
  const { n, d, lo, hi, cfg } = ctx;
  const eps = cfg.epsilon;
  const xBest = Float64Array.from(ctx.x);
  const queries = new Float64Array(n);
  if (eps === 0) return { x: xBest, queries };
  const g = squareGeometry(ctx.inputShape, d);
  const k = ctx.model.net.outputSize;
  const targeted = ctx.targets !== null;
  const labels = ctx.targets ?? ctx.y;
  const rng = createRng(cfg.seed).fork('square');

  // Only rows the model still gets right (or not yet at the target) are attacked.
  const clean = scoreRows(ctx.model, ctx.x, Int32Array.from({ length: n }, (_, i) => i), ctx.batchSize);
  const todo: number[] = [];
  for (let i = 0; i < n; i++) if (lossAndMargin(clean, k, i, labels[i], targeted).margin > 0) todo.push(i);
  const rows = Int32Array.from(todo);

  // Vertical stripes: one ±ε per (column, channel), the same down every row of the image.
  for (const i of rows) {
    for (let col = 0; col < g.w; col++) {
      for (let ch = 0; ch < g.c; ch++) {
        const s = rng.next() < 0.5 ? -eps : eps;
        for (let row = 0; row < g.h; row++) {
          const j = (row * g.w + col) * g.c + ch;
          xBest[i * d + j] = clamp(ctx.x[i * d + j] + s, lo, hi);
        }
      }
    }
  }
  const lossMin = new Float64Array(n);
  const marginMin = new Float64Array(n);
  const s0 = scoreRows(ctx.model, xBest, rows, ctx.batchSize);
  rows.forEach((i, r) => {
    const lm = lossAndMargin(s0, k, r, labels[i], targeted);
    lossMin[i] = lm.loss;
    marginMin[i] = lm.margin;
    queries[i] = 1;
  });

  const xNew = new Float64Array(n * d);
  for (let it = 0; it < cfg.queries - 1; it++) {
    const fooling = rows.filter((i) => marginMin[i] > 0);
    if (fooling.length === 0) break;
    const { sh, sw } = squareSize(g, squareP(cfg.pInit, it, cfg.queries));
    for (const i of fooling) propose(ctx, g, i, sh, sw, rng, xBest, xNew);
    const s = scoreRows(ctx.model, xNew, fooling, ctx.batchSize);
    fooling.forEach((i, r) => {
      const lm = lossAndMargin(s, k, r, labels[i], targeted);
      queries[i]++;
      if (lm.loss < lossMin[i]) {
        lossMin[i] = lm.loss;
        marginMin[i] = lm.margin;
        xBest.set(xNew.subarray(i * d, (i + 1) * d), i * d);
      }
    });
    await ctx.tick(it + 2, cfg.queries);
  }
  return { x: xBest, queries };
}

/**
 * Row i of xNew ← xBest with one window redrawn: δ in the window becomes ±ε per channel,
 * redrawn until the clipped result differs from xBest somewhere in the window (as the
 * reference implementation does, so no query is wasted on a no-op).
 */
function propose(ctx: AttackContext, g: Geometry, i: number, sh: number, sw: number, rng: Rng, xBest: Float64Array, xNew: Float64Array): void {
  const { d, lo, hi } = ctx;
  const eps = ctx.cfg.epsilon;
  const o = i * d;
  xNew.set(xBest.subarray(o, o + d), o);
  const r0 = rng.int(g.h - sh + 1);
  const c0 = rng.int(g.w - sw + 1);
  const signs = new Float64Array(g.c);
  for (let attempt = 0; attempt < 100; attempt++) {
    for (let ch = 0; ch < g.c; ch++) signs[ch] = rng.next() < 0.5 ? -eps : eps;
    let changed = false;
    for (let row = r0; row < r0 + sh; row++) {
      for (let col = c0; col < c0 + sw; col++) {
        for (let ch = 0; ch < g.c; ch++) {
          const j = o + (row * g.w + col) * g.c + ch;
          const v = clamp(ctx.x[j] + signs[ch], lo, hi);
          xNew[j] = v;
          if (Math.abs(v - xBest[j]) >= 1e-7) changed = true;
        }
      }
    }
    if (changed) return;
  }
}
