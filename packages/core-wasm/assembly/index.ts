// Entry of the kernel module. Every export is a pure function over byte offsets into the
// imported memory (TypeScript owns it, see src/wasm/arena.ts); none allocates. Names
// follow XNNPACK: <type>_<op>_<tile>__<isa>, and every SIMD kernel has a __scalar twin
// with the same signature for the tests.
export { f32_gemm_workspace_bytes, f32_gemm_5x8__simd, f32_gemv__simd, f32_gemm_1x4__scalar } from './gemm';
export * from './activations';
export * from './elementwise';
export * from './rows';
export * from './stdp';
export { f32_ceiling__simd, f32_ceiling_flops_per_iter } from './ceiling';

/** First byte the module's own static data does not use; the TS arena starts above it. */
export function heap_base(): usize {
  return __heap_base;
}

/** 1 in the relaxed-simd build, 0 in the simd build. */
export function is_relaxed(): i32 {
  return RELAXED;
}
