// Target propagation through exact layer inverses (Ahmad, van Gerven & Ambrogioni 2020,
// "GAIT-prop", NeurIPS, arXiv:2006.06438; authors' code `inv_net.py`). Each layer's target
// comes from the layer above through its inverse g_l⁻¹(y) = (f⁻¹(y) − b_l) W_l⁻ᵀ and the
// layer learns locally from (h_l − τ_l) ⊙ f′(z_l) times its input. Three ways to form τ:
//   gait-prop  τ_{l−1} = g_l⁻¹((1 − γf′²) h_l + γf′² τ_l), errors re-amplified by γ^{−(L−l)} (Alg. 1)
//   itp        τ_{l−1} = g_l⁻¹((1 − γ) h_l + γ τ_l), same re-amplification (no f′² adjustment)
//   tp         τ_{l−1} = g_l⁻¹(τ_l) (exact inverse of the output target)
// plus the soft orthogonality regulariser λΩ(W) on every layer (ortho.ts).
import type { Backend, Tensor } from '@plasticity/core-wasm';
import { z } from 'zod';
import type { LearningRule } from '../../engine/rule.js';
import { orthogonal } from '../../network/init.js';
import type { Network } from '../../network/network.js';
import type { Rng } from '../../rng.js';
import {
  disposeLayerInverses, inverseResidual, makeLayerInverses, refreshInverse, type InverseMethod, type InverseSettings, type LayerInverse,
} from './inverse.js';
import { addOrthoGradient, disposeOrthoScratch, gram, makeOrthoScratch, orthoDeviation, orthoPenalty, type OrthoScratch, type OrthoTarget } from './ortho.js';

export type TargetKind = 'gait' | 'itp' | 'tp';

export interface TpOptions {
  /** λ of the soft orthogonality regulariser λΣ_{i≠j}(WᵀW)²_ij, added to every layer's update. */
  orthoReg: number;
  /** 'off-diagonal' (the paper): Σ_{i≠j}(WᵀW)²_ij; 'identity' (ours, not the paper's): ‖WᵀW − I‖², which also holds column norms at 1. */
  orthoTarget: OrthoTarget;
  /** How W⁻¹ is refreshed after each update: LU every step, or Newton–Schulz from the previous inverse. */
  inverse: InverseMethod;
  /** Stop when a layer's LU pivot ratio min|u_ii|/max|u_ii| falls below this (default: 1e-10 in float64, 1e-5 in float32). */
  minPivotRatio?: number;
  /** Newton–Schulz: RMS(I − W X) that counts as converged (default: 1e-13 in float64, 3e-8 in float32). */
  newtonTol?: number;
  newtonMaxIter: number;
  /** Newton–Schulz: a full LU (with the pivot check) every this many steps. */
  luEvery: number;
  /** Steps between diagnostics that cost an extra n³ (‖WᵀW − I‖ when orthoReg is 0, inverse residuals). */
  diagnosticsEvery: number;
  /** A layer narrower than the one below reads its first n_l units (the authors' tower net); 'orthogonal' redraws that square block at init. */
  truncatedInit: 'orthogonal' | 'keep';
}

export interface GaitOptions extends TpOptions {
  /** The incremental factor γ: how far each target moves from the forward pass toward the one above. */
  gamma: number;
}

interface BatchScratch {
  /** τ_l for l = 0..L−2 (B × n_l); the output target is ws.targets. */
  tau: Tensor[];
  /** Pre-image buffers for l = 1..L−1 (B × n_l); none for layer 0. */
  u: (Tensor | null)[];
  /** Truncated layer l: 1 on its first n_l input columns (keep) / on the others (aux), and the masked input. */
  keep: (Tensor | null)[];
  aux: (Tensor | null)[];
  masked: (Tensor | null)[];
}

