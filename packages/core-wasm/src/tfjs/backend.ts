// The fallback backend: the Backend contract on tfjs-core's WebAssembly backend (XNNPACK
// kernels, f32), for engines without WebAssembly SIMD where the wasm-simd backend cannot load.
// tfjs tensors are immutable, so a handle owns the current tf.Tensor2D and every write swaps
// in a new one and disposes the old: no op leaks a tensor, and aliasing (out === a) is free.
import * as tf from '@tensorflow/tfjs-core';
import {
  BackendError, type AdamParams, type Activation, type Backend, type GemmOptions, type LifParams, type Scope, type StdpParams, type Tensor,
} from '../backend.js';
import { DEFAULT_LEAKY_SLOPE } from '../activations.js';
import { hostInverse, hostLifStep } from '../host-ops.js';
import { hostStdpOuter } from '../stdp-ops.js';
import {
  checkActivation, checkColumnVector, checkData, checkFinite, checkRowVector, checkSize, gemmShape, sameShape, shape,
} from '../checks.js';
import { startTfjsWasm, type TfjsWasmOptions, configureTfjsWasm } from './load.js';

class TfjsTensor implements Tensor {
  readonly backend = 'tfjs-wasm' as const;
  constructor(
    readonly rows: number,
    readonly cols: number,
    /** Internal: the tensor's current contents; null once disposed or reset. */
    public value: tf.Tensor2D | null,
    readonly scope: Scope,
    readonly generation: number,
    readonly owner: TfjsWasmBackend,
  ) {}
}

export class TfjsWasmBackend implements Backend {
  readonly name = 'tfjs-wasm' as const;
  readonly precision = 'f32' as const;
  private generation = 0;
  private live = new Set<TfjsTensor>();

  /** Use `createTfjsWasmBackend()`: tfjs must have started on 'wasm' first. */
  constructor(readonly build: 'tfjs-wasm-simd' | 'tfjs-wasm') {}

  private get(t: Tensor, op: string, name = 'tensor'): tf.Tensor2D {
    if (!(t instanceof TfjsTensor)) {
      throw new BackendError(`${op}: ${name} was made by the '${t.backend}' backend, not 'tfjs-wasm'`);
    }
    if (t.owner !== this) throw new BackendError(`${op}: ${name} (${shape(t)}) was made by another tfjs-wasm backend instance`);
    if (t.scope === 'scratch' && t.generation !== this.generation) {
      throw new BackendError(`${op}: ${name} (${shape(t)}) is a scratch tensor from before the last resetScratch()`);
    }
    if (t.value === null) throw new BackendError(`${op}: ${name} (${shape(t)}) was disposed`);
    return t.value;
  }

  /** Swap in a new value; the old one is disposed only after the new one was computed from it. */
  private put(t: Tensor, next: tf.Tensor): void {
    const h = t as TfjsTensor;
    const old = h.value;
    h.value = next as tf.Tensor2D;
    old?.dispose();
  }

  // ---------------------------------------------------------------- memory
  zeros(rows: number, cols: number, scope: Scope = 'persistent'): Tensor {
    checkSize('zeros', rows, cols);
    const t = new TfjsTensor(rows, cols, tf.zeros([rows, cols]), scope, this.generation, this);
    this.live.add(t);
    return t;
  }

  fromArray(rows: number, cols: number, data: ArrayLike<number>, scope: Scope = 'persistent'): Tensor {
    checkSize('fromArray', rows, cols);
    if (data.length !== rows * cols) {
      throw new BackendError(`fromArray: data has ${data.length} values but the tensor is ${rows}×${cols} (${rows * cols} values)`);
    }
    const t = new TfjsTensor(rows, cols, tf.tensor2d(Float32Array.from(data), [rows, cols]), scope, this.generation, this);
    this.live.add(t);
    return t;
  }

  read(t: Tensor): Float32Array {
    // dataSync copies out of the wasm heap, so the caller owns the array.
    return this.get(t, 'read').dataSync() as Float32Array;
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    this.get(t, 'write');
    checkData('write', t, data);
    this.put(t, tf.tensor2d(Float32Array.from(data), [t.rows, t.cols]));
  }

  copy(src: Tensor, dst: Tensor): void {
    sameShape('copy', ['src', src], ['dst', dst]);
    const S = this.get(src, 'copy', 'src');
    this.get(dst, 'copy', 'dst');
    // clone shares the immutable data buffer (reference-counted), so this copies nothing.
    this.put(dst, S.clone());
  }

  dispose(t: Tensor): void {
    this.get(t, 'dispose').dispose();
    (t as TfjsTensor).value = null;
    this.live.delete(t as TfjsTensor);
  }

