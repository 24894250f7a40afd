// Ops written once on top of read/write, in float64: the reference backend's implementation
// and a correct (slow, copying) stand-in on other backends until they have a fused kernel.
import { BackendError, type Backend, type LifParams, type Tensor } from './backend.js';
import { checkFinite, sameShape, shape } from './checks.js';

export function checkLifParams(p: LifParams): void {
  checkFinite('lifStep', 'beta', p.beta);
  checkFinite('lifStep', 'threshold', p.threshold);
  checkFinite('lifStep', 'traceDecay', p.traceDecay);
  if (p.surrogateAlpha !== undefined) checkFinite('lifStep', 'surrogateAlpha', p.surrogateAlpha);
}

/** The LIF step on host arrays, in place (see Backend.lifStep). */
export function lifStepArrays(
  v: Float64Array | Float32Array, input: ArrayLike<number>, spikes: Float64Array | Float32Array, trace: Float64Array | Float32Array,
  p: LifParams, surrogate?: Float64Array | Float32Array,
): void {
  const a = p.surrogateAlpha ?? 2;
  for (let i = 0; i < v.length; i++) {
    const u = p.beta * v[i] + input[i];
    if (surrogate) {
      const d = (Math.PI * a * (u - p.threshold)) / 2;
      surrogate[i] = a / 2 / (1 + d * d);
    }
    const s = u >= p.threshold ? 1 : 0;
    spikes[i] = s;
    v[i] = s ? 0 : u;
    trace[i] = p.traceDecay * trace[i] + s;
  }
}

export function hostLifStep(be: Backend, v: Tensor, input: Tensor, spikes: Tensor, trace: Tensor, p: LifParams, surrogate?: Tensor): void {
  checkLifParams(p);
  sameShape('lifStep', ['v', v], ['input', input], ['spikes', spikes], ['trace', trace]);
  if (surrogate) sameShape('lifStep', ['v', v], ['surrogate', surrogate]);
  const V = be.read(v);
  const S = be.read(spikes);
  const T = be.read(trace);
  const G = surrogate ? be.read(surrogate) : undefined;
  lifStepArrays(V, be.read(input), S, T, p, G);
  be.write(v, V);
  be.write(spikes, S);
  be.write(trace, T);
  if (surrogate && G) be.write(surrogate, G);
}

/** A⁻¹ of an n×n row-major matrix by LU with partial pivoting, in float64; returns the pivot ratio. */
export function invertArray(a: ArrayLike<number>, n: number, out: Float64Array): number {
  const lu = Float64Array.from(a);
  const piv = new Int32Array(n);
  let minP = Infinity;
  let maxP = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > best) { best = v; p = i; }
    }
    if (!(best > 0)) throw new BackendError(`inverse: the ${n}×${n} matrix is singular (pivot ${k} is zero)`);
    piv[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j];
        lu[k * n + j] = lu[p * n + j];
        lu[p * n + j] = t;
      }
    }
    const pivot = lu[k * n + k];
    minP = Math.min(minP, Math.abs(pivot));
    maxP = Math.max(maxP, Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k] /= pivot);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
    }
  }
  // Solve L U X = P I column by column: X = U⁻¹ L⁻¹ P.
  out.fill(0);
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    // column c of P·I: apply the row swaps to e_c
    col.fill(0);
    col[c] = 1;
    for (let k = 0; k < n; k++) {
      const p = piv[k];
      if (p !== k) { const t = col[k]; col[k] = col[p]; col[p] = t; }
    }
    for (let i = 0; i < n; i++) {
      let s = col[i];
      for (let j = 0; j < i; j++) s -= lu[i * n + j] * col[j];
      col[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = col[i];
      for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * col[j];
      col[i] = s / lu[i * n + i];
    }
    for (let i = 0; i < n; i++) out[i * n + c] = col[i];
  }
  return n === 0 ? 1 : minP / maxP;
}

export function hostInverse(be: Backend, a: Tensor, out: Tensor): number {
  if (a.rows !== a.cols) throw new BackendError(`inverse: the matrix must be square, got ${shape(a)}`);
  sameShape('inverse', ['a', a], ['out', out]);
  if (a === out) throw new BackendError('inverse: out must not be the same tensor as a');
  const inv = new Float64Array(a.rows * a.cols);
  const ratio = invertArray(be.read(a), a.rows, inv);
  be.write(out, inv);
  return ratio;
}
