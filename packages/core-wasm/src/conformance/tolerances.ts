// How far a backend may sit from the float64 reference, per op, with the reason for each bound.
// Inputs are float32-exact (see random.ts), so every bound covers arithmetic rounding only.
//
// u is the unit roundoff of the backend's precision (2⁻²⁴ for f32). Reductions use the classical
// order-independent bound for a sum of n products, |fl(Σ xᵢyᵢ) − Σ xᵢyᵢ| ≤ γₙ Σ|xᵢyᵢ| with
// γₙ = nu/(1 − nu) (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5):
// it holds for any summation order, blocking, SIMD lane split or fused multiply-add, so it never
// fails a correct kernel, while a dropped, doubled or misplaced term (error ≈ one |xᵢyᵢ|, i.e.
// ≈ Σ|xᵢyᵢ|/n) is caught for every K in the suite (K ≤ 2000 ⇒ nu ≤ 1.2·10⁻⁴ < 1/n).
// A few extra u cover the rounding of alpha, beta and the final scale-and-add.
import { expect } from 'vitest';
import type { Precision } from '../index.js';

export interface Tolerances {
  readonly precision: Precision;
  /** Unit roundoff. */
  readonly u: number;
  /**
   * Relative and absolute error allowed for transcendental functions (tanh, sigmoid, softplus,
   * exp/log in softmax). f32: 1e-5 relative + 1e-6 absolute. XNNPACK-style f32 polynomial
   * approximations are good to a few ulp (≈ 4·10⁻⁷ relative); the derivative forms 1 − tanh² and
   * σ(1 − σ) lose that relative accuracy where tanh or σ round to ±1 in f32, leaving an absolute
   * error near 2u ≈ 1.2·10⁻⁷, which the 1e-6 floor covers.
   */
  readonly fnRel: number;
  readonly fnAbs: number;
}

export function tolerancesFor(precision: Precision): Tolerances {
  return precision === 'f32'
    ? { precision, u: 2 ** -24, fnRel: 1e-5, fnAbs: 1e-6 }
    : { precision, u: 2 ** -53, fnRel: 1e-13, fnAbs: 1e-14 };
}

/** Bound for a reduction of n terms whose absolute values sum to `mag` (plus `extra` roundings). */
export function reductionBound(tol: Tolerances, n: number, mag: number, extra = 8): number {
  return (n + extra) * tol.u * mag;
}

/** Bound for a few correctly rounded operations on terms whose absolute values sum to `mag`. */
export function roundingBound(tol: Tolerances, mag: number, ops = 4): number {
  return ops * tol.u * mag;
}

/** Bound for a transcendental result `ref` (fnRel·|ref| + fnAbs·scale). */
export function fnBound(tol: Tolerances, ref: number, scale = 1): number {
  return tol.fnRel * Math.abs(ref) + tol.fnAbs * scale;
}

/**
 * Fails with the worst offenders (row, column, value, reference, error, bound) unless every
 * entry is within its bound. A NaN or infinite reference must be matched exactly.
 */
export function expectClose(
  what: string,
  cols: number,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  bound: (i: number) => number,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    let ok: boolean;
    let b = 0;
    if (Number.isNaN(e)) ok = Number.isNaN(a);
    else if (!Number.isFinite(e)) ok = a === e;
    else {
      b = bound(i);
      ok = Math.abs(a - e) <= b;
    }
    if (!ok) {
      count++;
      if (bad.length < 5) {
        const at = cols > 0 ? `[${Math.floor(i / cols)},${i % cols}]` : `[${i}]`;
        bad.push(`${at} = ${a}, reference ${e}, |err| ${Math.abs(a - e).toExponential(3)} > bound ${b.toExponential(3)}`);
      }
    }
  }
  if (count > 0) expect.fail(`${what}: ${count} of ${expected.length} entries out of tolerance:\n  ${bad.join('\n  ')}`);
}

/** Fails unless |actual − expected| ≤ bound (for scalars returned to the host). */
export function expectScalarClose(what: string, actual: number, expected: number, bound: number): void {
  expectClose(what, 0, [actual], [expected], () => bound);
}
