// Placeholder until the kernels land. RELAXED is set per build by scripts/build-wasm.mjs.
// @ts-ignore: decorator
@lazy const IS_RELAXED: i32 = RELAXED;
export function ping(): i32 {
  return IS_RELAXED;
}
