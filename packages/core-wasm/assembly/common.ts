// Helpers shared by every kernel family. RELAXED is a compile-time constant set per build
// by scripts/build-wasm.mjs (`--use RELAXED=0|1`); the dead branch is never compiled, so
// the `simd` build holds no relaxed-simd opcode.

/** a·b + c: one fused f32x4.relaxed_madd in the relaxed build, mul then add in the simd build. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// @ts-ignore: decorator
@inline export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/** Sum of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  const t = f32x4.add(s, v128.shuffle<f32>(s, s, 1, 0, 3, 2));
  return f32x4.extract_lane(t, 0);
}

/** Sum of the four lanes in f64 (promoted first), for reductions returned to the host. */
// @ts-ignore: decorator
@inline export function hsum64(lo: v128, hi: v128): f64 {
  const s = f64x2.add(lo, hi);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}
