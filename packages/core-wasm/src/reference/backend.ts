// Plain-JS float64 backend: the oracle every other backend and every rule is checked
// against. Written for clarity, not speed.
import {
  BackendError, type AdamParams, type Activation, type Backend, type GemmOptions, type LifParams, type Scope, type StdpParams, type Tensor,
} from '../backend.js';
import { activate, derivative, DEFAULT_LEAKY_SLOPE } from '../activations.js';
import { checkLifParams, invertArray, lifStepArrays } from '../host-ops.js';
import { checkStdpOuter, stdpOuterArrays } from '../stdp-ops.js';
import {
  checkActivation, checkColumnVector, checkData, checkFinite, checkRowVector, checkSize, gemmShape, sameShape, shape,
} from '../checks.js';

class RefTensor implements Tensor {
  readonly backend = 'reference' as const;
  constructor(
    readonly rows: number,
    readonly cols: number,
    public data: Float64Array | null,
    readonly scope: Scope,
    readonly generation: number,
    readonly owner: ReferenceBackend,
  ) {}
}

export class ReferenceBackend implements Backend {
  readonly name = 'reference' as const;
  readonly build = 'f64';
  readonly precision = 'f64' as const;
  private generation = 0;
  private live = new Set<RefTensor>();

  private get(t: Tensor, op: string, name = 'tensor'): Float64Array {
    if (!(t instanceof RefTensor)) {
      throw new BackendError(`${op}: ${name} was made by the '${t.backend}' backend, not 'reference'`);
    }
    if (t.owner !== this) throw new BackendError(`${op}: ${name} was made by another reference backend instance`);
    if (t.scope === 'scratch' && t.generation !== this.generation) {
      throw new BackendError(`${op}: ${name} (${shape(t)}) is a scratch tensor from before the last resetScratch()`);
    }
    if (t.data === null) throw new BackendError(`${op}: ${name} (${shape(t)}) was disposed`);
    return t.data;
  }

  zeros(rows: number, cols: number, scope: Scope = 'persistent'): Tensor {
    checkSize('zeros', rows, cols);
    const t = new RefTensor(rows, cols, new Float64Array(rows * cols), scope, this.generation, this);
    this.live.add(t);
    return t;
  }

  fromArray(rows: number, cols: number, data: ArrayLike<number>, scope: Scope = 'persistent'): Tensor {
    checkSize('fromArray', rows, cols);
    if (data.length !== rows * cols) {
      throw new BackendError(`fromArray: data has ${data.length} values but the tensor is ${rows}×${cols} (${rows * cols} values)`);
    }
    const t = this.zeros(rows, cols, scope);
    this.write(t, data);
    return t;
  }

  read(t: Tensor): Float64Array {
    return this.get(t, 'read').slice();
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    const d = this.get(t, 'write');
    checkData('write', t, data);
    for (let i = 0; i < d.length; i++) d[i] = data[i];
  }

  copy(src: Tensor, dst: Tensor): void {
    sameShape('copy', ['src', src], ['dst', dst]);
    this.get(dst, 'copy', 'dst').set(this.get(src, 'copy', 'src'));
  }

  dispose(t: Tensor): void {
    this.get(t, 'dispose');
    (t as RefTensor).data = null;
    this.live.delete(t as RefTensor);
  }

  resetScratch(): void {
    for (const t of this.live) {
      if (t.scope === 'scratch') { t.data = null; this.live.delete(t); }
    }
    this.generation++;
  }

