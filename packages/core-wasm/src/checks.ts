// Argument checks shared by every backend, so that misuse gives the same clear message
// whichever backend runs.
import { BackendError, type Tensor, type Activation, ACTIVATIONS } from './backend.js';

export function checkSize(what: string, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new BackendError(`${what}: shape ${rows}×${cols} is not valid; rows and cols must be non-negative integers`);
  }
}

export function shape(t: Tensor): string {
  return `${t.rows}×${t.cols}`;
}

export function sameShape(op: string, ...named: [string, Tensor][]): void {
  const [firstName, first] = named[0];
  for (const [name, t] of named.slice(1)) {
    if (t.rows !== first.rows || t.cols !== first.cols) {
      throw new BackendError(`${op}: ${name} is ${shape(t)} but ${firstName} is ${shape(first)}; they must match`);
    }
  }
}

export function checkData(op: string, t: Tensor, data: ArrayLike<number>): void {
  if (data.length !== t.rows * t.cols) {
    throw new BackendError(`${op}: data has ${data.length} values but the tensor is ${shape(t)} (${t.rows * t.cols} values)`);
  }
}

export function checkFinite(op: string, name: string, v: number): void {
  if (!Number.isFinite(v)) throw new BackendError(`${op}: ${name} must be a finite number, got ${v}`);
}

export function checkActivation(op: string, kind: Activation): void {
  if (!ACTIVATIONS.includes(kind)) {
    throw new BackendError(`${op}: unknown activation '${String(kind)}'; expected one of ${ACTIVATIONS.join(', ')}`);
  }
}

/** Shapes of C = op(A)·op(B); returns [m, k, n]. */
export function gemmShape(a: Tensor, b: Tensor, c: Tensor, transA: boolean, transB: boolean): [number, number, number] {
  if (transA && transB) throw new BackendError('gemm: transA and transB together are not supported');
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  const form = `${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}`;
  if (k !== kb) {
    throw new BackendError(`gemm: inner sizes differ in ${form}: A is ${shape(a)}, B is ${shape(b)}`);
  }
  if (c.rows !== m || c.cols !== n) {
    throw new BackendError(`gemm: C is ${shape(c)} but ${form} is ${m}×${n}`);
  }
  if (c === a || c === b) throw new BackendError('gemm: C must not be the same tensor as A or B');
  return [m, k, n];
}

export function checkRowVector(op: string, name: string, v: Tensor, cols: number): void {
  if (v.rows !== 1 || v.cols !== cols) {
    throw new BackendError(`${op}: ${name} must be 1×${cols}, got ${shape(v)}`);
  }
}

export function checkColumnVector(op: string, name: string, v: Tensor, rows: number): void {
  if (v.cols !== 1 || v.rows !== rows) {
    throw new BackendError(`${op}: ${name} must be ${rows}×1, got ${shape(v)}`);
  }
}
