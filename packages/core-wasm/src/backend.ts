// The one contract every backend implements. Rules and the training engine are written
// against this interface only: tensors are opaque handles, never pointers or typed arrays,
// so the tfjs-wasm fallback (which holds tfjs tensors) and the reference backend (float64
// arrays) run the same code as the wasm-simd backend.

export type BackendName = 'wasm-simd' | 'tfjs-wasm' | 'reference';
export type Precision = 'f32' | 'f64';

/** Activations with a kernel of their own. `param` is the negative slope for leaky-relu. */
export type Activation = 'linear' | 'relu' | 'leaky-relu' | 'tanh' | 'sigmoid' | 'softplus';
export const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'leaky-relu', 'tanh', 'sigmoid', 'softplus'];

/**
 * Where a tensor lives. `persistent` tensors (weights, rule state, per-batch-size
 * workspaces) stay until disposed. `scratch` tensors are released together by
 * `resetScratch()`; using one afterwards is an error, never a read of reused memory.
 */
export type Scope = 'persistent' | 'scratch';

/** Opaque handle to a row-major `rows × cols` matrix owned by one backend. */
export interface Tensor {
  readonly rows: number;
  readonly cols: number;
  /** Which backend made it, for error messages and for catching handles passed to the wrong backend. */
  readonly backend: BackendName;
}

export interface GemmOptions {
  /** Use Aᵀ in place of A. */
  transA?: boolean;
  /** Use Bᵀ in place of B. */
  transB?: boolean;
  /** Default 1. */
  alpha?: number;
  /** Default 0: C is overwritten (and may hold garbage, even NaN, beforehand). */
  beta?: number;
}

export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 − β1ᵗ and 1 − β2ᵗ; pass 1 and 1 for Adam without bias correction. */
  correction1: number;
  correction2: number;
}

export interface LifParams {
  /** Membrane decay per step, e^{−dt/τ_m}. */
  beta: number;
  /** Firing threshold θ. */
  threshold: number;
  /** Presynaptic trace decay λ per step. */
  traceDecay: number;
  /** ATan surrogate sharpness α (default 2). */
  surrogateAlpha?: number;
}

/** The pairwise STDP window of Backend.stdpOuter, read through the latency code t = T(1 − a). */
export interface StdpParams {
  /** Window T of the latency code: a unit with activity a fires at t = T(1 − a). */
  window: number;
  /** Potentiation amplitude A₊ (pre fired before post) and depression amplitude A₋. */
  aPlus: number;
  aMinus: number;
  /** τ₊ and τ₋, in the units of window. */
  tauPlus: number;
  tauMinus: number;
  /** Default 1. */
  alpha?: number;
  /** Default 0: out is overwritten (and may hold garbage, even NaN, beforehand). */
  beta?: number;
}

/**
 * A compute backend. Every op writes into a caller-provided output tensor and checks shapes;
 * outputs may alias inputs only where an op says so (elementwise ops allow `out === a`).
 * Ops never allocate, so a training step that allocated its workspaces once runs allocation-free.
 */
export interface Backend {
  readonly name: BackendName;
  /** The build that runs: 'simd' | 'relaxed-simd' for wasm-simd, 'tfjs-wasm-simd' | 'tfjs-wasm' for tfjs, 'f64' for reference. */
  readonly build: string;
  readonly precision: Precision;

  // ---------------------------------------------------------------- memory
  /** A zero-filled tensor. */
  zeros(rows: number, cols: number, scope?: Scope): Tensor;
  /** A tensor holding `data` (row-major, length rows·cols). */
  fromArray(rows: number, cols: number, data: ArrayLike<number>, scope?: Scope): Tensor;
  /** Copy of the tensor's contents. */
  read(t: Tensor): Float32Array | Float64Array;
  /** Overwrite the tensor's contents with `data` (length rows·cols). */
  write(t: Tensor, data: ArrayLike<number>): void;
  /** dst ← src (same shape). */
  copy(src: Tensor, dst: Tensor): void;
  /** Release a persistent tensor; using it afterwards is an error. */
  dispose(t: Tensor): void;
  /** Release every scratch tensor at once. */
  resetScratch(): void;
  /** Bytes held by live tensors (for memory reports). */
  bytesInUse(): number;

  // ---------------------------------------------------------------- linear algebra
  /** C ← alpha·op(A)·op(B) + beta·C, op(X) = X or Xᵀ. transA and transB together are not supported. C must not alias A or B. */
  gemm(a: Tensor, b: Tensor, c: Tensor, opts?: GemmOptions): void;
  /** out[i,j] ← x[i,j] + bias[0,j]; bias is 1 × cols. out may alias x. */
  addRowVector(x: Tensor, bias: Tensor, out: Tensor): void;
  /** out[i,j] ← s[i,0]·x[i,j], s is rows × 1: diag(s)·X (a per-sample amplitude, a per-row renormalisation). out may alias x. */
  scaleRows(x: Tensor, s: Tensor, out: Tensor): void;
  /** out[0,j] ← alpha·Σᵢ x[i,j] + beta·out[0,j] (the bias-gradient reduce); out is 1 × cols. */
  sumRows(x: Tensor, out: Tensor, alpha?: number, beta?: number): void;

