// The inverse model g_l⁻¹(y) = (f⁻¹(y) − b_l) W_l⁻ᵀ that carries targets down (Ahmad et al.
// 2020, Sec. 3; authors' `inv_layer.py: inverse`), with W_l⁻¹ refreshed after every update:
// by LU with partial pivoting (backend.inverse), or by Newton–Schulz steps X ← X + X(I − W X)
// from the previous inverse with an LU every `luEvery` steps and whenever they do not converge.
import { BackendError, type Backend, type Tensor } from '@plasticity/core-wasm';
import { RuleDivergenceError } from '../../engine/rule.js';
import type { Network } from '../../network/network.js';

export type InverseMethod = 'lu' | 'newton';

export interface InverseSettings {
  method: InverseMethod;
  /** Stop (diverged) when min|pivot|/max|pivot| of a layer's LU falls below this. */
  minPivotRatio: number;
  /** Newton–Schulz: RMS of I − W X that counts as converged. */
  newtonTol: number;
  newtonMaxIter: number;
  /** Newton–Schulz: a full LU (and pivot check) every this many refreshes. */
  luEvery: number;
}

/** One layer l ≥ 1: the square block A = W_l[:, :n_l] (all of W_l unless the layer truncates its input). */
export interface LayerInverse {
  readonly layer: number;
  readonly n: number;
  /** Columns of W_l (the previous layer's width); > n for a truncated tower layer. */
  readonly inSize: number;
  /** A⁻¹ (n × n). */
  readonly inv: Tensor;
  /** Truncated layers: [A⁻ᵀ | 0] (n × inSize), the matrix the targets are multiplied by. */
  readonly padded: Tensor | null;
  /** Truncated layers: A copied out of W_l (n × n). */
  readonly block: Tensor | null;
  /** Newton–Schulz scratch (n × n): W X and I − W X. */
  readonly P: Tensor | null;
  readonly E: Tensor | null;
  readonly I: Tensor | null;
  /** Last LU's pivot ratio, last residual RMS of I − A·A⁻¹ (NaN when not measured), refreshes so far. */
  pivotRatio: number;
  residual: number;
  refreshes: number;
  newtonIterations: number;
}

export function makeLayerInverses(net: Network, method: InverseMethod): LayerInverse[] {
  const be = net.backend;
  const out: LayerInverse[] = [];
  for (let l = 1; l < net.depth; l++) {
    const { outSize: n, inSize } = net.layers[l];
    const truncated = inSize !== n;
    let I: Tensor | null = null;
    if (method === 'newton') {
      const eye = new Float64Array(n * n);
      for (let i = 0; i < n; i++) eye[i * n + i] = 1;
      I = be.fromArray(n, n, eye);
    }
    out.push({
      layer: l, n, inSize,
      inv: be.zeros(n, n),
      padded: truncated ? be.zeros(n, inSize) : null,
      block: truncated ? be.zeros(n, n) : null,
      P: method === 'newton' ? be.zeros(n, n) : null,
      E: method === 'newton' ? be.zeros(n, n) : null,
      I,
      pivotRatio: NaN,
      residual: NaN,
      refreshes: 0,
      newtonIterations: 0,
    });
  }
  return out;
}

export function disposeLayerInverses(be: Backend, invs: LayerInverse[]): void {
  for (const li of invs) for (const t of [li.inv, li.padded, li.block, li.P, li.E, li.I]) if (t) be.dispose(t);
}

/** W_l⁻¹ (or its block's) for the current weights; throws RuleDivergenceError naming the layer when near-singular. */
export function refreshInverse(net: Network, li: LayerInverse, s: InverseSettings): void {
  const be = net.backend;
  const W = net.layers[li.layer].W;
  let A = W;
  if (li.block) {
    copyBlock(be, W, li.n, li.block);
    A = li.block;
  }
  const first = li.refreshes === 0;
  li.refreshes++;
  let done = false;
  if (s.method === 'newton' && !first && (li.refreshes - 1) % s.luEvery !== 0) done = newtonSchulz(be, A, li, s);
  if (!done) {
    let ratio: number;
    try {
      ratio = be.inverse(A, li.inv);
    } catch (e) {
      if (e instanceof BackendError) {
        throw new RuleDivergenceError(li.layer, `layer ${li.layer}: the weight matrix is singular, so its inverse model is undefined (${e.message})`);
      }
      throw e;
    }
    li.pivotRatio = ratio;
    if (!(ratio >= s.minPivotRatio)) {
      throw new RuleDivergenceError(
        li.layer,
        `layer ${li.layer}: the weight matrix is near-singular (LU pivot ratio ${ratio.toExponential(2)} < minPivotRatio ${s.minPivotRatio}); ` +
          'its inverse model would be garbage — raise the orthogonality regulariser (orthoReg) or lower the learning rate',
      );
    }
  }
  if (li.padded) writePaddedInverseT(be, li);
}

/** RMS of I − A·A⁻¹ for a layer's current inverse (an n³ check, for diagnostics and tests). */
export function inverseResidual(net: Network, li: LayerInverse): number {
  const be = net.backend;
  const W = net.layers[li.layer].W;
  let A = W;
  if (li.block) {
    copyBlock(be, W, li.n, li.block);
    A = li.block;
  }
  const P = be.zeros(li.n, li.n);
  be.gemm(A, li.inv, P);
  const p = be.read(P);
  be.dispose(P);
  let ss = 0;
  for (let i = 0; i < li.n; i++) {
    for (let j = 0; j < li.n; j++) {
      const e = (i === j ? 1 : 0) - p[i * li.n + j];
      ss += e * e;
    }
  }
  return Math.sqrt(ss / (li.n * li.n));
}

/** X ← X + X(I − A X) until RMS(I − A X) < tol; false when it does not get there (then LU takes over). */
function newtonSchulz(be: Backend, A: Tensor, li: LayerInverse, s: InverseSettings): boolean {
  const X = li.inv;
  const P = li.P!;
  const E = li.E!;
  const nn = li.n * li.n;
  let prev = Infinity;
  for (let it = 0; it <= s.newtonMaxIter; it++) {
    be.gemm(A, X, P);
    be.sub(li.I!, P, E);
    const rms = Math.sqrt(be.sumSquares(E) / nn);
    if (!Number.isFinite(rms) || rms >= prev || rms > 0.5) return false; // diverging or too far for quadratic convergence
    li.residual = rms;
    if (rms < s.newtonTol) return true;
    if (it === s.newtonMaxIter) return false;
    be.gemm(X, E, P);
    be.add(X, P, X);
    li.newtonIterations++;
    prev = rms;
  }
  return false;
}

function copyBlock(be: Backend, W: Tensor, n: number, block: Tensor): void {
  const w = be.read(W);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = w[i * W.cols + j];
  be.write(block, a);
}

/** padded ← [A⁻ᵀ | 0], so that targets = v · padded (the auxiliary columns get their activity added after). */
function writePaddedInverseT(be: Backend, li: LayerInverse): void {
  const x = be.read(li.inv);
  const n = li.n;
  const p = new Float64Array(n * li.inSize);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) p[i * li.inSize + j] = x[j * n + i];
  be.write(li.padded!, p);
}
