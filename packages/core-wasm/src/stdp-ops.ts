// Backend.stdpOuter written once in float64 on host arrays: the reference backend's
// implementation and the copying stand-in of the tfjs backend. The wasm-simd backend runs the
// fused kernel in assembly/stdp.ts instead.
import { BackendError, type Backend, type StdpParams, type Tensor } from './backend.js';
import { checkFinite, shape } from './checks.js';

export function checkStdpOuter(pre: Tensor, post: Tensor, gate: Tensor, out: Tensor, p: StdpParams): void {
  for (const k of ['window', 'aPlus', 'aMinus', 'tauPlus', 'tauMinus'] as const) checkFinite('stdpOuter', k, p[k]);
  if (p.alpha !== undefined) checkFinite('stdpOuter', 'alpha', p.alpha);
  if (p.beta !== undefined) checkFinite('stdpOuter', 'beta', p.beta);
  if (!(p.tauPlus > 0) || !(p.tauMinus > 0)) {
    throw new BackendError(`stdpOuter: tauPlus and tauMinus must be positive, got ${p.tauPlus} and ${p.tauMinus}`);
  }
  if (post.rows !== pre.rows || gate.rows !== pre.rows || gate.cols !== post.cols || out.rows !== post.cols || out.cols !== pre.cols) {
    throw new BackendError(
      `stdpOuter: expected pre n×D, post and gate n×H, out H×D; got pre ${shape(pre)}, post ${shape(post)}, gate ${shape(gate)}, out ${shape(out)}`,
    );
  }
  if (out === pre || out === post || out === gate) throw new BackendError('stdpOuter: out must not be the same tensor as an input');
}

/** stdpOuter on host arrays (n × d pre, n × h post and gate, h × d out), in float64. */
export function stdpOuterArrays(
  n: number, d: number, h: number,
  pre: ArrayLike<number>, post: ArrayLike<number>, gate: ArrayLike<number>, out: Float64Array | Float32Array, p: StdpParams,
): void {
  const alpha = p.alpha ?? 1;
  const beta = p.beta ?? 0;
  if (beta === 0) out.fill(0);
  else if (beta !== 1) for (let i = 0; i < out.length; i++) out[i] *= beta;
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < h; m++) {
      const g = gate[i * h + m];
      if (g === 0) continue;
      const c = alpha * g;
      const tp = p.window * post[i * h + m];
      const row = m * d;
      for (let j = 0; j < d; j++) {
        const dt = p.window * pre[i * d + j] - tp;
        out[row + j] += c * (dt >= 0 ? p.aPlus * Math.exp(-dt / p.tauPlus) : -p.aMinus * Math.exp(dt / p.tauMinus));
      }
    }
  }
}

export function hostStdpOuter(be: Backend, pre: Tensor, post: Tensor, gate: Tensor, out: Tensor, p: StdpParams): void {
  checkStdpOuter(pre, post, gate, out, p);
  const o = (p.beta ?? 0) === 0 ? new Float64Array(out.rows * out.cols) : Float64Array.from(be.read(out));
  stdpOuterArrays(pre.rows, pre.cols, post.cols, be.read(pre), be.read(post), be.read(gate), o, p);
  be.write(out, o);
}