export interface TargetPropState {
  readonly kind: TargetKind;
  readonly inverses: LayerInverse[];
  readonly ortho: OrthoScratch[];
  readonly negB: Tensor[];
  readonly settings: InverseSettings;
  /** Input units each layer really reads (n_l for a truncated layer). */
  readonly active: number[];
  readonly batch: Map<number, BatchScratch>;
}

const baseShape = {
  orthoTarget: z.enum(['off-diagonal', 'identity']).default('off-diagonal'),
  inverse: z.enum(['lu', 'newton']).default('lu'),
  minPivotRatio: z.number().min(0).optional(),
  newtonTol: z.number().positive().optional(),
  newtonMaxIter: z.number().int().positive().default(4),
  luEvery: z.number().int().positive().default(100),
  diagnosticsEvery: z.number().int().positive().default(50),
  truncatedInit: z.enum(['orthogonal', 'keep']).default('orthogonal'),
};
const gammaSchema = z.number().positive().max(1).default(1e-3);

function checkNetwork(rule: string, net: Network): void {
  net.layers.forEach((layer, l) => {
    if (layer.activation !== 'leaky-relu' && layer.activation !== 'linear') {
      throw new RangeError(`${rule}: layer ${l} has activation '${layer.activation}'; the inverse model needs 'leaky-relu' or 'linear' on every layer`);
    }
    if (l > 0 && layer.outSize > layer.inSize) {
      throw new RangeError(
        `${rule}: layer ${l} maps ${layer.inSize} units to ${layer.outSize}; every layer above the first must be square ` +
          `(or narrower, reading the first n_l units of the layer below) to be invertible`,
      );
    }
  });
  if (net.layers.some((l) => l.activation === 'leaky-relu') && !(net.leakySlope > 0)) {
    throw new RangeError(`${rule}: leakySlope must be > 0 for leaky-relu to be invertible, got ${net.leakySlope}`);
  }
}

function init(kind: TargetKind, net: Network, rng: Rng, o: TpOptions): TargetPropState {
  const name = ruleName(kind);
  checkNetwork(name, net);
  const be = net.backend;
  const active = net.layers.map((layer, l) => (l > 0 && layer.outSize < layer.inSize ? layer.outSize : layer.inSize));
  net.layers.forEach((layer, l) => {
    if (active[l] < layer.inSize) prepareTruncated(be, layer.W, active[l], o.truncatedInit, rng.fork(`block-${l}`));
  });
  const f64 = be.precision === 'f64';
  const settings: InverseSettings = {
    method: o.inverse,
    minPivotRatio: o.minPivotRatio ?? (f64 ? 1e-10 : 1e-5),
    // The targets need h(W⁻¹W − I)/γ ≪ the error signal, so the inverse must be good to near the
    // precision floor (float32: RMS(I − WX) ≈ 1e-8 at 784 wide), not just "converged".
    newtonTol: o.newtonTol ?? (f64 ? 1e-13 : 3e-8),
    newtonMaxIter: o.newtonMaxIter,
    luEvery: o.luEvery,
  };
  return {
    kind,
    inverses: makeLayerInverses(net, o.inverse),
    // A wide first layer (never inverted) gets orthogonal rows instead of columns, see ortho.ts.
    ortho: net.layers.map((l, i) => makeOrthoScratch(be, l.outSize, l.inSize, i === 0 && l.outSize < l.inSize)),
    negB: net.layers.map((l) => be.zeros(1, l.outSize)),
    settings,
    active,
    batch: new Map(),
  };
}

/** Zero the columns a truncated layer does not read, and (unless 'keep') redraw its square block Haar-orthogonal. */
function prepareTruncated(be: Backend, W: Tensor, n: number, how: 'orthogonal' | 'keep', rng: Rng): void {
  const w = be.read(W);
  let auxNonZero = false;
  for (let i = 0; i < W.rows && !auxNonZero; i++) for (let j = n; j < W.cols; j++) if (w[i * W.cols + j] !== 0) { auxNonZero = true; break; }
  if (!auxNonZero) return; // already a tower (e.g. continued training): leave the weights alone
  const block = how === 'orthogonal' ? orthogonal(n, n, rng) : null;
  const out = new Float64Array(W.rows * W.cols);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * W.cols + j] = block ? block[i * n + j] : w[i * W.cols + j];
  be.write(W, out);
}

