// Activations f(x) and their derivative times an upstream gradient, dy ⊙ f′(z). Every
// kernel takes (n, x, out, param) or (n, z, dy, out, param) so the TS side can dispatch
// by name; param is the negative slope of leaky-relu and ignored elsewhere. out may alias
// the input. The scalar twins use AssemblyScript's Mathf (musl) and the textbook formulas,
// an independent check on the f32x4 versions in vmath.ts.
import { exp4, log1p4, sigmoid4, tanh4 } from './vmath';

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// ------------------------------------------------------------------------ forward

export function f32_vrelu__simd(n: i32, x: usize, out: usize, param: f32): void {
  // pmax(0, x) = 0 < x ? x : 0, which maps NaN and −0 to 0 like the reference's x > 0 ? x : 0.
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.pmax(zero, v128.load(at(x, i))));
  for (; i < n; i++) {
    const v = load<f32>(at(x, i));
    store<f32>(at(out, i), v > 0 ? v : 0);
  }
}

export function f32_vrelu__scalar(n: i32, x: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(at(x, i));
    store<f32>(at(out, i), v > 0 ? v : 0);
  }
}

export function f32_vlrelu__simd(n: i32, x: usize, out: usize, param: f32): void {
  const zero = f32x4.splat(0);
  const s = f32x4.splat(param);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(at(x, i));
    v128.store(at(out, i), v128.bitselect(v, f32x4.mul(s, v), f32x4.ge(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(at(x, i));
    store<f32>(at(out, i), v >= 0 ? v : param * v);
  }
}

export function f32_vlrelu__scalar(n: i32, x: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(at(x, i));
    store<f32>(at(out, i), v >= 0 ? v : param * v);
  }
}

export function f32_vtanh__simd(n: i32, x: usize, out: usize, param: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), tanh4(v128.load(at(x, i))));
  for (; i < n; i++) store<f32>(at(out, i), f32x4.extract_lane(tanh4(f32x4.splat(load<f32>(at(x, i)))), 0));
}

export function f32_vtanh__scalar(n: i32, x: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), Mathf.tanh(load<f32>(at(x, i))));
}

export function f32_vsigmoid__simd(n: i32, x: usize, out: usize, param: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), sigmoid4(v128.load(at(x, i))));
  for (; i < n; i++) store<f32>(at(out, i), f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(at(x, i)))), 0));
}

function sigmoid1(v: f32): f32 {
  if (v >= 0) return 1 / (1 + Mathf.exp(-v));
  const e = Mathf.exp(v);
  return e / (1 + e);
}

export function f32_vsigmoid__scalar(n: i32, x: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), sigmoid1(load<f32>(at(x, i))));
}

/** log(1 + eˣ) = max(x, 0) + log1p(e^{−|x|}): no overflow for large x, no lost digits for very negative x. */
// @ts-ignore: decorator
@inline function softplus4(v: v128): v128 {
  return f32x4.add(f32x4.max(v, f32x4.splat(0)), log1p4(exp4(f32x4.neg(f32x4.abs(v)))));
}

export function f32_vsoftplus__simd(n: i32, x: usize, out: usize, param: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), softplus4(v128.load(at(x, i))));
  for (; i < n; i++) store<f32>(at(out, i), f32x4.extract_lane(softplus4(f32x4.splat(load<f32>(at(x, i)))), 0));
}

export function f32_vsoftplus__scalar(n: i32, x: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(at(x, i));
    store<f32>(at(out, i), Mathf.max(v, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(v))));
  }
}

// ------------------------------------------------------------------------ backward: out = dy ⊙ f′(z)

export function f32_vrelu_grad__simd(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  // dy·1 or dy·0 (not a mask of dy), so dy = ±∞ at z ≤ 0 gives NaN as in the reference.
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d = v128.and(f32x4.gt(v128.load(at(z, i)), zero), one);
    v128.store(at(out, i), f32x4.mul(v128.load(at(dy, i)), d));
  }
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(dy, i)) * (load<f32>(at(z, i)) > 0 ? <f32>1 : <f32>0));
}

export function f32_vrelu_grad__scalar(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), load<f32>(at(dy, i)) * (load<f32>(at(z, i)) > 0 ? <f32>1 : <f32>0));
}

export function f32_vlrelu_grad__simd(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const s = f32x4.splat(param);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d = v128.bitselect(one, s, f32x4.ge(v128.load(at(z, i)), zero));
    v128.store(at(out, i), f32x4.mul(v128.load(at(dy, i)), d));
  }
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(dy, i)) * (load<f32>(at(z, i)) >= 0 ? <f32>1 : param));
}

export function f32_vlrelu_grad__scalar(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), load<f32>(at(dy, i)) * (load<f32>(at(z, i)) >= 0 ? <f32>1 : param));
}

/** tanh′(z) = 1 − tanh²z = 4e/(1 + e)² with e = e^{−2|z|}: no cancellation where tanh z ≈ ±1. */
// @ts-ignore: decorator
@inline function tanh_grad4(z: v128): v128 {
  const e = exp4(f32x4.mul(f32x4.abs(z), f32x4.splat(-2)));
  const d = f32x4.add(f32x4.splat(1), e);
  return f32x4.div(f32x4.mul(f32x4.splat(4), e), f32x4.mul(d, d));
}

export function f32_vtanh_grad__simd(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(dy, i)), tanh_grad4(v128.load(at(z, i)))));
  for (; i < n; i++) {
    store<f32>(at(out, i), load<f32>(at(dy, i)) * f32x4.extract_lane(tanh_grad4(f32x4.splat(load<f32>(at(z, i)))), 0));
  }
}

export function f32_vtanh_grad__scalar(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) {
    const t = Mathf.tanh(load<f32>(at(z, i)));
    store<f32>(at(out, i), load<f32>(at(dy, i)) * (1 - t * t));
  }
}

/** σ′(z) = σ(1 − σ) = e/(1 + e)² with e = e^{−|z|}: no cancellation where σ ≈ 1. */
// @ts-ignore: decorator
@inline function sigmoid_grad4(z: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(z)));
  const d = f32x4.add(f32x4.splat(1), e);
  return f32x4.div(e, f32x4.mul(d, d));
}

export function f32_vsigmoid_grad__simd(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(dy, i)), sigmoid_grad4(v128.load(at(z, i)))));
  for (; i < n; i++) {
    store<f32>(at(out, i), load<f32>(at(dy, i)) * f32x4.extract_lane(sigmoid_grad4(f32x4.splat(load<f32>(at(z, i)))), 0));
  }
}

export function f32_vsigmoid_grad__scalar(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) {
    const s = sigmoid1(load<f32>(at(z, i)));
    store<f32>(at(out, i), load<f32>(at(dy, i)) * (s * (1 - s)));
  }
}

/** softplus′ = σ. */
export function f32_vsoftplus_grad__simd(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(dy, i)), sigmoid4(v128.load(at(z, i)))));
  for (; i < n; i++) {
    store<f32>(at(out, i), load<f32>(at(dy, i)) * f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(at(z, i)))), 0));
  }
}

export function f32_vsoftplus_grad__scalar(n: i32, z: usize, dy: usize, out: usize, param: f32): void {
  for (let i = 0; i < n; i++) store<f32>(at(out, i), load<f32>(at(dy, i)) * sigmoid1(load<f32>(at(z, i))));
}
