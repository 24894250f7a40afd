// Elementwise kernels over n contiguous floats. Outputs may alias inputs: each position is
// read before it is written. Scalar twins share each signature.
import { madd } from './common';

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

export function f32_vadd__simd(n: i32, a: usize, b: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.add(v128.load(at(a, i)), v128.load(at(b, i))));
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(a, i)) + load<f32>(at(b, i)));
}

export function f32_vadd__scalar(n: i32, a: usize, b: usize, out: usize): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), load<f32>(at(a, i)) + load<f32>(at(b, i)));
}

export function f32_vsub__simd(n: i32, a: usize, b: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.sub(v128.load(at(a, i)), v128.load(at(b, i))));
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(a, i)) - load<f32>(at(b, i)));
}

export function f32_vsub__scalar(n: i32, a: usize, b: usize, out: usize): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), load<f32>(at(a, i)) - load<f32>(at(b, i)));
}

export function f32_vmul__simd(n: i32, a: usize, b: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(a, i)), v128.load(at(b, i))));
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(a, i)) * load<f32>(at(b, i)));
}

export function f32_vmul__scalar(n: i32, a: usize, b: usize, out: usize): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), load<f32>(at(a, i)) * load<f32>(at(b, i)));
}

/** out ← α·x */
export function f32_vscale__simd(n: i32, x: usize, out: usize, alpha: f32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.mul(va, v128.load(at(x, i))));
  for (; i < n; i++) store<f32>(at(out, i), alpha * load<f32>(at(x, i)));
}

export function f32_vscale__scalar(n: i32, x: usize, out: usize, alpha: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), alpha * load<f32>(at(x, i)));
}

/** out ← min(max(x, lo), hi); NaN stays NaN (f32x4.min/max propagate it, as Math.min/max do). */
export function f32_vclip__simd(n: i32, x: usize, out: usize, lo: f32, hi: f32): void {
  const vl = f32x4.splat(lo);
  const vh = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.min(f32x4.max(v128.load(at(x, i)), vl), vh));
  for (; i < n; i++) store<f32>(at(out, i), Mathf.min(Mathf.max(load<f32>(at(x, i)), lo), hi));
}

export function f32_vclip__scalar(n: i32, x: usize, out: usize, lo: f32, hi: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), Mathf.min(Mathf.max(load<f32>(at(x, i)), lo), hi));
}

// @ts-ignore: decorator
@inline function sign1(v: f32): f32 {
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/** out ← sign(x) ∈ {−1, 0, 1}; NaN and ±0 give 0. */
export function f32_vsign__simd(n: i32, x: usize, out: usize): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const minus = f32x4.splat(-1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(at(x, i));
    v128.store(at(out, i), v128.or(v128.and(f32x4.gt(v, zero), one), v128.and(f32x4.lt(v, zero), minus)));
  }
  for (; i < n; i++) store<f32>(at(out, i), sign1(load<f32>(at(x, i))));
}

export function f32_vsign__scalar(n: i32, x: usize, out: usize): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), sign1(load<f32>(at(x, i))));
}

export function f32_vfill__simd(n: i32, out: usize, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), v);
  for (; i < n; i++) store<f32>(at(out, i), value);
}

export function f32_vfill__scalar(n: i32, out: usize, value: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), value);
}

/** out ← x (non-overlapping or identical ranges). */
export function f32_vcopy__simd(n: i32, x: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), v128.load(at(x, i)));
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(x, i)));
}

export function f32_vcopy__scalar(n: i32, x: usize, out: usize): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), load<f32>(at(x, i)));
}

/** y ← y + α·x */
export function f32_axpy__simd(n: i32, x: usize, y: usize, alpha: f32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), madd(va, v128.load(at(x, i)), v128.load(at(y, i))));
  for (; i < n; i++) store<f32>(at(y, i), load<f32>(at(y, i)) + alpha * load<f32>(at(x, i)));
}

export function f32_axpy__scalar(n: i32, x: usize, y: usize, alpha: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(y, i), load<f32>(at(y, i)) + alpha * load<f32>(at(x, i)));
}

/** tr ← decay·tr + x, an exponentially decaying spike trace (e.g. Gerstner et al., Neuronal Dynamics §19.2). */
export function f32_trace_decay__simd(n: i32, tr: usize, x: usize, decay: f32): void {
  const vd = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(tr, i), madd(vd, v128.load(at(tr, i)), v128.load(at(x, i))));
  for (; i < n; i++) store<f32>(at(tr, i), decay * load<f32>(at(tr, i)) + load<f32>(at(x, i)));
}

export function f32_trace_decay__scalar(n: i32, tr: usize, x: usize, decay: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(tr, i), decay * load<f32>(at(tr, i)) + load<f32>(at(x, i)));
}

/**
 * One Adam step (Kingma & Ba 2015, Algorithm 1): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * w ← w − lr·(m/c1)/(√(v/c2) + ε), with c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ from the caller.
 * 1 − β1 and 1 − β2 come from the caller too, computed in f64: from an f32 β2 = 0.999,
 * 1 − β2 would be off by 1.3e−5 relative.
 */