  resetScratch(): void {
    for (const t of this.live) {
      if (t.scope === 'scratch') {
        t.value?.dispose();
        t.value = null;
        this.live.delete(t);
      }
    }
    this.generation++;
  }

  bytesInUse(): number {
    let n = 0;
    for (const t of this.live) n += t.rows * t.cols * 4;
    return n;
  }

  // ---------------------------------------------------------------- linear algebra
  gemm(a: Tensor, b: Tensor, c: Tensor, opts: GemmOptions = {}): void {
    const transA = opts.transA ?? false;
    const transB = opts.transB ?? false;
    const alpha = opts.alpha ?? 1;
    const beta = opts.beta ?? 0;
    checkFinite('gemm', 'alpha', alpha);
    checkFinite('gemm', 'beta', beta);
    const [m, k, n] = gemmShape(a, b, c, transA, transB);
    const A = this.get(a, 'gemm', 'A');
    const B = this.get(b, 'gemm', 'B');
    const C = this.get(c, 'gemm', 'C');
    if (m === 0 || n === 0) return;
    this.put(c, tf.tidy(() => {
      let p: tf.Tensor2D;
      if (k === 0) {
        // XNNPACK rejects an empty inner dimension; the product is exactly zero.
        p = tf.zeros([m, n]);
      } else {
        // tfjs-wasm's matMul with transposeA/B leaves XNNPACK for a ~15× slower loop; an explicit
        // transpose followed by a plain matMul stays on XNNPACK (bench-transpose.ts: Xᵀ·D at
        // 128×784×256 is 14–20× faster this way, D·Wᵀ 6–16×; a BP epoch 4.5× per stack notes).
        p = tf.matMul(transA ? tf.transpose(A) : A, transB ? tf.transpose(B) : B);
      }
      if (alpha !== 1) p = tf.mul(p, alpha);
      // beta = 0 must not read C: it may hold NaN garbage, and 0·NaN is NaN.
      if (beta !== 0) p = tf.add(p, beta === 1 ? C : tf.mul(C, beta));
      return p;
    }));
  }

  addRowVector(x: Tensor, bias: Tensor, out: Tensor): void {
    sameShape('addRowVector', ['x', x], ['out', out]);
    checkRowVector('addRowVector', 'bias', bias, x.cols);
    const X = this.get(x, 'addRowVector', 'x');
    const Bv = this.get(bias, 'addRowVector', 'bias');
    this.get(out, 'addRowVector', 'out');
    if (x.rows * x.cols === 0) return;
    this.put(out, tf.add(X, Bv));
  }

  scaleRows(x: Tensor, s: Tensor, out: Tensor): void {
    sameShape('scaleRows', ['x', x], ['out', out]);
    checkColumnVector('scaleRows', 's', s, x.rows);
    const X = this.get(x, 'scaleRows', 'x');
    const S = this.get(s, 'scaleRows', 's');
    this.get(out, 'scaleRows', 'out');
    if (x.rows * x.cols === 0) return;
    this.put(out, tf.mul(X, S));
  }

  sumRows(x: Tensor, out: Tensor, alpha = 1, beta = 0): void {
    checkRowVector('sumRows', 'out', out, x.cols);
    checkFinite('sumRows', 'alpha', alpha);
    checkFinite('sumRows', 'beta', beta);
    const X = this.get(x, 'sumRows', 'x');
    const O = this.get(out, 'sumRows', 'out');
    if (x.cols === 0) return;
    this.put(out, tf.tidy(() => {
      // A sum over zero rows reads garbage in tfjs-wasm; the empty sum is 0.
      let s: tf.Tensor2D = x.rows === 0 ? tf.zeros([1, x.cols]) : tf.sum(X, 0, true);
      if (alpha !== 1) s = tf.mul(s, alpha);
      if (beta !== 0) s = tf.add(s, beta === 1 ? O : tf.mul(O, beta));
      return s;
    }));
  }

  // ---------------------------------------------------------------- activations
  activation(kind: Activation, x: Tensor, out: Tensor, param = DEFAULT_LEAKY_SLOPE): void {
    checkActivation('activation', kind);
    sameShape('activation', ['x', x], ['out', out]);
    checkFinite('activation', 'param', param);
    const X = this.get(x, 'activation', 'x');
    this.get(out, 'activation', 'out');
    if (x.rows * x.cols === 0) return;
    this.put(out, tf.tidy(() => {
      switch (kind) {
        case 'linear': return X.clone();
        case 'relu': return tf.relu(X);
        case 'leaky-relu': return tf.leakyRelu(X, param);
        case 'tanh': return tf.tanh(X);
        case 'sigmoid': return tf.sigmoid(X);
        case 'softplus': return tf.softplus(X);
      }
    }));
  }