  bytesInUse(): number {
    let n = 0;
    for (const t of this.live) n += t.rows * t.cols * 8;
    return n;
  }

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
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? A[p * a.cols + i] : A[i * a.cols + p];
          const bv = transB ? B[j * b.cols + p] : B[p * b.cols + j];
          s += av * bv;
        }
        C[i * n + j] = beta === 0 ? alpha * s : alpha * s + beta * C[i * n + j];
      }
    }
  }

  addRowVector(x: Tensor, bias: Tensor, out: Tensor): void {
    sameShape('addRowVector', ['x', x], ['out', out]);
    checkRowVector('addRowVector', 'bias', bias, x.cols);
    const X = this.get(x, 'addRowVector', 'x');
    const Bv = this.get(bias, 'addRowVector', 'bias');
    const O = this.get(out, 'addRowVector', 'out');
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < x.cols; j++) O[i * x.cols + j] = X[i * x.cols + j] + Bv[j];
    }
  }

  scaleRows(x: Tensor, s: Tensor, out: Tensor): void {
    sameShape('scaleRows', ['x', x], ['out', out]);
    checkColumnVector('scaleRows', 's', s, x.rows);
    const X = this.get(x, 'scaleRows', 'x');
    const S = this.get(s, 'scaleRows', 's');
    const O = this.get(out, 'scaleRows', 'out');
    for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) O[i * x.cols + j] = S[i] * X[i * x.cols + j];
  }

  sumRows(x: Tensor, out: Tensor, alpha = 1, beta = 0): void {
    checkFinite('sumRows', 'alpha', alpha);
    checkFinite('sumRows', 'beta', beta);
    checkRowVector('sumRows', 'out', out, x.cols);
    const X = this.get(x, 'sumRows', 'x');
    const O = this.get(out, 'sumRows', 'out');
    for (let j = 0; j < x.cols; j++) {
      let s = 0;
      for (let i = 0; i < x.rows; i++) s += X[i * x.cols + j];
      O[j] = beta === 0 ? alpha * s : alpha * s + beta * O[j];
    }
  }

  activation(kind: Activation, x: Tensor, out: Tensor, param = DEFAULT_LEAKY_SLOPE): void {
    checkActivation('activation', kind);
    checkFinite('activation', 'param', param);
    sameShape('activation', ['x', x], ['out', out]);
    const X = this.get(x, 'activation', 'x');
    const O = this.get(out, 'activation', 'out');
    for (let i = 0; i < X.length; i++) O[i] = activate(kind, X[i], param);
  }

  activationGrad(kind: Activation, z: Tensor, dy: Tensor, out: Tensor, param = DEFAULT_LEAKY_SLOPE): void {
    checkActivation('activationGrad', kind);
    checkFinite('activationGrad', 'param', param);
    sameShape('activationGrad', ['z', z], ['dy', dy], ['out', out]);
    const Z = this.get(z, 'activationGrad', 'z');
    const D = this.get(dy, 'activationGrad', 'dy');
    const O = this.get(out, 'activationGrad', 'out');
    for (let i = 0; i < Z.length; i++) O[i] = D[i] * derivative(kind, Z[i], param);
  }

  softmaxCrossEntropy(logits: Tensor, targets: Tensor, probs: Tensor, grad?: Tensor): number {
    sameShape('softmaxCrossEntropy', ['logits', logits], ['targets', targets], ['probs', probs]);
    if (grad) sameShape('softmaxCrossEntropy', ['logits', logits], ['grad', grad]);
    const Z = this.get(logits, 'softmaxCrossEntropy', 'logits');
    const T = this.get(targets, 'softmaxCrossEntropy', 'targets');
    const P = this.get(probs, 'softmaxCrossEntropy', 'probs');
    const G = grad ? this.get(grad, 'softmaxCrossEntropy', 'grad') : null;
    const { rows, cols } = logits;
    let loss = 0;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      let max = -Infinity;
      for (let j = 0; j < cols; j++) max = Math.max(max, Z[o + j]);
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += Math.exp(Z[o + j] - max);
      const logSum = Math.log(sum);
      for (let j = 0; j < cols; j++) {
        const logP = Z[o + j] - max - logSum;
        const t = T[o + j];
        if (t !== 0) loss -= t * logP;
        const p = Math.exp(logP);
        P[o + j] = p;
        if (G) G[o + j] = p - t;
      }
    }
    return rows > 0 ? loss / rows : 0;
  }

  private zip(
    op: string, a: Tensor, b: Tensor, out: Tensor, f: (x: number, y: number) => number, names: [string, string, string] = ['a', 'b', 'out'],
  ): void {
    sameShape(op, [names[0], a], [names[1], b], [names[2], out]);
    const A = this.get(a, op, names[0]);
    const B = this.get(b, op, names[1]);
    const O = this.get(out, op, names[2]);
    for (let i = 0; i < A.length; i++) O[i] = f(A[i], B[i]);
  }

  private map(op: string, x: Tensor, out: Tensor, f: (x: number) => number): void {
    sameShape(op, ['x', x], ['out', out]);
    const X = this.get(x, op, 'x');
    const O = this.get(out, op, 'out');
    for (let i = 0; i < X.length; i++) O[i] = f(X[i]);
  }

  mul(a: Tensor, b: Tensor, out: Tensor): void { this.zip('mul', a, b, out, (x, y) => x * y); }
  add(a: Tensor, b: Tensor, out: Tensor): void { this.zip('add', a, b, out, (x, y) => x + y); }
  sub(a: Tensor, b: Tensor, out: Tensor): void { this.zip('sub', a, b, out, (x, y) => x - y); }

  axpy(alpha: number, x: Tensor, y: Tensor): void {
    checkFinite('axpy', 'alpha', alpha);
    this.zip('axpy', x, y, y, (xv, yv) => yv + alpha * xv, ['x', 'y', 'y']);
  }

  scale(x: Tensor, alpha: number, out: Tensor): void {
    checkFinite('scale', 'alpha', alpha);
    this.map('scale', x, out, (v) => alpha * v);
  }

  clip(x: Tensor, lo: number, hi: number, out: Tensor): void {
    if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
      throw new BackendError(`clip: bounds [${lo}, ${hi}] are not valid; need lo ≤ hi`);
    }
    this.map('clip', x, out, (v) => Math.min(Math.max(v, lo), hi));
  }

  sign(x: Tensor, out: Tensor): void { this.map('sign', x, out, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0)); }

  fill(t: Tensor, value: number): void { this.get(t, 'fill').fill(value); }

  traceDecay(tr: Tensor, x: Tensor, decay: number): void {
    checkFinite('traceDecay', 'decay', decay);
    this.zip('traceDecay', tr, x, tr, (t, v) => decay * t + v, ['tr', 'x', 'tr']);
  }

  adamStep(w: Tensor, g: Tensor, m: Tensor, v: Tensor, p: AdamParams): void {
    sameShape('adamStep', ['w', w], ['g', g], ['m', m], ['v', v]);
    for (const k of ['lr', 'beta1', 'beta2', 'eps', 'correction1', 'correction2'] as const) checkFinite('adamStep', k, p[k]);
    const W = this.get(w, 'adamStep', 'w');
    const G = this.get(g, 'adamStep', 'g');
    const M = this.get(m, 'adamStep', 'm');
    const V = this.get(v, 'adamStep', 'v');
    for (let i = 0; i < W.length; i++) {
      M[i] = p.beta1 * M[i] + (1 - p.beta1) * G[i];
      V[i] = p.beta2 * V[i] + (1 - p.beta2) * G[i] * G[i];
      W[i] -= (p.lr * (M[i] / p.correction1)) / (Math.sqrt(V[i] / p.correction2) + p.eps);
    }
  }

  lifStep(v: Tensor, input: Tensor, spikes: Tensor, trace: Tensor, p: LifParams, surrogate?: Tensor): void {
    checkLifParams(p);
    sameShape('lifStep', ['v', v], ['input', input], ['spikes', spikes], ['trace', trace]);
    if (surrogate) sameShape('lifStep', ['v', v], ['surrogate', surrogate]);
    lifStepArrays(
      this.get(v, 'lifStep', 'v'), this.get(input, 'lifStep', 'input'), this.get(spikes, 'lifStep', 'spikes'),
      this.get(trace, 'lifStep', 'trace'), p, surrogate ? this.get(surrogate, 'lifStep', 'surrogate') : undefined,
    );
  }

  inverse(a: Tensor, out: Tensor): number {
    if (a.rows !== a.cols) throw new BackendError(`inverse: the matrix must be square, got ${shape(a)}`);
    sameShape('inverse', ['a', a], ['out', out]);
    if (a === out) throw new BackendError('inverse: out must not be the same tensor as a');
    return invertArray(this.get(a, 'inverse', 'a'), a.rows, this.get(out, 'inverse', 'out'));
  }

  stdpOuter(pre: Tensor, post: Tensor, gate: Tensor, out: Tensor, p: StdpParams): void {
    checkStdpOuter(pre, post, gate, out, p);
    stdpOuterArrays(
      pre.rows, pre.cols, post.cols, this.get(pre, 'stdpOuter', 'pre'), this.get(post, 'stdpOuter', 'post'),
      this.get(gate, 'stdpOuter', 'gate'), this.get(out, 'stdpOuter', 'out'), p,
    );
  }

  argmaxRows(x: Tensor): Int32Array {
    const X = this.get(x, 'argmaxRows');
    const out = new Int32Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let best = 0;
      for (let j = 1; j < x.cols; j++) if (X[i * x.cols + j] > X[i * x.cols + best]) best = j;
      out[i] = best;
    }
    return out;
  }

  sumSquares(x: Tensor): number {
    let s = 0;
    for (const v of this.get(x, 'sumSquares')) s += v * v;
    return s;
  }

  dot(a: Tensor, b: Tensor): number {
    sameShape('dot', ['a', a], ['b', b]);
    const A = this.get(a, 'dot', 'a');
    const B = this.get(b, 'dot', 'b');
    let s = 0;
    for (let i = 0; i < A.length; i++) s += A[i] * B[i];
    return s;
  }
}
