// The kernel module's exports as TypeScript sees them. Twin of assembly/index.ts (and the
// files it re-exports): a name or signature changed there must change here; the loader
// test checks that every name below is exported by both builds.
// Pointers are byte offsets into the one WebAssembly.Memory, sizes are element counts.

type Ptr = number;
type Gemm = (
  m: number, k: number, n: number,
  a: Ptr, rsA: number, csA: number,
  b: Ptr, rsB: number, csB: number,
  c: Ptr, ldc: number,
  alpha: number, beta: number, work: Ptr,
) => void;
/** (n, x, out, param) */
export type UnaryKernel = (n: number, x: Ptr, out: Ptr, param: number) => void;
/** (n, z, dy, out, param) */
export type GradKernel = (n: number, z: Ptr, dy: Ptr, out: Ptr, param: number) => void;
type Binary = (n: number, a: Ptr, b: Ptr, out: Ptr) => void;
/** omb1 = 1 − β1 and omb2 = 1 − β2, computed in f64 by the caller. */
type Adam = (
  n: number, w: Ptr, g: Ptr, m: Ptr, v: Ptr,
  lr: number, beta1: number, omb1: number, beta2: number, omb2: number, eps: number, c1: number, c2: number,
) => void;

/** Kernels that come as a `__simd` / `__scalar` pair with one signature. */
export interface KernelFamily {
  vrelu: UnaryKernel;
  vlrelu: UnaryKernel;
  vtanh: UnaryKernel;
  vsigmoid: UnaryKernel;
  vsoftplus: UnaryKernel;
  vrelu_grad: GradKernel;
  vlrelu_grad: GradKernel;
  vtanh_grad: GradKernel;
  vsigmoid_grad: GradKernel;
  vsoftplus_grad: GradKernel;
  vadd: Binary;
  vsub: Binary;
  vmul: Binary;
  vscale: (n: number, x: Ptr, out: Ptr, alpha: number) => void;
  vclip: (n: number, x: Ptr, out: Ptr, lo: number, hi: number) => void;
  vsign: (n: number, x: Ptr, out: Ptr) => void;
  vfill: (n: number, out: Ptr, value: number) => void;
  vcopy: (n: number, x: Ptr, out: Ptr) => void;
  axpy: (n: number, x: Ptr, y: Ptr, alpha: number) => void;
  trace_decay: (n: number, tr: Ptr, x: Ptr, decay: number) => void;
  adam: Adam;
  add_row: (rows: number, cols: number, x: Ptr, bias: Ptr, out: Ptr) => void;
  sum_rows: (rows: number, cols: number, x: Ptr, out: Ptr, alpha: number, beta: number) => void;
  /** out[i, j] ← s[i]·x[i, j]; out may alias x. */
  scale_rows: (rows: number, cols: number, x: Ptr, s: Ptr, out: Ptr) => void;
  sumsq: (n: number, x: Ptr) => number;
  dot: (n: number, a: Ptr, b: Ptr) => number;
  /** Fused LIF step; surrogate = 0 means none; halfPiAlpha = π·α/2, halfAlpha = α/2. */
  lif_step: (
    n: number, v: Ptr, input: Ptr, spikes: Ptr, trace: Ptr, surrogate: Ptr,
    beta: number, threshold: number, decay: number, halfPiAlpha: number, halfAlpha: number,
  ) => void;
  /** Fused STDP outer product (Backend.stdpOuter); invTauPlus = 1/τ₊, invTauMinus = 1/τ₋. */
  stdp_outer: (
    n: number, d: number, h: number, pre: Ptr, post: Ptr, gate: Ptr, out: Ptr,
    window: number, aPlus: number, aMinus: number, invTauPlus: number, invTauMinus: number, alpha: number, beta: number,
  ) => void;
  /** Returns −Σ t·log p over all rows; grad = 0 means no gradient. */
  softmax_ce: (rows: number, cols: number, logits: Ptr, targets: Ptr, probs: Ptr, grad: Ptr) => number;
}

export const FAMILY_NAMES = [
  'vrelu', 'vlrelu', 'vtanh', 'vsigmoid', 'vsoftplus',
  'vrelu_grad', 'vlrelu_grad', 'vtanh_grad', 'vsigmoid_grad', 'vsoftplus_grad',
  'vadd', 'vsub', 'vmul', 'vscale', 'vclip', 'vsign', 'vfill', 'vcopy',
  'axpy', 'trace_decay', 'adam', 'lif_step', 'stdp_outer', 'add_row', 'sum_rows', 'scale_rows', 'sumsq', 'dot', 'softmax_ce',
] as const satisfies readonly (keyof KernelFamily)[];

/** The raw exports of kernels.<build>.wasm. */
export type KernelExports = {
  [K in keyof KernelFamily as `f32_${K}__simd` | `f32_${K}__scalar`]: KernelFamily[K];
} & {
  heap_base(): number;
  is_relaxed(): number;
  f32_gemm_workspace_bytes(): number;
  /** Packed GEMM on a 5×8 f32x4 tile (gemv for M < 4, transposed problem for narrow N). */
  f32_gemm_5x8__simd: Gemm;
  /** The M < 4 path on its own. */
  f32_gemv__simd: Gemm;
  /** Scalar twin of the GEMM family. */
  f32_gemm_1x4__scalar: Gemm;
  f32_argmax_rows__scalar(rows: number, cols: number, x: Ptr, out: Ptr): void;
  /** Runs iters trips of 12 independent f32x4 multiply-add chains; returns a value so nothing is dead code. */
  f32_ceiling__simd(iters: number, seed: number): number;
  f32_ceiling_flops_per_iter(): number;
};

export const OTHER_EXPORTS = [
  'heap_base', 'is_relaxed', 'f32_gemm_workspace_bytes', 'f32_gemm_5x8__simd', 'f32_gemv__simd',
  'f32_gemm_1x4__scalar', 'f32_argmax_rows__scalar', 'f32_ceiling__simd', 'f32_ceiling_flops_per_iter',
] as const;

/** One side of each pair, picked by isa, so code and tests can run either. */
export function family(k: KernelExports, isa: 'simd' | 'scalar'): KernelFamily {
  const out: Record<string, unknown> = {};
  for (const name of FAMILY_NAMES) out[name] = (k as unknown as Record<string, unknown>)[`f32_${name}__${isa}`];
  return out as unknown as KernelFamily;
}
