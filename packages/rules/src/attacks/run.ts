// One entry for every attack: validate the request, pick targets, run the attack, and measure
// what it did (robust accuracy, success rate, perturbation norms) with the model's own inference.
import { createRng } from '../rng.js';
import { attackNorm, AttackError, parseAttackConfig, usesGradient, type AttackConfig, type AttackConfigInput, type AttackName, type GradientSourceName } from './config.js';
import type { AttackContext } from './context.js';
import { fgsm, pgd } from './gradient-attacks.js';
import { allRows, checkAttackData, gradientModel, predictRows, scoreRows, type AttackData, type AttackModel, type GradientOptions } from './model.js';
import { noise } from './noise.js';
import { square } from './square.js';

export interface AttackProgress {
  attack: AttackName;
  epsilon: number;
  done: number;
  total: number;
}

export interface AttackRunOptions {
  /** Where the input gradient comes from (default: exact backprop, 'true'). Ignored by noise and Square. */
  gradient?: GradientOptions;
  /** Rows per forward/backward batch (default 256). */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: AttackProgress) => void;
}

export interface AttackResult {
  config: AttackConfig;
  /** 'none' for attacks that read no gradient (noise, Square). */
  gradientSource: GradientSourceName | 'none';
  norm: 'linf' | 'l2';
  n: number;
  /** The adversarial rows, n·d, inside the declared feature range and the ε-ball. */
  xAdv: Float32Array;
  /** Targeted attacks: the class each row was pushed towards. */
  targets: Int32Array | null;
  predClean: Int32Array;
  predAdv: Int32Array;
  cleanAccuracy: number;
  robustAccuracy: number;
  /** Rows the model got right before the attack (and, targeted, whose label is not the target). */
  attacked: number;
  /** Of those rows, the fraction the attack turned wrong (targeted: into the target class). */
  successRate: number;
  /** Mean over all rows of ‖x' − x‖∞ and ‖x' − x‖₂. */
  meanLinf: number;
  meanL2: number;
  maxLinf: number;
  /** Square: mean model queries per row (the initial query included). */
  meanQueries?: number;
  seconds: number;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Runs one attack on every row of `data` and measures it. */
export async function runAttack(model: AttackModel, data: AttackData, configInput: AttackConfigInput | AttackConfig, opts: AttackRunOptions = {}): Promise<AttackResult> {
  const cfg = parseAttackConfig(configInput);
  checkAttackData(model, data);
  const gradient: GradientOptions = opts.gradient ?? { source: 'true' };
  const gradientSource = usesGradient(cfg.attack) ? gradient.source : 'none';
  if (usesGradient(cfg.attack)) gradientModel(model, gradient);
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new AttackError(`batchSize must be a positive integer, got ${batchSize}`);
  const t0 = now();
  opts.signal?.throwIfAborted();
  const { n, d } = data;
  const k = model.net.outputSize;
  const predClean = predictRows(model, data.x, n, batchSize);
  const targets = cfg.targeted ? chooseTargets(model, data, cfg, k, batchSize) : null;

  let lastYield = now();
  const ctx: AttackContext = {
    model, gradient, x: data.x, y: data.y, targets, n, d,
    lo: data.featureRange.lo, hi: data.featureRange.hi, inputShape: data.inputShape, cfg, batchSize,
    tick: async (done, total) => {
      opts.signal?.throwIfAborted();
      opts.onProgress?.({ attack: cfg.attack, epsilon: cfg.epsilon, done, total });
      if (now() - lastYield > 30) {
        lastYield = now();
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        opts.signal?.throwIfAborted();
      }
    },
  };

  let adv: Float64Array;
  let queries: Float64Array | undefined;
  switch (cfg.attack) {
    case 'fgsm': adv = await fgsm(ctx); break;
    case 'pgd': adv = await pgd(ctx, 'linf'); break;
    case 'pgd-l2': adv = await pgd(ctx, 'l2'); break;
    case 'noise-uniform': adv = await noise(ctx, 'uniform'); break;
    case 'noise-gaussian': adv = await noise(ctx, 'gaussian'); break;
    case 'noise-sign': adv = await noise(ctx, 'sign'); break;
    case 'square': ({ x: adv, queries } = await square(ctx)); break;
  }
  const xAdv = Float32Array.from(adv);
  const predAdv = predictRows(model, xAdv, n, batchSize);

  let correctClean = 0;
  let correctAdv = 0;
  let attacked = 0;
  let succeeded = 0;
  let linfSum = 0;
  let l2Sum = 0;
  let maxLinf = 0;
  for (let i = 0; i < n; i++) {
    if (predClean[i] === data.y[i]) correctClean++;
    if (predAdv[i] === data.y[i]) correctAdv++;
    if (predClean[i] === data.y[i] && (!targets || targets[i] !== data.y[i])) {
      attacked++;
      if (targets ? predAdv[i] === targets[i] : predAdv[i] !== data.y[i]) succeeded++;
    }
    let linf = 0;
    let l2 = 0;
    for (let j = 0; j < d; j++) {
      const delta = Math.abs(xAdv[i * d + j] - data.x[i * d + j]);
      if (delta > linf) linf = delta;
      l2 += delta * delta;
    }
    linfSum += linf;
    l2Sum += Math.sqrt(l2);
    if (linf > maxLinf) maxLinf = linf;
  }
  return {
    config: cfg,
    gradientSource,
    norm: attackNorm(cfg.attack),
    n,
    xAdv,
    targets,
    predClean,
    predAdv,
    cleanAccuracy: n ? correctClean / n : 0,
    robustAccuracy: n ? correctAdv / n : 0,
    attacked,
    successRate: attacked ? succeeded / attacked : 0,
    meanLinf: n ? linfSum / n : 0,
    meanL2: n ? l2Sum / n : 0,
    maxLinf,
    meanQueries: queries ? queries.reduce((a, b) => a + b, 0) / Math.max(n, 1) : undefined,
    seconds: (now() - t0) / 1000,
  };
}

function chooseTargets(model: AttackModel, data: AttackData, cfg: AttackConfig, k: number, batchSize: number): Int32Array {
  const { n, y } = data;
  if (k < 2) throw new AttackError('a targeted attack needs a model with at least two classes');
  if (typeof cfg.target === 'number') {
    if (cfg.target >= k) throw new AttackError(`target class ${cfg.target} does not exist; the model has ${k} outputs (0..${k - 1})`);
    return new Int32Array(n).fill(cfg.target);
  }
  if (cfg.target === 'random') {
    const rng = createRng(cfg.seed).fork('targets');
    return Int32Array.from({ length: n }, (_, i) => {
      const t = rng.int(k - 1);
      return t >= y[i] ? t + 1 : t;
    });
  }
  const s = scoreRows(model, data.x, allRows(n), batchSize);
  return Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (s[i * k + c] < s[i * k + best]) best = c;
    return best;
  });
}
