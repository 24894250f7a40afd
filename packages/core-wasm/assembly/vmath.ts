// f32x4 transcendentals after the Cephes single-precision library (S. L. Moshier, expf.c,
// logf.c, tanhf.c): range reduction, a short polynomial, exponent reconstruction from
// bits. About 1–2 ulp on the domains the activation kernels use; NaN in gives NaN out.
import { madd } from './common';

// @ts-ignore: decorator
@inline function k(v: f32): v128 {
  return f32x4.splat(v);
}

/** eˣ. Inputs are clamped to [−87.34, 88.38], so −∞ gives ≈ 1.2e−38 rather than 0. */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, k(-87.33654)), k(88.37626));
  const n = f32x4.nearest(f32x4.mul(x, k(1.44269504088896341)));
  // x − n·ln2 in two parts (Cody–Waite), so r is exact enough for the polynomial.
  let r = f32x4.sub(x, f32x4.mul(n, k(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, k(-2.12194440e-4)));
  let p = k(1.9875691500e-4);
  p = madd(p, r, k(1.3981999507e-3));
  p = madd(p, r, k(8.3334519073e-3));
  p = madd(p, r, k(4.1665795894e-2));
  p = madd(p, r, k(1.6666665459e-1));
  p = madd(p, r, k(5.0000001201e-1));
  p = madd(p, f32x4.mul(r, r), f32x4.add(r, k(1)));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2n);
}

/** ln x for positive normal x (the kernels only pass x in [1, 2]). */
// @ts-ignore: decorator
@inline export function log4(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(126));
  // mantissa in [0.5, 1)
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  // m < √½: use 2m − 1 and e − 1, so the polynomial's argument stays in [√½ − 1, √2 − 1).
  const small = f32x4.lt(m, k(0.707106781186547524));
  e = i32x4.add(e, small);
  m = f32x4.sub(f32x4.add(m, v128.and(m, small)), k(1));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = k(7.0376836292e-2);
  p = madd(p, m, k(-1.1514610310e-1));
  p = madd(p, m, k(1.1676998740e-1));
  p = madd(p, m, k(-1.2420140846e-1));
  p = madd(p, m, k(1.4249322787e-1));
  p = madd(p, m, k(-1.6668057665e-1));
  p = madd(p, m, k(2.0000714765e-1));
  p = madd(p, m, k(-2.4999993993e-1));
  p = madd(p, m, k(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = madd(ef, k(-2.12194440e-4), y);
  y = madd(k(-0.5), z, y);
  return madd(ef, k(0.693359375), f32x4.add(m, y));
}

/** ln(1 + u) for u ≥ 0 without losing u when 1 + u rounds (Goldberg's trick: log(w)·u/(w − 1)). */
// @ts-ignore: decorator
@inline export function log1p4(u: v128): v128 {
  const w = f32x4.add(u, k(1));
  const d = f32x4.sub(w, k(1));
  const q = f32x4.mul(log4(w), f32x4.div(u, d));
  return v128.bitselect(u, q, f32x4.eq(d, k(0)));
}

/** tanh x: an odd polynomial for |x| < 0.625, (1 − e)/(1 + e) with e = e^{−2|x|} beyond. */
// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = k(-5.70498872745e-3);
  p = madd(p, z, k(2.06390887954e-2));
  p = madd(p, z, k(-5.37397155531e-2));
  p = madd(p, z, k(1.33314422036e-1));
  p = madd(p, z, k(-3.33332819422e-1));
  const near = madd(f32x4.mul(p, z), x, x);
  const e = exp4(f32x4.mul(ax, k(-2)));
  const far = v128.or(f32x4.div(f32x4.sub(k(1), e), f32x4.add(k(1), e)), v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(near, far, f32x4.lt(ax, k(0.625)));
}

/** σ(x) = 1/(1 + e^{−x}), from e = e^{−|x|} ≤ 1 so neither side overflows. */
// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(k(1), f32x4.add(k(1), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, k(0)));
}