function batchScratch(st: TargetPropState, net: Network, B: number): BatchScratch {
  let s = st.batch.get(B);
  if (s) return s;
  const be = net.backend;
  const L = net.depth;
  const mask = (cols: number, from: number, to: number): Tensor => {
    const m = new Float64Array(B * cols);
    for (let i = 0; i < B; i++) for (let j = from; j < to; j++) m[i * cols + j] = 1;
    return be.fromArray(B, cols, m);
  };
  s = {
    tau: net.layers.slice(0, L - 1).map((l) => be.zeros(B, l.outSize)),
    u: net.layers.map((l, i) => (i === 0 ? null : be.zeros(B, l.outSize))),
    keep: net.layers.map((l, i) => (st.active[i] < l.inSize ? mask(l.inSize, 0, st.active[i]) : null)),
    aux: net.layers.map((l, i) => (st.active[i] < l.inSize ? mask(l.inSize, st.active[i], l.inSize) : null)),
    masked: net.layers.map((l, i) => (st.active[i] < l.inSize ? be.zeros(B, l.inSize) : null)),
  };
  st.batch.set(B, s);
  return s;
}

function ruleName(kind: TargetKind): string {
  return kind === 'gait' ? 'gait-prop' : kind;
}

function makeRule<O extends TpOptions>(
  kind: TargetKind, description: string, options: z.ZodType<O>, gammaOf: (o: O) => number,
): LearningRule<O, TargetPropState> {
  return {
    name: ruleName(kind),
    description,
    signals:
      "layer l reads its input h_{l−1}, its own activity h_l and f′(z_l), and its target τ_l; τ_l is formed from the layer above's " +
      'activity and target through that layer\'s inverse (W_{l+1}⁻¹, b_{l+1}, f⁻¹ — a learned or exact inverse model, no Wᵀ); ' +
      'the orthogonality term reads only W_l',
    options,
    requiresLoss: 'mse',
    init: (net, rng, o) => init(kind, net, rng, o),
    step(ctx, st, o) {
      const { net, ws, grads, backend: be, n: B } = ctx;
      const L = net.depth;
      const slope = net.leakySlope;
      const gamma = gammaOf(o);
      for (const li of st.inverses) refreshInverse(net, li, st.settings);
      const sc = batchScratch(st, net, B);
      const diagStep = ctx.step % o.diagnosticsEvery === 0;
      const deviation: number[] = [];
      const offDiagonal: number[] = [];
      let m = 1;
      for (let l = L - 1; l >= 0; l--) {
        const layer = net.layers[l];
        const act = net.kernelActivation(l);
        const tau = l === L - 1 ? ws.targets : sc.tau[l];
        be.sub(ws.h[l], tau, ws.dh[l]);
        // e_l = m (h_l − τ_l) ⊙ f′(z_l); at the output the engine already wrote it (m = 1, auxiliary units 0).
        if (l < L - 1) {
          be.activationGrad(act, ws.z[l], ws.dh[l], ws.delta[l], slope);
          if (m !== 1) be.scale(ws.delta[l], m, ws.delta[l]);
        }
        // ΔW_l = −mean_n e_lᵀ h_{l−1} (descent direction: + here), only on the columns the layer reads.
        let input = l === 0 ? ws.x : ws.h[l - 1];
        const keep = sc.keep[l];
        if (keep) {
          be.mul(input, keep, sc.masked[l]!);
          input = sc.masked[l]!;
        }
        be.gemm(ws.delta[l], input, grads.dW[l], { transA: true, alpha: 1 / B });
        be.sumRows(ws.delta[l], grads.db[l], 1 / B);
        if (o.orthoReg > 0 || diagStep) {
          gram(be, layer.W, st.ortho[l]);
          if (o.orthoReg > 0) addOrthoGradient(be, layer.W, st.ortho[l], o.orthoReg, grads.dW[l], o.orthoTarget);
          deviation[l] = orthoDeviation(be, layer.W, st.ortho[l], st.active[l] < layer.inSize ? st.active[l] : undefined);
          offDiagonal[l] = Math.sqrt(Math.max(0, orthoPenalty(be, layer.W, st.ortho[l])));
        }
        if (l === 0) break;
        // Pre-image for the layer below, then g_l⁻¹ of it.
        const u = sc.u[l]!;
        if (kind === 'gait') {
          // (1 − γf′²)h + γf′²τ = h − (γ/m) f′ ⊙ e_l
          be.activationGrad(act, ws.z[l], ws.delta[l], u, slope);
          be.scale(u, -gamma / m, u);
          be.add(u, ws.h[l], u);
        } else if (kind === 'itp') {
          be.copy(ws.h[l], u);
          be.axpy(-gamma, ws.dh[l], u);
        } else {
          be.copy(tau, u);
        }
        if (act === 'leaky-relu') be.activation('leaky-relu', u, u, 1 / slope);
        be.scale(layer.b, -1, st.negB[l]);
        be.addRowVector(u, st.negB[l], u);
        const li = st.inverses[l - 1];
        if (li.padded) {
          // Truncated layer: the units it does not read keep their own activity as target.
          be.gemm(u, li.padded, sc.tau[l - 1]);
          be.mul(ws.h[l - 1], sc.aux[l]!, ws.dh[l - 1]);
          be.add(sc.tau[l - 1], ws.dh[l - 1], sc.tau[l - 1]);
        } else {
          be.gemm(u, li.inv, sc.tau[l - 1], { transB: true });
        }
        if (kind !== 'tp') m /= gamma;
      }
      const diagnostics: Record<string, number[]> = {};
      if (deviation.length) {
        diagnostics.orthoDeviation = deviation;
        diagnostics.orthoOffDiagonal = offDiagonal;
      }
      if (st.inverses.length) diagnostics.pivotRatio = st.inverses.map((li) => li.pivotRatio);
      if (diagStep && st.inverses.length) diagnostics.inverseResidual = st.inverses.map((li) => inverseResidual(net, li));
      return Object.keys(diagnostics).length && (diagStep || o.orthoReg > 0) ? { diagnostics } : {};
    },
    dispose(net, st) {
      const be = net.backend;
      disposeLayerInverses(be, st.inverses);
      for (const s of st.ortho) disposeOrthoScratch(be, s);
      for (const t of st.negB) be.dispose(t);
      for (const s of st.batch.values()) {
        for (const t of [...s.tau, ...s.u, ...s.keep, ...s.aux, ...s.masked]) if (t) be.dispose(t);
      }
      st.batch.clear();
    },
  };
}

export const gaitPropRule = makeRule<GaitOptions>(
  'gait',
  'GAIT-prop: targets are small (γ) gradient-adjusted perturbations of the forward pass carried down through exact layer inverses; equals BP for orthogonal W',
  z.object({ gamma: gammaSchema, orthoReg: z.number().min(0).default(0.1), ...baseShape }).strict() as unknown as z.ZodType<GaitOptions>,
  (o) => o.gamma,
);

export const itpRule = makeRule<GaitOptions>(
  'itp',
  'incremental target propagation: targets move a fraction γ toward the target above (no f′² adjustment), carried down through exact layer inverses',
  z.object({ gamma: gammaSchema, orthoReg: z.number().min(0).default(0.1), ...baseShape }).strict() as unknown as z.ZodType<GaitOptions>,
  (o) => o.gamma,
);

export const tpRule = makeRule<TpOptions>(
  'tp',
  'target propagation: each layer\'s target is the exact inverse of the output target through the layers above',
  z.object({ orthoReg: z.number().min(0).default(1000), ...baseShape }).strict() as unknown as z.ZodType<TpOptions>,
  () => 1,
);
