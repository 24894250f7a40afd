export {
  ACTIVATIONS, BackendError,
  type Activation, type AdamParams, type Backend, type BackendName, type GemmOptions, type LifParams, type StdpParams, type Precision, type Scope, type Tensor,
} from './backend.js';
export { activate, derivative, sigmoid, DEFAULT_LEAKY_SLOPE } from './activations.js';
export { lifStepArrays, invertArray } from './host-ops.js';
export { stdpOuterArrays } from './stdp-ops.js';
export { ReferenceBackend } from './reference/backend.js';
export { registerBackend, listBackends, createBackend, type BackendFactory } from './registry.js';
export { WasmSimdBackend, createWasmSimdBackend, type WasmSimdOptions } from './wasm/backend.js';
export { loadWasmKernels, wasmSimdSupported, type LoadOptions, type WasmBuild, type WasmKernels, type WasmSource } from './wasm/loader.js';
export type { KernelExports } from './wasm/kernels.js';
export { createTfjsWasmBackend, configureTfjsWasm, tfjsWasmFactory } from './tfjs/factory.js';
export type { TfjsWasmBackend } from './tfjs/backend.js';
export type { TfjsWasmOptions, TfjsWasmBinary } from './tfjs/load.js';
import { registerBackend } from './registry.js';
import { ReferenceBackend } from './reference/backend.js';
import { tfjsWasmFactory } from './tfjs/factory.js';
import { createWasmSimdBackend } from './wasm/backend.js';
import { wasmSimdSupported } from './wasm/loader.js';

registerBackend({
  name: 'reference',
  priority: 0,
  description: 'plain JavaScript, float64; the test oracle (slow)',
  available: () => true,
  create: async () => new ReferenceBackend(),
});
registerBackend(tfjsWasmFactory);
registerBackend({
  name: 'wasm-simd',
  priority: 100,
  description: 'AssemblyScript f32x4 kernels in WebAssembly (needs WebAssembly SIMD; relaxed SIMD when the runtime has it)',
  available: () => wasmSimdSupported(),
  create: () => createWasmSimdBackend(),
});
