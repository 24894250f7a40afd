// Fused spike-timing outer product for the `gupta` rule's H-stdp variant (Backend.stdpOuter):
// the latency code t = T(1 − a), the pairwise STDP window (Bi & Poo 1998 shape; shared/research/
// gupta.md §2(a)) and the sum over the batch in one pass over out's rows, f32x4 across the
// presynaptic index. Terms with gate 0 are skipped, so k-WTA learning costs n·k·D, not n·H·D.
// Also the row scaling diag(s)·X (Backend.scaleRows) that renormalises its rows on the device.
import { madd } from './common';
import { exp4 } from './vmath';

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** out ← beta·out, or 0 when beta = 0 (out may hold garbage then, as for gemm). */
function scaleOut(count: i32, out: usize, beta: f32): void {
  if (beta == 1) return;
  const vb = f32x4.splat(beta);
  let i = 0;
  if (beta == 0) {
    for (; i + 4 <= count; i += 4) v128.store(at(out, i), f32x4.splat(0));
    for (; i < count; i++) store<f32>(at(out, i), 0);
    return;
  }
  for (; i + 4 <= count; i += 4) v128.store(at(out, i), f32x4.mul(vb, v128.load(at(out, i))));
  for (; i < count; i++) store<f32>(at(out, i), beta * load<f32>(at(out, i)));
}

// @ts-ignore: decorator
@inline function window1(dt: f32, aPlus: f32, aMinus: f32, invTauPlus: f32, invTauMinus: f32): f32 {
  return dt >= 0 ? aPlus * Mathf.exp(-dt * invTauPlus) : -aMinus * Mathf.exp(dt * invTauMinus);
}

/**
 * out[μ,j] ← alpha·Σᵢ gate[i,μ]·K(T·(pre[i,j] − post[i,μ])) + beta·out[μ,j]; pre n×d, post and
 * gate n×h, out h×d; K(Δt) = A₊e^{−Δt/τ₊} (Δt ≥ 0), −A₋e^{Δt/τ₋} (Δt < 0).
 */
export function f32_stdp_outer__simd(
  n: i32, d: i32, h: i32, pre: usize, post: usize, gate: usize, out: usize,
  window: f32, aPlus: f32, aMinus: f32, invTauPlus: f32, invTauMinus: f32, alpha: f32, beta: f32,
): void {
  scaleOut(h * d, out, beta);
  const vT = f32x4.splat(window);
  const vAp = f32x4.splat(aPlus);
  const vAm = f32x4.splat(-aMinus);
  const vIp = f32x4.splat(-invTauPlus);
  const vIm = f32x4.splat(invTauMinus);
  const zero = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const preRow = pre + (<usize>(i * d) << 2);
    for (let m = 0; m < h; m++) {
      const g = load<f32>(at(gate, i * h + m));
      if (g == 0) continue;
      const c = alpha * g;
      const vc = f32x4.splat(c);
      const tp = window * load<f32>(at(post, i * h + m));
      const vtp = f32x4.splat(tp);
      const row = out + (<usize>(m * d) << 2);
      let j = 0;
      for (; j + 4 <= d; j += 4) {
        const dt = f32x4.sub(f32x4.mul(vT, v128.load(at(preRow, j))), vtp);
        const causal = f32x4.ge(dt, zero);
        const e = exp4(f32x4.mul(dt, v128.bitselect(vIp, vIm, causal)));
        const k = f32x4.mul(v128.bitselect(vAp, vAm, causal), e);
        v128.store(at(row, j), madd(vc, k, v128.load(at(row, j))));
      }
      for (; j < d; j++) {
        const dt = window * load<f32>(at(preRow, j)) - tp;
        store<f32>(at(row, j), c * window1(dt, aPlus, aMinus, invTauPlus, invTauMinus) + load<f32>(at(row, j)));
      }
    }
  }
}

export function f32_stdp_outer__scalar(
  n: i32, d: i32, h: i32, pre: usize, post: usize, gate: usize, out: usize,
  window: f32, aPlus: f32, aMinus: f32, invTauPlus: f32, invTauMinus: f32, alpha: f32, beta: f32,
): void {
  const count = h * d;
  for (let i = 0; i < count; i++) store<f32>(at(out, i), beta == 0 ? 0 : beta * load<f32>(at(out, i)));
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < h; m++) {
      const g = load<f32>(at(gate, i * h + m));
      if (g == 0) continue;
      const c = alpha * g;
      const tp = window * load<f32>(at(post, i * h + m));
      for (let j = 0; j < d; j++) {
        const dt = window * load<f32>(at(pre, i * d + j)) - tp;
        const o = at(out, m * d + j);
        store<f32>(o, c * window1(dt, aPlus, aMinus, invTauPlus, invTauMinus) + load<f32>(o));
      }
    }
  }
}

/** out[i, j] ← s[i]·x[i, j] (Backend.scaleRows, diag(s)·X); out may alias x. */
export function f32_scale_rows__simd(rows: i32, cols: i32, x: usize, s: usize, out: usize): void {
  for (let i = 0; i < rows; i++) {
    const v = load<f32>(at(s, i));
    const vs = f32x4.splat(v);
    const xr = at(x, i * cols);
    const or = at(out, i * cols);
    let j = 0;
    for (; j + 4 <= cols; j += 4) v128.store(at(or, j), f32x4.mul(vs, v128.load(at(xr, j))));
    for (; j < cols; j++) store<f32>(at(or, j), v * load<f32>(at(xr, j)));
  }
}

export function f32_scale_rows__scalar(rows: i32, cols: i32, x: usize, s: usize, out: usize): void {
  for (let i = 0; i < rows; i++) {
    const v = load<f32>(at(s, i));
    for (let j = 0; j < cols; j++) store<f32>(at(out, i * cols + j), v * load<f32>(at(x, i * cols + j)));
  }
}
