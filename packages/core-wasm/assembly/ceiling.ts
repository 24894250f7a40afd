// The machine's 128-bit SIMD ceiling, measured rather than assumed: independent f32x4
// multiply-add chains that live in registers only, enough of them to cover the latency
// (FMA: 4 cycles × 2 pipes; mul + add: 6 cycles × 2 + 2 pipes), no loads or stores.
// Each iteration is 12 chains × 4 lanes × 2 flops = 96 flops.
import { madd, hsum } from './common';

const CEILING_FLOPS_PER_ITER: i32 = 96;

export function f32_ceiling__simd(iters: i32, seed: f32): f32 {
  const m = f32x4.splat(0.999);
  const d = f32x4.splat(seed);
  let a0 = f32x4.splat(seed + 1);
  let a1 = f32x4.add(a0, d), a2 = f32x4.add(a1, d), a3 = f32x4.add(a2, d);
  let a4 = f32x4.add(a3, d), a5 = f32x4.add(a4, d), a6 = f32x4.add(a5, d), a7 = f32x4.add(a6, d);
  let a8 = f32x4.add(a7, d), a9 = f32x4.add(a8, d), a10 = f32x4.add(a9, d), a11 = f32x4.add(a10, d);
  for (let i = 0; i < iters; i++) {
    a0 = madd(a0, m, d);
    a1 = madd(a1, m, d);
    a2 = madd(a2, m, d);
    a3 = madd(a3, m, d);
    a4 = madd(a4, m, d);
    a5 = madd(a5, m, d);
    a6 = madd(a6, m, d);
    a7 = madd(a7, m, d);
    a8 = madd(a8, m, d);
    a9 = madd(a9, m, d);
    a10 = madd(a10, m, d);
    a11 = madd(a11, m, d);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return hsum(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))));
}

export function f32_ceiling_flops_per_iter(): i32 {
  return CEILING_FLOPS_PER_ITER;
}
