// Row-wise kernels over a rows × cols row-major matrix (bias add, bias-gradient reduce,
// argmax, softmax cross-entropy) and the two reductions returned to the host. Sums that go
// back to the host accumulate in f64. Scalar twins share each signature.
import { hsum } from './common';
import { exp4 } from './vmath';

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** out[i, j] ← x[i, j] + bias[j]; out may alias x. */
export function f32_add_row__simd(rows: i32, cols: i32, x: usize, bias: usize, out: usize): void {
  for (let i = 0; i < rows; i++) {
    const xr = at(x, i * cols);
    const or = at(out, i * cols);
    let j = 0;
    for (; j + 4 <= cols; j += 4) v128.store(at(or, j), f32x4.add(v128.load(at(xr, j)), v128.load(at(bias, j))));
    for (; j < cols; j++) store<f32>(at(or, j), load<f32>(at(xr, j)) + load<f32>(at(bias, j)));
  }
}

export function f32_add_row__scalar(rows: i32, cols: i32, x: usize, bias: usize, out: usize): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(at(out, i * cols + j), load<f32>(at(x, i * cols + j)) + load<f32>(at(bias, j)));
  }
}

// @ts-ignore: decorator
@inline function finish(q: usize, s: v128, alpha: f32, beta: f32): void {
  const r = f32x4.mul(f32x4.splat(alpha), s);
  v128.store(q, beta == 0 ? r : f32x4.add(r, f32x4.mul(f32x4.splat(beta), v128.load(q))));
}

/** out[j] ← α·Σᵢ x[i, j] + β·out[j] (β = 0: out is not read). 16 columns at a time down the rows. */
export function f32_sum_rows__simd(rows: i32, cols: i32, x: usize, out: usize, alpha: f32, beta: f32): void {
  const ld = <usize>cols << 2;
  let j = 0;
  for (; j + 16 <= cols; j += 16) {
    let s0 = f32x4.splat(0);
    let s1 = s0, s2 = s0, s3 = s0;
    let p = at(x, j);
    for (let i = 0; i < rows; i++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      p += ld;
    }
    const q = at(out, j);
    finish(q, s0, alpha, beta);
    finish(q + 16, s1, alpha, beta);
    finish(q + 32, s2, alpha, beta);
    finish(q + 48, s3, alpha, beta);
  }
  for (; j + 4 <= cols; j += 4) {
    let s0 = f32x4.splat(0);
    let p = at(x, j);
    for (let i = 0; i < rows; i++) {
      s0 = f32x4.add(s0, v128.load(p));
      p += ld;
    }
    finish(at(out, j), s0, alpha, beta);
  }
  for (; j < cols; j++) {
    let s: f32 = 0;
    for (let i = 0; i < rows; i++) s += load<f32>(at(x, i * cols + j));
    const q = at(out, j);
    store<f32>(q, beta == 0 ? alpha * s : alpha * s + beta * load<f32>(q));
  }
}

export function f32_sum_rows__scalar(rows: i32, cols: i32, x: usize, out: usize, alpha: f32, beta: f32): void {
  for (let j = 0; j < cols; j++) {
    let s: f32 = 0;
    for (let i = 0; i < rows; i++) s += load<f32>(at(x, i * cols + j));
    const q = at(out, j);
    store<f32>(q, beta == 0 ? alpha * s : alpha * s + beta * load<f32>(q));
  }
}

/** Σ x², accumulated in f64. */
export function f32_sumsq__simd(n: i32, x: usize): f64 {
  let lo = f64x2.splat(0);
  let hi = lo;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(at(x, i));
    const a = f64x2.promote_low_f32x4(v);
    const b = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    lo = f64x2.add(lo, f64x2.mul(a, a));
    hi = f64x2.add(hi, f64x2.mul(b, b));
  }
  const s = f64x2.add(lo, hi);
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(at(x, i));
    t += v * v;
  }
  return t;
}

export function f32_sumsq__scalar(n: i32, x: usize): f64 {
  let t: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(at(x, i));
    t += v * v;
  }
  return t;
}

/** Σ a ⊙ b, accumulated in f64. */
export function f32_dot__simd(n: i32, a: usize, b: usize): f64 {
  let lo = f64x2.splat(0);
  let hi = lo;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const u = v128.load(at(a, i));
    const v = v128.load(at(b, i));
    lo = f64x2.add(lo, f64x2.mul(f64x2.promote_low_f32x4(u), f64x2.promote_low_f32x4(v)));
    hi = f64x2.add(hi, f64x2.mul(
      f64x2.promote_low_f32x4(v128.shuffle<f32>(u, u, 2, 3, 0, 1)),
      f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)),
    ));
  }
  const s = f64x2.add(lo, hi);
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) t += <f64>load<f32>(at(a, i)) * <f64>load<f32>(at(b, i));
  return t;
}

