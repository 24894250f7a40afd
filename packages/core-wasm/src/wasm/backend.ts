// The wasm-simd backend: tensors live in one WebAssembly.Memory owned by an Arena, ops
// call the AssemblyScript kernels with byte offsets. Nothing is copied per op; views on
// the memory are made on access (a view cached across memory.grow would read as empty).
import {
  BackendError, type AdamParams, type Activation, type Backend, type GemmOptions, type LifParams, type Scope, type StdpParams, type Tensor,
} from '../backend.js';
import { DEFAULT_LEAKY_SLOPE } from '../activations.js';
import { checkLifParams, hostInverse } from '../host-ops.js';
import { checkStdpOuter } from '../stdp-ops.js';
import {
  checkActivation, checkColumnVector, checkData, checkFinite, checkRowVector, checkSize, gemmShape, sameShape, shape,
} from '../checks.js';
import { Arena } from './arena.js';
import { family, type GradKernel, type KernelExports, type KernelFamily, type UnaryKernel } from './kernels.js';
import { loadWasmKernels, type LoadOptions, type WasmBuild, type WasmKernels } from './loader.js';

export type WasmSimdOptions = LoadOptions;

class WasmTensor implements Tensor {
  readonly backend = 'wasm-simd' as const;
  disposed = false;
  constructor(
    readonly owner: object,
    readonly rows: number,
    readonly cols: number,
    readonly offset: number,
    readonly scope: Scope,
    readonly generation: number,
  ) {}
}

export class WasmSimdBackend implements Backend {
  readonly name = 'wasm-simd' as const;
  readonly precision = 'f32' as const;
  readonly build: WasmBuild;
  private readonly kernels: WasmKernels;
  private readonly k: KernelExports;
  private readonly f: KernelFamily;
  private readonly arena: Arena;
  private readonly work: number;
  private generation = 0;
  private persistentBytes = 0;
  private scratchBytes = 0;
  private io = { off: 0, bytes: 0 };
  private readonly forward: Record<Activation, UnaryKernel | null>;
  private readonly backward: Record<Activation, GradKernel | null>;

  constructor(kernels: WasmKernels) {
    this.kernels = kernels;
    this.build = kernels.build;
    this.k = kernels.exports;
    this.f = family(this.k, 'simd');
    this.arena = new Arena(kernels.memory, this.k.heap_base());
    this.work = this.arena.alloc(this.k.f32_gemm_workspace_bytes());
    const f = this.f;
    this.forward = { linear: null, relu: f.vrelu, 'leaky-relu': f.vlrelu, tanh: f.vtanh, sigmoid: f.vsigmoid, softplus: f.vsoftplus };
    this.backward = {
      linear: null, relu: f.vrelu_grad, 'leaky-relu': f.vlrelu_grad, tanh: f.vtanh_grad, sigmoid: f.vsigmoid_grad, softplus: f.vsoftplus_grad,
    };
  }

  /** Byte offset of a live tensor of this backend, or a BackendError naming the op and argument. */
  private get(t: Tensor, op: string, name = 'tensor'): number {
    if (!(t instanceof WasmTensor) || t.owner !== this) {
      const from = t instanceof WasmTensor ? 'another wasm-simd backend instance' : `the '${t.backend}' backend`;
      throw new BackendError(`${op}: ${name} was made by ${from}, not this 'wasm-simd' backend`);
    }
    if (t.scope === 'scratch' && t.generation !== this.generation) {
      throw new BackendError(`${op}: ${name} (${shape(t)}) is a scratch tensor from before the last resetScratch()`);
    }
    if (t.disposed) throw new BackendError(`${op}: ${name} (${shape(t)}) was disposed`);
    return t.offset;
  }