  // ---------------------------------------------------------------- activations
  /** out ← f(x). `param` is the negative slope of leaky-relu (default 0.01). out may alias x. */
  activation(kind: Activation, x: Tensor, out: Tensor, param?: number): void;
  /** out ← dy ⊙ f′(z), z the pre-activation. out may alias dy. */
  activationGrad(kind: Activation, z: Tensor, dy: Tensor, out: Tensor, param?: number): void;

  /**
   * Numerically stable row softmax and cross-entropy against target distributions
   * (one-hot or soft, rows summing to 1). probs ← softmax(logits); if `grad` is given,
   * grad ← probs − targets (per sample, not divided by the batch size).
   * Returns the mean over rows of −Σⱼ targets·log probs.
   */
  softmaxCrossEntropy(logits: Tensor, targets: Tensor, probs: Tensor, grad?: Tensor): number;

  // ---------------------------------------------------------------- elementwise (out may alias an input)
  /** out ← a ⊙ b */
  mul(a: Tensor, b: Tensor, out: Tensor): void;
  /** out ← a + b */
  add(a: Tensor, b: Tensor, out: Tensor): void;
  /** out ← a − b */
  sub(a: Tensor, b: Tensor, out: Tensor): void;
  /** y ← y + alpha·x */
  axpy(alpha: number, x: Tensor, y: Tensor): void;
  /** out ← alpha·x */
  scale(x: Tensor, alpha: number, out: Tensor): void;
  /** out ← min(max(x, lo), hi) */
  clip(x: Tensor, lo: number, hi: number, out: Tensor): void;
  /** out ← sign(x) ∈ {−1, 0, 1} */
  sign(x: Tensor, out: Tensor): void;
  /** t ← value everywhere */
  fill(t: Tensor, value: number): void;
  /** tr ← decay·tr + x (exponential spike-timing trace) */
  traceDecay(tr: Tensor, x: Tensor, decay: number): void;
  /** One Adam step on w from gradient g with moments m, v (all the same shape): w ← w − lr·m̂/(√v̂ + eps). */
  adamStep(w: Tensor, g: Tensor, m: Tensor, v: Tensor, p: AdamParams): void;

  // ---------------------------------------------------------------- spiking and linear algebra
  /**
   * One discrete-time leaky integrate-and-fire step for a whole layer, fused (all tensors the
   * same shape): v ← β·v + input; if `surrogate` is given, surrogate ← σ′(v) with the ATan
   * surrogate σ′(v) = (α/2) / (1 + (π·α·(v − θ)/2)²) on the pre-reset potential;
   * spikes ← [v ≥ θ] (0 or 1); v ← v·(1 − spikes) (reset to zero); trace ← λ·trace + spikes.
   */
  lifStep(v: Tensor, input: Tensor, spikes: Tensor, trace: Tensor, p: LifParams, surrogate?: Tensor): void;
  /**
   * out ← A⁻¹ for a square A, by LU with partial pivoting. Returns min|uᵢᵢ| / max|uᵢᵢ| over
   * U's diagonal (a cheap conditioning signal); throws BackendError when A is singular
   * (a zero pivot). out must not alias a.
   */
  inverse(a: Tensor, out: Tensor): number;
  /**
   * Fused spike-timing outer product (latency code, STDP window and batch sum in one pass):
   * out[μ,j] ← alpha·Σᵢ gate[i,μ]·K(Δt) + beta·out[μ,j], with Δt = t_post − t_pre = T·(pre[i,j] − post[i,μ])
   * and K(Δt) = A₊·e^{−Δt/τ₊} for Δt ≥ 0, −A₋·e^{Δt/τ₋} for Δt < 0. pre is n × D activities,
   * post and gate are n × H, out is H × D and must not alias an input. Terms with gate 0 cost nothing.
   */
  stdpOuter(pre: Tensor, post: Tensor, gate: Tensor, out: Tensor, p: StdpParams): void;

  // ---------------------------------------------------------------- reductions to the host
  /** Index of the largest entry of each row (first one on ties). */
  argmaxRows(x: Tensor): Int32Array;
  /** Σ x² */
  sumSquares(x: Tensor): number;
  /** Σ a ⊙ b */
  dot(a: Tensor, b: Tensor): number;
}

/** Raised for every misuse of a backend: bad shapes, freed or foreign handles, bad sizes. */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}
