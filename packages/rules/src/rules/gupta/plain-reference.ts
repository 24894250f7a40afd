// The `gupta` rule's equations written again in plain float64 JavaScript, sample by sample and
// synapse by synapse, with none of the rule's code: the oracle its Backend implementation is
// checked against (docs/rules/gupta.md §3).
import { plainForward, type Mat, type PlainLayer } from '../../testing/plain.js';
import type { GuptaOptions } from './options.js';

export interface PlainFixed {
  /** PA: B^l (K × H_l) per hidden layer. */
  B?: Mat[];
  /** CA / assoc: each unit's class per hidden layer. */
  unitClass?: number[][];
  /** stdp: each row's initial norm per hidden layer. */
  rowNorms?: number[][];
}

export interface PlainUpdate {
  /** Descent directions −η·ΔW and −η·Δb per layer. */
  dW: Mat[];
  db: number[][];
  /** Threshold shifts added to the bias, per layer (null: none). */
  shift: (number[] | null)[];
}

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** The teacher's amplitude per sample: counts start at 1 per class and include this batch. */
export function plainAmplitudes(labels: number[], k: number, balance: boolean): number[] {
  if (!balance) return labels.map(() => 1);
  const counts = new Array<number>(k).fill(1);
  for (const y of labels) counts[y]++;
  const total = counts.reduce((a, b) => a + b, 0);
  return labels.map((y) => total / (k * counts[y]));
}

/** Indices of the k largest values among `units` (ties to the lower index), largest first. */
function earliest(a: number[], units: number[], k: number): number[] {
  return [...units].sort((p, q) => a[q] - a[p] || p - q).slice(0, k);
}

export function plainGupta(layers: PlainLayer[], x: Mat, labels: number[], fixed: PlainFixed, o: GuptaOptions): PlainUpdate {
  const { z, h } = plainForward(layers, x);
  const L = layers.length - 1;
  const n = x.length;
  const K = layers[L].W.length;
  const s = plainAmplitudes(labels, K, o.classBalance);
  const rate = (l: number) => (o.layerRates.length ? o.layerRates[l] : l === L ? o.outputRate : o.hiddenRate);
  const dW: Mat[] = [];
  const db: number[][] = [];
  const shift: (number[] | null)[] = [];
  for (let l = 0; l <= L; l++) {
    const pre = l === 0 ? x : h[l - 1];
    const H = layers[l].W.length;
    const D = layers[l].W[0].length;
    const gW = Array.from({ length: H }, () => new Array<number>(D).fill(0));
    const gb = new Array<number>(H).fill(0);
    let sh: number[] | null = null;
    let eta = rate(l);
    if (l < L && o.driveNorm) {
      const drive = pre.reduce((acc, row) => acc + row.reduce((t, v) => t + v * v, 0), 0) / n;
      if (drive > 0) eta = (eta * o.driveRef) / drive;
    }
    // err[i][μ]: the descent direction of unit μ's drive for sample i (ΔW_μj = −η·Σᵢ err·a_j / n).
    const err: Mat = Array.from({ length: n }, () => new Array<number>(H).fill(0));
    const kind = l === L ? 'output' : o.hidden;
    if (kind === 'output') {
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < H; k++) {
          const a = sig(z[L][i][k]);
          const target = k === labels[i] ? o.teacherEarly : o.teacherLate;
          // (t_k − t*_k)/T = a*_k − a_k; the rule moves by +η·s·a_j·(a* − a)
          err[i][k] = -s[i] * (target - a);
        }
      }
    } else if (kind === 'pa') {
      const B = fixed.B![l];
      for (let i = 0; i < n; i++) {
        const a = h[l][i];
        const q = B.map((row) => row.reduce((t, v, m) => t + v * a[m], 0));
        const mx = Math.max(...q);
        const e = q.map((v) => Math.exp(v - mx));
        const sum = e.reduce((t, v) => t + v, 0);
        const p = e.map((v) => v / sum);
        for (let m = 0; m < H; m++) {
          let delta = 0;
          for (let k = 0; k < K; k++) delta += B[k][m] * ((k === labels[i] ? 1 : 0) - p[k]);
          err[i][m] = -s[i] * delta * (o.timingSensitivity ? a[m] * (1 - a[m]) : 1);
        }
      }
    } else if (kind === 'assoc') {
      const c = fixed.unitClass![l];
      for (let i = 0; i < n; i++) {
        for (let m = 0; m < H; m++) err[i][m] = -s[i] * ((c[m] === labels[i] ? o.teacherEarly : o.teacherLate) - h[l][i][m]);
      }
    } else if (kind === 'ca') {
      const c = fixed.unitClass![l];
      const units = Array.from({ length: H }, (_, m) => m);
      const fired = new Array<number>(H).fill(0);
      for (let i = 0; i < n; i++) {
        const a = h[l][i];
        for (const m of earliest(a, units.filter((u) => c[u] === labels[i]), o.kPos)) err[i][m] = -s[i] * (o.teacherEarly - a[m]);
        for (const m of earliest(a, units.filter((u) => c[u] !== labels[i]), o.kNeg)) err[i][m] = -s[i] * (o.teacherLate - a[m]);
        for (let m = 0; m < H; m++) if (a[m] > 0.5) fired[m]++;
      }
      if (o.homeostasisRate > 0) sh = fired.map((f) => o.homeostasisRate * (o.homeostasisTarget - f / n));
    }
    if (kind === 'stdp') {
      const W = layers[l].W;
      const kw = Math.max(1, Math.min(H, Math.round(o.wta * H)));
      const units = Array.from({ length: H }, (_, m) => m);
      const acc = Array.from({ length: H }, () => new Array<number>(D).fill(0));
      const wins = new Array<number>(H).fill(0);
      for (let i = 0; i < n; i++) {
        for (const m of earliest(h[l][i], units, kw)) {
          wins[m]++;
          const tPost = o.window * (1 - h[l][i][m]);
          for (let j = 0; j < D; j++) {
            const dt = tPost - o.window * (1 - pre[i][j]);
            acc[m][j] += (dt >= 0 ? o.aPlus * Math.exp(-dt / (o.tauPlus * o.window)) : -o.aMinus * Math.exp(dt / (o.tauMinus * o.window))) / n;
          }
        }
      }
      const w = o.wMax;
      for (let m = 0; m < H; m++) {
        const next = W[m].map((v, j) => Math.min(w, Math.max(-w, v + eta * acc[m][j] * (w - v) * (v + w))));
        const norm = Math.sqrt(next.reduce((t, v) => t + v * v, 0));
        const f = o.weightNorm === 'row' && norm > 0 ? fixed.rowNorms![l][m] / norm : 1;
        for (let j = 0; j < D; j++) gW[m][j] = W[m][j] - next[j] * f;
      }
      if (o.thresholdStep > 0) sh = wins.map((c) => (-o.thresholdStep * c) / n);
    } else {
      for (let m = 0; m < H; m++) {
        for (let i = 0; i < n; i++) {
          gb[m] += (eta * err[i][m]) / n;
          for (let j = 0; j < D; j++) gW[m][j] += (eta * err[i][m] * pre[i][j]) / n;
        }
      }
    }
    dW.push(gW);
    db.push(gb);
    shift.push(sh);
  }
  return { dW, db, shift };
}
