// Plain float64 matrix arithmetic on nested arrays, written independently of the Backend,
// for tests that check a rule's update against its equations computed by hand.
import { activate, derivative, type Activation } from '@plasticity/core-wasm';

export type Mat = number[][];

export const fromFlat = (a: ArrayLike<number>, rows: number, cols: number): Mat =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => a[i * cols + j]));
export const flat = (m: Mat): number[] => m.flat();
export const matmul = (a: Mat, b: Mat): Mat =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
export const transpose = (a: Mat): Mat => a[0].map((_, j) => a.map((row) => row[j]));
export const map2 = (a: Mat, b: Mat, f: (x: number, y: number) => number): Mat => a.map((r, i) => r.map((v, j) => f(v, b[i][j])));
export const map = (a: Mat, f: (x: number) => number): Mat => a.map((r) => r.map(f));
export const colSums = (a: Mat): number[] => a[0].map((_, j) => a.reduce((s, r) => s + r[j], 0));

export interface PlainLayer { W: Mat; b: number[]; act: Activation | 'softmax' }

/** Forward pass; returns pre-activations z and activations h (softmax probabilities for a softmax output). */
export function plainForward(layers: PlainLayer[], x: Mat, slope = 0.01): { z: Mat[]; h: Mat[] } {
  const z: Mat[] = [];
  const h: Mat[] = [];
  let input = x;
  for (const L of layers) {
    const zl = matmul(input, transpose(L.W)).map((r) => r.map((v, j) => v + L.b[j]));
    const hl = L.act === 'softmax' ? zl.map(softmax) : map(zl, (v) => activate(L.act as Activation, v, slope));
    z.push(zl);
    h.push(hl);
    input = hl;
  }
  return { z, h };
}

export function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export const dAct = (act: Activation | 'softmax', z: Mat, slope = 0.01): Mat =>
  map(z, (v) => derivative(act === 'softmax' ? 'linear' : act, v, slope));

/** Mean softmax cross-entropy of logits against one-hot labels. */
export function plainCrossEntropy(logits: Mat, labels: number[]): number {
  return logits.reduce((s, row, i) => s - Math.log(softmax(row)[labels[i]]), 0) / logits.length;
}