export function f32_adam__simd(n: i32, w: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, omb1: f32, beta2: f32, omb2: f32, eps: f32, c1: f32, c2: f32): void {
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const ob1 = f32x4.splat(omb1);
  const ob2 = f32x4.splat(omb2);
  const vlr = f32x4.splat(lr);
  const ve = f32x4.splat(eps);
  const ic1 = f32x4.splat(c1);
  const ic2 = f32x4.splat(c2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const gv = v128.load(at(g, i));
    const mv = madd(b1, v128.load(at(m, i)), f32x4.mul(ob1, gv));
    const vv = madd(b2, v128.load(at(v, i)), f32x4.mul(ob2, f32x4.mul(gv, gv)));
    v128.store(at(m, i), mv);
    v128.store(at(v, i), vv);
    const step = f32x4.div(f32x4.mul(vlr, f32x4.div(mv, ic1)), f32x4.add(f32x4.sqrt(f32x4.div(vv, ic2)), ve));
    v128.store(at(w, i), f32x4.sub(v128.load(at(w, i)), step));
  }
  for (; i < n; i++) adam1(i, w, g, m, v, lr, beta1, omb1, beta2, omb2, eps, c1, c2);
}

// @ts-ignore: decorator
@inline function adam1(i: i32, w: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, omb1: f32, beta2: f32, omb2: f32, eps: f32, c1: f32, c2: f32): void {
  const gv = load<f32>(at(g, i));
  const mv = beta1 * load<f32>(at(m, i)) + omb1 * gv;
  const vv = beta2 * load<f32>(at(v, i)) + omb2 * gv * gv;
  store<f32>(at(m, i), mv);
  store<f32>(at(v, i), vv);
  store<f32>(at(w, i), load<f32>(at(w, i)) - (lr * (mv / c1)) / (Mathf.sqrt(vv / c2) + eps));
}

export function f32_adam__scalar(n: i32, w: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, omb1: f32, beta2: f32, omb2: f32, eps: f32, c1: f32, c2: f32): void {
  for (let i = 0; i < n; i++) adam1(i, w, g, m, v, lr, beta1, omb1, beta2, omb2, eps, c1, c2);
}

/**
 * One discrete-time leaky integrate-and-fire step (Gerstner et al., Neuronal Dynamics §1.3,
 * Euler form): u ← β·v + input; surrogate ← (α/2)/(1 + (π·α·(u − θ)/2)²), the ATan
 * surrogate derivative (Fang et al. 2021), when surrogate ≠ 0; spikes ← [u ≥ θ];
 * v ← u·(1 − spikes); trace ← λ·trace + spikes. halfPiAlpha = π·α/2 and halfAlpha = α/2 come
 * from the caller in f64. Each position is read before it is written.
 */
export function f32_lif_step__simd(
  n: i32, v: usize, input: usize, spikes: usize, trace: usize, surrogate: usize,
  beta: f32, threshold: f32, decay: f32, halfPiAlpha: f32, halfAlpha: f32,
): void {
  const vb = f32x4.splat(beta);
  const vt = f32x4.splat(threshold);
  const vd = f32x4.splat(decay);
  const k1 = f32x4.splat(halfPiAlpha);
  const k2 = f32x4.splat(halfAlpha);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const u = madd(vb, v128.load(at(v, i)), v128.load(at(input, i)));
    if (surrogate) {
      const d = f32x4.mul(k1, f32x4.sub(u, vt));
      v128.store(at(surrogate, i), f32x4.div(k2, madd(d, d, one)));
    }
    const fire = f32x4.ge(u, vt);
    const s = v128.and(fire, one);
    v128.store(at(spikes, i), s);
    v128.store(at(v, i), v128.andnot(u, fire));
    v128.store(at(trace, i), madd(vd, v128.load(at(trace, i)), s));
  }
  for (; i < n; i++) lif1(i, v, input, spikes, trace, surrogate, beta, threshold, decay, halfPiAlpha, halfAlpha);
}

// @ts-ignore: decorator
@inline function lif1(
  i: i32, v: usize, input: usize, spikes: usize, trace: usize, surrogate: usize,
  beta: f32, threshold: f32, decay: f32, halfPiAlpha: f32, halfAlpha: f32,
): void {
  const u = beta * load<f32>(at(v, i)) + load<f32>(at(input, i));
  if (surrogate) {
    const d = halfPiAlpha * (u - threshold);
    store<f32>(at(surrogate, i), halfAlpha / (1 + d * d));
  }
  const s: f32 = u >= threshold ? 1 : 0;
  store<f32>(at(spikes, i), s);
  store<f32>(at(v, i), s != 0 ? 0 : u);
  store<f32>(at(trace, i), decay * load<f32>(at(trace, i)) + s);
}

export function f32_lif_step__scalar(
  n: i32, v: usize, input: usize, spikes: usize, trace: usize, surrogate: usize,
  beta: f32, threshold: f32, decay: f32, halfPiAlpha: f32, halfAlpha: f32,
): void {
  for (let i = 0; i < n; i++) lif1(i, v, input, spikes, trace, surrogate, beta, threshold, decay, halfPiAlpha, halfAlpha);
}