  activationGrad(kind: Activation, z: Tensor, dy: Tensor, out: Tensor, param = DEFAULT_LEAKY_SLOPE): void {
    checkActivation('activationGrad', kind);
    sameShape('activationGrad', ['z', z], ['dy', dy], ['out', out]);
    checkFinite('activationGrad', 'param', param);
    const Z = this.get(z, 'activationGrad', 'z');
    const D = this.get(dy, 'activationGrad', 'dy');
    this.get(out, 'activationGrad', 'out');
    if (z.rows * z.cols === 0) return;
    this.put(out, tf.tidy(() => {
      switch (kind) {
        case 'linear': return D.clone();
        // Derivative conventions at 0 follow activations.ts: relu′(0) = 0, leaky-relu′(0) = 1.
        case 'relu': return tf.mul(D, tf.cast(tf.greater(Z, 0), 'float32'));
        case 'leaky-relu': return tf.where(tf.greaterEqual(Z, 0), D, tf.mul(D, param));
        case 'tanh': { const t = tf.tanh(Z); return tf.mul(D, tf.sub(1, tf.square(t))); }
        case 'sigmoid': { const s = tf.sigmoid(Z); return tf.mul(D, tf.mul(s, tf.sub(1, s))); }
        case 'softplus': return tf.mul(D, tf.sigmoid(Z));
      }
    }));
  }

  softmaxCrossEntropy(logits: Tensor, targets: Tensor, probs: Tensor, grad?: Tensor): number {
    sameShape('softmaxCrossEntropy', ['logits', logits], ['targets', targets], ['probs', probs]);
    if (grad) sameShape('softmaxCrossEntropy', ['logits', logits], ['grad', grad]);
    const Z = this.get(logits, 'softmaxCrossEntropy', 'logits');
    const T = this.get(targets, 'softmaxCrossEntropy', 'targets');
    this.get(probs, 'softmaxCrossEntropy', 'probs');
    if (grad) this.get(grad, 'softmaxCrossEntropy', 'grad');
    const { rows, cols } = logits;
    if (rows === 0 || cols === 0) return 0;
    const [P, G, total] = tf.tidy(() => {
      // log-sum-exp with the row max subtracted, so ±1000 logits neither overflow nor give 0/0.
      const shifted = tf.sub(Z, tf.max(Z, 1, true));
      const logP = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
      const p = tf.exp(logP);
      // Zero targets contribute nothing even where log p = −∞ (0·−∞ would be NaN).
      const terms = tf.where(tf.notEqual(T, 0), tf.mul(T, logP), tf.zerosLike(logP));
      return [p, grad ? tf.sub(p, T) : null, tf.neg(tf.sum(terms))] as const;
    });
    this.put(probs, P);
    if (grad && G) this.put(grad, G);
    const loss = total.dataSync()[0];
    total.dispose();
    return loss / rows;
  }

  // ---------------------------------------------------------------- elementwise
  private zip(
    op: string, a: Tensor, b: Tensor, out: Tensor, f: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor,
    [an, bn, on] = ['a', 'b', 'out'],
  ): void {
    sameShape(op, [an, a], [bn, b], [on, out]);
    const A = this.get(a, op, an);
    const B = this.get(b, op, bn);
    this.get(out, op, on);
    if (a.rows * a.cols === 0) return;
    this.put(out, tf.tidy(() => f(A, B)));
  }

  private map(op: string, x: Tensor, out: Tensor, f: (x: tf.Tensor2D) => tf.Tensor): void {
    sameShape(op, ['x', x], ['out', out]);
    const X = this.get(x, op, 'x');
    this.get(out, op, 'out');
    if (x.rows * x.cols === 0) return;
    this.put(out, tf.tidy(() => f(X)));
  }

  mul(a: Tensor, b: Tensor, out: Tensor): void { this.zip('mul', a, b, out, tf.mul); }
  add(a: Tensor, b: Tensor, out: Tensor): void { this.zip('add', a, b, out, tf.add); }
  sub(a: Tensor, b: Tensor, out: Tensor): void { this.zip('sub', a, b, out, tf.sub); }

  axpy(alpha: number, x: Tensor, y: Tensor): void {
    checkFinite('axpy', 'alpha', alpha);
    this.zip('axpy', x, y, y, (X, Y) => tf.add(Y, alpha === 1 ? X : tf.mul(X, alpha)), ['x', 'y', 'y']);
  }

  scale(x: Tensor, alpha: number, out: Tensor): void {
    checkFinite('scale', 'alpha', alpha);
    this.map('scale', x, out, (X) => tf.mul(X, alpha));
  }