  private view(off: number, n: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, off, n);
  }

  // ---------------------------------------------------------------- memory

  /** A tensor over fresh (uninitialised) memory. */
  private allocate(op: string, rows: number, cols: number, scope: Scope): WasmTensor {
    if (scope !== 'persistent' && scope !== 'scratch') {
      throw new BackendError(`${op}: scope '${String(scope)}' is not valid; expected 'persistent' or 'scratch'`);
    }
    const bytes = rows * cols * 4;
    const off = scope === 'persistent' ? this.arena.alloc(bytes) : this.arena.allocScratch(bytes);
    if (scope === 'persistent') this.persistentBytes += bytes;
    else this.scratchBytes += bytes;
    return new WasmTensor(this, rows, cols, off, scope, this.generation);
  }

  zeros(rows: number, cols: number, scope: Scope = 'persistent'): Tensor {
    checkSize('zeros', rows, cols);
    const t = this.allocate('zeros', rows, cols, scope);
    this.f.vfill(rows * cols, t.offset, 0);
    return t;
  }

  fromArray(rows: number, cols: number, data: ArrayLike<number>, scope: Scope = 'persistent'): Tensor {
    checkSize('fromArray', rows, cols);
    checkData('fromArray', { rows, cols, backend: this.name }, data);
    const t = this.allocate('fromArray', rows, cols, scope);
    this.view(t.offset, rows * cols).set(data);
    return t;
  }

  read(t: Tensor): Float32Array {
    const off = this.get(t, 'read');
    return this.view(off, t.rows * t.cols).slice();
  }

  write(t: Tensor, data: ArrayLike<number>): void {
    const off = this.get(t, 'write');
    checkData('write', t, data);
    this.view(off, t.rows * t.cols).set(data);
  }

  copy(src: Tensor, dst: Tensor): void {
    sameShape('copy', ['src', src], ['dst', dst]);
    this.f.vcopy(src.rows * src.cols, this.get(src, 'copy', 'src'), this.get(dst, 'copy', 'dst'));
  }

  dispose(t: Tensor): void {
    const off = this.get(t, 'dispose');
    const w = t as WasmTensor;
    w.disposed = true;
    // A scratch block is only marked: its chunk is reclaimed by resetScratch().
    if (w.scope === 'scratch') this.scratchBytes -= t.rows * t.cols * 4;
    else {
      this.arena.release(off);
      this.persistentBytes -= t.rows * t.cols * 4;
    }
  }

  resetScratch(): void {
    this.generation++;
    this.arena.reset();
    this.scratchBytes = 0;
  }

  bytesInUse(): number {
    return this.persistentBytes + this.scratchBytes;
  }

  /** Bytes of the linear memory (tensors, workspaces, free space). */
  memoryBytes(): number {
    return this.arena.byteLength;
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
    const pa = this.get(a, 'gemm', 'A');
    const pb = this.get(b, 'gemm', 'B');
    const pc = this.get(c, 'gemm', 'C');
    // op(A)[i, p] = A[i·rsA + p·csA], op(B)[p, j] = B[p·rsB + j·csB]
    const [rsA, csA] = transA ? [1, a.cols] : [a.cols, 1];
    const [rsB, csB] = transB ? [1, b.cols] : [b.cols, 1];
    this.k.f32_gemm_5x8__simd(m, k, n, pa, rsA, csA, pb, rsB, csB, pc, n, alpha, beta, this.work);
  }

  addRowVector(x: Tensor, bias: Tensor, out: Tensor): void {
    sameShape('addRowVector', ['x', x], ['out', out]);
    checkRowVector('addRowVector', 'bias', bias, x.cols);
    this.f.add_row(x.rows, x.cols, this.get(x, 'addRowVector', 'x'), this.get(bias, 'addRowVector', 'bias'), this.get(out, 'addRowVector', 'out'));
  }

  scaleRows(x: Tensor, s: Tensor, out: Tensor): void {
    sameShape('scaleRows', ['x', x], ['out', out]);
    checkColumnVector('scaleRows', 's', s, x.rows);
    this.f.scale_rows(x.rows, x.cols, this.get(x, 'scaleRows', 'x'), this.get(s, 'scaleRows', 's'), this.get(out, 'scaleRows', 'out'));
  }

  sumRows(x: Tensor, out: Tensor, alpha = 1, beta = 0): void {
    checkRowVector('sumRows', 'out', out, x.cols);
    checkFinite('sumRows', 'alpha', alpha);
    checkFinite('sumRows', 'beta', beta);
    this.f.sum_rows(x.rows, x.cols, this.get(x, 'sumRows', 'x'), this.get(out, 'sumRows', 'out'), alpha, beta);
  }

  // ---------------------------------------------------------------- activations

  activation(kind: Activation, x: Tensor, out: Tensor, param = DEFAULT_LEAKY_SLOPE): void {
    checkActivation('activation', kind);
    checkFinite('activation', 'param', param);
    sameShape('activation', ['x', x], ['out', out]);
    const px = this.get(x, 'activation', 'x');
    const po = this.get(out, 'activation', 'out');
    const kernel = this.forward[kind];
    if (kernel) kernel(x.rows * x.cols, px, po, param);
    else if (px !== po) this.f.vcopy(x.rows * x.cols, px, po);
  }

  activationGrad(kind: Activation, z: Tensor, dy: Tensor, out: Tensor, param = DEFAULT_LEAKY_SLOPE): void {
    checkActivation('activationGrad', kind);
    checkFinite('activationGrad', 'param', param);
    sameShape('activationGrad', ['z', z], ['dy', dy], ['out', out]);
    const pz = this.get(z, 'activationGrad', 'z');
    const pd = this.get(dy, 'activationGrad', 'dy');
    const po = this.get(out, 'activationGrad', 'out');
    const kernel = this.backward[kind];
    if (kernel) kernel(z.rows * z.cols, pz, pd, po, param);
    else if (pd !== po) this.f.vcopy(z.rows * z.cols, pd, po);
  }

  softmaxCrossEntropy(logits: Tensor, targets: Tensor, probs: Tensor, grad?: Tensor): number {
    sameShape('softmaxCrossEntropy', ['logits', logits], ['targets', targets], ['probs', probs]);
    if (grad) sameShape('softmaxCrossEntropy', ['logits', logits], ['grad', grad]);
    const loss = this.f.softmax_ce(
      logits.rows, logits.cols,
      this.get(logits, 'softmaxCrossEntropy', 'logits'),
      this.get(targets, 'softmaxCrossEntropy', 'targets'),
      this.get(probs, 'softmaxCrossEntropy', 'probs'),
      grad ? this.get(grad, 'softmaxCrossEntropy', 'grad') : 0,
    );
    return logits.rows > 0 ? loss / logits.rows : 0;
  }

  // ---------------------------------------------------------------- elementwise

  private zip(op: string, kernel: KernelFamily['vadd'], a: Tensor, b: Tensor, out: Tensor): void {
    sameShape(op, ['a', a], ['b', b], ['out', out]);
    kernel(a.rows * a.cols, this.get(a, op, 'a'), this.get(b, op, 'b'), this.get(out, op, 'out'));
  }

  mul(a: Tensor, b: Tensor, out: Tensor): void { this.zip('mul', this.f.vmul, a, b, out); }
  add(a: Tensor, b: Tensor, out: Tensor): void { this.zip('add', this.f.vadd, a, b, out); }
  sub(a: Tensor, b: Tensor, out: Tensor): void { this.zip('sub', this.f.vsub, a, b, out); }

  axpy(alpha: number, x: Tensor, y: Tensor): void {
    checkFinite('axpy', 'alpha', alpha);
    sameShape('axpy', ['x', x], ['y', y]);
    this.f.axpy(x.rows * x.cols, this.get(x, 'axpy', 'x'), this.get(y, 'axpy', 'y'), alpha);
  }

  scale(x: Tensor, alpha: number, out: Tensor): void {
    checkFinite('scale', 'alpha', alpha);
    sameShape('scale', ['x', x], ['out', out]);
    this.f.vscale(x.rows * x.cols, this.get(x, 'scale', 'x'), this.get(out, 'scale', 'out'), alpha);
  }

  clip(x: Tensor, lo: number, hi: number, out: Tensor): void {
    if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
      throw new BackendError(`clip: bounds [${lo}, ${hi}] are not valid; need lo ≤ hi`);
    }
    sameShape('clip', ['x', x], ['out', out]);
    this.f.vclip(x.rows * x.cols, this.get(x, 'clip', 'x'), this.get(out, 'clip', 'out'), lo, hi);
  }

  sign(x: Tensor, out: Tensor): void {
    sameShape('sign', ['x', x], ['out', out]);
    this.f.vsign(x.rows * x.cols, this.get(x, 'sign', 'x'), this.get(out, 'sign', 'out'));
  }

  fill(t: Tensor, value: number): void {
    this.f.vfill(t.rows * t.cols, this.get(t, 'fill'), value);
  }

  traceDecay(tr: Tensor, x: Tensor, decay: number): void {
    checkFinite('traceDecay', 'decay', decay);
    sameShape('traceDecay', ['tr', tr], ['x', x]);
    this.f.trace_decay(tr.rows * tr.cols, this.get(tr, 'traceDecay', 'tr'), this.get(x, 'traceDecay', 'x'), decay);
  }

  adamStep(w: Tensor, g: Tensor, m: Tensor, v: Tensor, p: AdamParams): void {
    sameShape('adamStep', ['w', w], ['g', g], ['m', m], ['v', v]);
    for (const key of ['lr', 'beta1', 'beta2', 'eps', 'correction1', 'correction2'] as const) checkFinite('adamStep', key, p[key]);
    this.f.adam(
      w.rows * w.cols,
      this.get(w, 'adamStep', 'w'), this.get(g, 'adamStep', 'g'), this.get(m, 'adamStep', 'm'), this.get(v, 'adamStep', 'v'),
      p.lr, p.beta1, 1 - p.beta1, p.beta2, 1 - p.beta2, p.eps, p.correction1, p.correction2,
    );
  }

  // ---------------------------------------------------------------- reductions to the host

  lifStep(v: Tensor, input: Tensor, spikes: Tensor, trace: Tensor, p: LifParams, surrogate?: Tensor): void {
    checkLifParams(p);
    sameShape('lifStep', ['v', v], ['input', input], ['spikes', spikes], ['trace', trace]);
    if (surrogate) sameShape('lifStep', ['v', v], ['surrogate', surrogate]);
    const alpha = p.surrogateAlpha ?? 2;
    this.f.lif_step(
      v.rows * v.cols,
      this.get(v, 'lifStep', 'v'), this.get(input, 'lifStep', 'input'), this.get(spikes, 'lifStep', 'spikes'),
      this.get(trace, 'lifStep', 'trace'), surrogate ? this.get(surrogate, 'lifStep', 'surrogate') : 0,
      p.beta, p.threshold, p.traceDecay, (Math.PI * alpha) / 2, alpha / 2,
    );
  }

  stdpOuter(pre: Tensor, post: Tensor, gate: Tensor, out: Tensor, p: StdpParams): void {
    checkStdpOuter(pre, post, gate, out, p);
    this.f.stdp_outer(
      pre.rows, pre.cols, post.cols,
      this.get(pre, 'stdpOuter', 'pre'), this.get(post, 'stdpOuter', 'post'), this.get(gate, 'stdpOuter', 'gate'), this.get(out, 'stdpOuter', 'out'),
      p.window, p.aPlus, p.aMinus, 1 / p.tauPlus, 1 / p.tauMinus, p.alpha ?? 1, p.beta ?? 0,
    );
  }

  // A correct but copying stand-in (host-ops.ts, float64 LU): inverses are small and rare.
  inverse(a: Tensor, out: Tensor): number {
    return hostInverse(this, a, out);
  }

  argmaxRows(x: Tensor): Int32Array {
    const px = this.get(x, 'argmaxRows');
    const bytes = x.rows * 4;
    if (bytes > this.io.bytes) {
      if (this.io.bytes > 0) this.arena.release(this.io.off);
      this.io = { off: this.arena.alloc(bytes), bytes };
    }
    if (x.cols === 0) return new Int32Array(x.rows);
    this.k.f32_argmax_rows__scalar(x.rows, x.cols, px, this.io.off);
    return new Int32Array(this.kernels.memory.buffer, this.io.off, x.rows).slice();
  }

  sumSquares(x: Tensor): number {
    return this.f.sumsq(x.rows * x.cols, this.get(x, 'sumSquares'));
  }

  dot(a: Tensor, b: Tensor): number {
    sameShape('dot', ['a', a], ['b', b]);
    return this.f.dot(a.rows * a.cols, this.get(a, 'dot', 'a'), this.get(b, 'dot', 'b'));
  }
}

/** Loads the kernel module (see LoadOptions for the build choice) and returns a backend over a fresh memory. */
export async function createWasmSimdBackend(opts: WasmSimdOptions = {}): Promise<WasmSimdBackend> {
  return new WasmSimdBackend(await loadWasmKernels(opts));
}
