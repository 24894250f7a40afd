// Generation with an aSTDP model: the same network that classifies, run the other way. Clamp the
// label, leave the input free (blank, or noise) and relax: the input layer settles on an image of
// that class. The dream phase of training is exactly this run, so training makes it a digit.
import type { Inference } from '../../engine/evaluate.js';
import type { Network } from '../../network/network.js';
import { createRng } from '../../rng.js';
import type { AstdpOptions, AstdpState } from './rule.js';

export interface GenerateOptions {
  /** The class to clamp; omit for a model trained unsupervised (the output is left free). */
  label?: number;
  /** Images to make (default 16). */
  count?: number;
  /** Seeds the starting noise and the annealed noise (default 1). */
  seed?: number;
  /** Relaxation steps (default: the model's `dreamSteps`, the length of the runs training shaped). */
  steps?: number;
  /** σ of Gaussian noise on every free neuron's target, annealed linearly to 0 (default 0: all images alike from a blank start). */
  noise?: number;
  /** The input's starting state: blank (as in training's dream) or uniform noise (default 'zero'). */
  init?: 'zero' | 'noise';
  /** The clamped label neuron's rate (default: the model's `labelGain`, as its dreams had). */
  gain?: number;
}

export interface GeneratedImages {
  /** count × inputSize, row-major, in the data's units ([0, 1] pixels). */
  images: Float32Array;
  count: number;
  inputSize: number;
  label: number | null;
  /** Steps the relaxation ran. */
  steps: number;
}

export class GenerateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenerateError';
  }
}

/** Class-conditional images from an aSTDP model (a trained or restored `{ net, inference }`). */
export function generate(model: { net: Network; inference: Inference }, opts: GenerateOptions = {}): GeneratedImages {
  const { net, inference } = model;
  if (inference.rule?.name !== 'astdp') {
    throw new GenerateError(`generate needs a model trained with rule 'astdp'; this one was trained with '${inference.rule?.name ?? 'an unknown rule'}'`);
  }
  const state = inference.state as AstdpState;
  const o = inference.options as AstdpOptions;
  const count = opts.count ?? 16;
  const steps = opts.steps ?? o.dreamSteps;
  const noise = opts.noise ?? 0;
  if (!Number.isInteger(count) || count < 1 || count > 4096) throw new GenerateError(`count must be an integer in [1, 4096], got ${count}`);
  if (!Number.isInteger(steps) || steps < 1) throw new GenerateError(`steps must be a positive integer, got ${steps}`);
  if (!(noise >= 0 && Number.isFinite(noise))) throw new GenerateError(`noise must be a finite σ ≥ 0, got ${noise}`);
  if (opts.gain !== undefined && !(opts.gain > 0 && Number.isFinite(opts.gain))) throw new GenerateError(`gain must be a finite rate > 0, got ${opts.gain}`);
  const classes = net.outputSize;
  const supervised = o.mode === 'supervised';
  const label = opts.label ?? null;
  if (supervised && label === null) throw new GenerateError(`this model was trained with labels: pick a label in 0..${classes - 1}`);
  if (label !== null && !(Number.isInteger(label) && label >= 0 && label < classes)) {
    throw new GenerateError(`label ${label} is out of range; the model has ${classes} classes (0..${classes - 1})`);
  }
  const be = net.backend;
  const sym = state.sym;
  const rng = createRng(opts.seed ?? 1).fork('generate');
  const buf = sym.buffersFor(count);
  const d = net.inputSize;
  if (opts.init === 'noise') {
    const x = new Float64Array(count * d);
    for (let i = 0; i < x.length; i++) x[i] = rng.next();
    be.write(buf.s[0], x);
  } else {
    be.fill(buf.s[0], 0);
  }
  for (let k = 1; k <= sym.L; k++) be.fill(buf.s[k], 0);
  let targets = null;
  if (label !== null) {
    const t = new Float64Array(count * classes);
    for (let i = 0; i < count; i++) t[i * classes + label] = opts.gain ?? o.labelGain;
    targets = be.fromArray(count, classes, t);
  }
  try {
    const r = sym.relax(buf, {
      relaxation: o.relaxation, alpha: o.alpha, steps, tol: 0, inputFree: true,
      top: targets ? 'clamp' : 'free', targets: targets ?? undefined, noise: noise > 0 ? { sigma: noise, rng } : undefined,
    });
    return { images: Float32Array.from(be.read(buf.s[0])), count, inputSize: d, label, steps: r.steps };
  } finally {
    if (targets) be.dispose(targets);
  }
}
