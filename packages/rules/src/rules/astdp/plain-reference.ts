// aSTDP's equations written again in plain float64 JavaScript, row by row, with none of the
// rule's code: the oracle the rule's Backend implementation is checked against.
import type { Mat } from '../../testing/plain.js';

export interface PlainNet {
  /** W[k] for k = 1..L (W[0] unused), n_k × n_{k−1}. */
  W: Mat[];
  /** b[k] for k = 1..L, b[0] the input biases. */
  b: number[][];
}

export interface PlainPhase {
  relaxation: 'target' | 'euler';
  alpha: number;
  steps: number;
  tol: number;
  inputFree: boolean;
  top: 'free' | 'clamp' | 'nudge';
  beta?: number;
  targets?: Mat;
}

const clip = (v: number) => Math.min(1, Math.max(0, v));

/** u_k of one row: Σ_j W_k[i][j] s_{k−1}[j] + b_k[i] + Σ_j W_{k+1}[j][i] s_{k+1}[j]. */
export function plainNetInput(net: PlainNet, s: number[][], k: number): number[] {
  const L = net.W.length - 1;
  const n = net.b[k].length;
  const u = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let v = net.b[k][i];
    if (k >= 1) for (let j = 0; j < s[k - 1].length; j++) v += net.W[k][i][j] * s[k - 1][j];
    if (k < L) for (let j = 0; j < s[k + 1].length; j++) v += net.W[k + 1][j][i] * s[k + 1][j];
    u[i] = v;
  }
  return u;
}

/** Relaxes every row on its own; states[r][k] is row r's layer k. Returns the steps taken. */
export function plainRelax(net: PlainNet, states: number[][][], o: PlainPhase): number {
  const L = net.W.length - 1;
  const free: number[] = [];
  for (let k = o.inputFree ? 0 : 1; k <= L; k++) if (!(k === L && o.top === 'clamp')) free.push(k);
  const groups = o.relaxation === 'euler' ? [free] : [free.filter((k) => k % 2 === 1), free.filter((k) => k % 2 === 0)].filter((g) => g.length);
  const a = o.relaxation === 'euler' ? o.alpha : 1;
  if (o.top === 'clamp') states.forEach((s, r) => (s[L] = [...o.targets![r]]));
  const count = states.length * groups.flat().reduce((m, k) => m + states[0][k].length, 0);
  for (let n = 0; n < o.steps; n++) {
    let ss = 0;
    for (const g of groups) {
      for (const s of states) {
        const next = g.map((k) => {
          const t = plainNetInput(net, s, k).map(clip);
          if (k === L && o.top === 'nudge') {
            const r = states.indexOf(s);
            return t.map((v, i) => (1 - o.beta!) * v + o.beta! * o.targets![r][i]);
          }
          return t;
        });
        g.forEach((k, gi) => {
          s[k] = s[k].map((v, i) => {
            const d = a * (next[gi][i] - v);
            ss += d * d;
            return v + d;
          });
        });
      }
    }
    if (o.tol > 0 && Math.sqrt(ss / count) <= o.tol) return n + 1;
  }
  return o.steps;
}

/** ΔW_k[i][j] += c·½(Δs_k[i] s̄_{k−1}[j] + s̄_k[i] Δs_{k−1}[j]), Δb_k[i] += c·Δs_k[i], summed over rows: the rate-STDP of a → b. */
export function plainTransition(a: number[][][], b: number[][][], c: number[], dW: Mat[], db: number[][], skipBias: boolean[] = []): void {
  const L = a[0].length - 1;
  for (let r = 0; r < a.length; r++) {
    for (let k = 0; k <= L; k++) {
      const d = b[r][k].map((v, i) => v - a[r][k][i]);
      const m = b[r][k].map((v, i) => (v + a[r][k][i]) / 2);
      if (!skipBias[k]) d.forEach((v, i) => (db[k][i] += c[k] * v));
      if (k === 0) continue;
      const dl = b[r][k - 1].map((v, i) => v - a[r][k - 1][i]);
      const ml = b[r][k - 1].map((v, i) => (v + a[r][k - 1][i]) / 2);
      for (let i = 0; i < d.length; i++) for (let j = 0; j < dl.length; j++) dW[k][i][j] += (c[k] / 2) * (d[i] * ml[j] + m[i] * dl[j]);
    }
  }
}

export const zerosLike = (m: Mat): Mat => m.map((r) => r.map(() => 0));
export const oneHot = (labels: number[], c: number): Mat => labels.map((y) => Array.from({ length: c }, (_, j) => (j === y ? 1 : 0)));
export const copyStates = (s: number[][][]): number[][][] => s.map((r) => r.map((l) => [...l]));