export function f32_dot__scalar(n: i32, a: usize, b: usize): f64 {
  let t: f64 = 0;
  for (let i = 0; i < n; i++) t += <f64>load<f32>(at(a, i)) * <f64>load<f32>(at(b, i));
  return t;
}

/** out[i] (i32) ← the first j with the largest x[i, j]; NaN never wins, and a NaN in column 0 stays the answer. */
export function f32_argmax_rows__scalar(rows: i32, cols: i32, x: usize, out: usize): void {
  for (let i = 0; i < rows; i++) {
    const r = at(x, i * cols);
    let best = 0;
    let bv = load<f32>(r);
    for (let j = 1; j < cols; j++) {
      const v = load<f32>(at(r, j));
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    store<i32>(out + (<usize>i << 2), best);
  }
}

/**
 * Row softmax and cross-entropy against target distributions: probs ← softmax(logits),
 * grad ← probs − targets when grad ≠ 0, returns −Σᵢⱼ t·log p (not divided by rows).
 * log p = z − max − log Σ e^{z − max}, so no row overflows; entries with t = 0 add nothing
 * (0·log 0 is taken as 0). probs and grad may alias logits.
 */
export function f32_softmax_ce__simd(rows: i32, cols: i32, logits: usize, targets: usize, probs: usize, grad: usize): f64 {
  let loss: f64 = 0;
  const zero = f32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    const z = at(logits, i * cols);
    const t = at(targets, i * cols);
    const p = at(probs, i * cols);
    const g = grad ? at(grad, i * cols) : 0;
    let vmax = f32x4.splat(-Infinity);
    let j = 0;
    for (; j + 4 <= cols; j += 4) vmax = f32x4.max(vmax, v128.load(at(z, j)));
    let mx = Mathf.max(Mathf.max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)), Mathf.max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)));
    for (; j < cols; j++) mx = Mathf.max(mx, load<f32>(at(z, j)));
    const vm = f32x4.splat(mx);
    let vs = zero;
    j = 0;
    for (; j + 4 <= cols; j += 4) vs = f32x4.add(vs, exp4(f32x4.sub(v128.load(at(z, j)), vm)));
    let sum = hsum(vs);
    for (; j < cols; j++) sum += f32x4.extract_lane(exp4(f32x4.splat(load<f32>(at(z, j)) - mx)), 0);
    // (z − max) − log Σ, in this order: z − max is exact near the max, and folding max + log Σ
    // into one shift first would round it to the ulp of max (6e−5 at max = 1000).
    const logSum = <f32>Math.log(<f64>sum);
    const vls = f32x4.splat(logSum);
    let vl = zero;
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const lp = f32x4.sub(f32x4.sub(v128.load(at(z, j)), vm), vls);
      const tv = v128.load(at(t, j));
      const pv = exp4(lp);
      vl = f32x4.add(vl, v128.and(f32x4.mul(tv, lp), f32x4.ne(tv, zero)));
      v128.store(at(p, j), pv);
      if (g) v128.store(at(g, j), f32x4.sub(pv, tv));
    }
    let rowLoss = <f64>hsum(vl);
    for (; j < cols; j++) {
      const lp = load<f32>(at(z, j)) - mx - logSum;
      const tv = load<f32>(at(t, j));
      const pv = f32x4.extract_lane(exp4(f32x4.splat(lp)), 0);
      if (tv != 0) rowLoss += <f64>(tv * lp);
      store<f32>(at(p, j), pv);
      if (g) store<f32>(at(g, j), pv - tv);
    }
    loss -= rowLoss;
  }
  return loss;
}

export function f32_softmax_ce__scalar(rows: i32, cols: i32, logits: usize, targets: usize, probs: usize, grad: usize): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let mx: f32 = -Infinity;
    for (let j = 0; j < cols; j++) mx = Mathf.max(mx, load<f32>(at(logits, o + j)));
    let sum: f32 = 0;
    for (let j = 0; j < cols; j++) sum += Mathf.exp(load<f32>(at(logits, o + j)) - mx);
    const logSum = Mathf.log(sum);
    for (let j = 0; j < cols; j++) {
      const lp = load<f32>(at(logits, o + j)) - mx - logSum;
      const tv = load<f32>(at(targets, o + j));
      if (tv != 0) loss -= <f64>(tv * lp);
      const pv = Mathf.exp(lp);
      store<f32>(at(probs, o + j), pv);
      if (grad) store<f32>(at(grad, o + j), pv - tv);
    }
  }
  return loss;
}