  clip(x: Tensor, lo: number, hi: number, out: Tensor): void {
    if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
      throw new BackendError(`clip: bounds [${lo}, ${hi}] are not valid; need lo ≤ hi`);
    }
    this.map('clip', x, out, (X) => tf.clipByValue(X, lo, hi));
  }

  sign(x: Tensor, out: Tensor): void {
    // Not tf.sign: tfjs-wasm's Sign returns 0 for |x| below ~1.2e-7, and the contract is the exact sign.
    this.map('sign', x, out, (X) => tf.sub(tf.cast(tf.greater(X, 0), 'float32'), tf.cast(tf.less(X, 0), 'float32')));
  }

  fill(t: Tensor, value: number): void {
    this.get(t, 'fill');
    this.put(t, tf.fill([t.rows, t.cols], value, 'float32'));
  }

  traceDecay(tr: Tensor, x: Tensor, decay: number): void {
    checkFinite('traceDecay', 'decay', decay);
    this.zip('traceDecay', tr, x, tr, (T, X) => tf.add(tf.mul(T, decay), X), ['tr', 'x', 'tr']);
  }

  adamStep(w: Tensor, g: Tensor, m: Tensor, v: Tensor, p: AdamParams): void {
    sameShape('adamStep', ['w', w], ['g', g], ['m', m], ['v', v]);
    for (const k of ['lr', 'beta1', 'beta2', 'eps', 'correction1', 'correction2'] as const) checkFinite('adamStep', k, p[k]);
    const W = this.get(w, 'adamStep', 'w');
    const G = this.get(g, 'adamStep', 'g');
    const M = this.get(m, 'adamStep', 'm');
    const V = this.get(v, 'adamStep', 'v');
    if (w.rows * w.cols === 0) return;
    // Kingma & Ba 2015, Algorithm 1, with the bias corrections passed in by the caller.
    const [M2, V2, W2] = tf.tidy(() => {
      const m2 = tf.add(tf.mul(M, p.beta1), tf.mul(G, 1 - p.beta1));
      const v2 = tf.add(tf.mul(V, p.beta2), tf.mul(tf.square(G), 1 - p.beta2));
      const step = tf.div(tf.mul(m2, p.lr / p.correction1), tf.add(tf.sqrt(tf.div(v2, p.correction2)), p.eps));
      return [m2, v2, tf.sub(W, step)] as const;
    });
    this.put(m, M2);
    this.put(v, V2);
    this.put(w, W2);
  }

  // ---------------------------------------------------------------- reductions to the host
  // Correct but copying stand-ins (host-ops.ts) until this backend has fused kernels for them.
  lifStep(v: Tensor, input: Tensor, spikes: Tensor, trace: Tensor, p: LifParams, surrogate?: Tensor): void {
    hostLifStep(this, v, input, spikes, trace, p, surrogate);
  }

  inverse(a: Tensor, out: Tensor): number {
    return hostInverse(this, a, out);
  }

  stdpOuter(pre: Tensor, post: Tensor, gate: Tensor, out: Tensor, p: StdpParams): void {
    hostStdpOuter(this, pre, post, gate, out, p);
  }

  argmaxRows(x: Tensor): Int32Array {
    const X = this.get(x, 'argmaxRows');
    if (x.rows === 0 || x.cols === 0) return new Int32Array(x.rows);
    const idx = tf.argMax(X, 1);
    const out = idx.dataSync() as Int32Array;
    idx.dispose();
    return out;
  }

  sumSquares(x: Tensor): number {
    const X = this.get(x, 'sumSquares');
    if (x.rows * x.cols === 0) return 0;
    return this.scalar(() => tf.sum(tf.square(X)));
  }

  dot(a: Tensor, b: Tensor): number {
    sameShape('dot', ['a', a], ['b', b]);
    const A = this.get(a, 'dot', 'a');
    const B = this.get(b, 'dot', 'b');
    if (a.rows * a.cols === 0) return 0;
    return this.scalar(() => tf.sum(tf.mul(A, B)));
  }

  private scalar(f: () => tf.Tensor): number {
    const s = tf.tidy(f);
    const v = s.dataSync()[0];
    s.dispose();
    return v;
  }
}

/** A tfjs-wasm backend; starts tfjs on its wasm backend first (once per process). */
export async function createTfjsWasmBackend(opts?: TfjsWasmOptions): Promise<TfjsWasmBackend> {
  if (opts) configureTfjsWasm(opts);
  const { simd } = await startTfjsWasm();
  return new TfjsWasmBackend(simd ? 'tfjs-wasm-simd' : 'tfjs-wasm');
}
