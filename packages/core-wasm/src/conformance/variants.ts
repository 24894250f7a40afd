// Builds the registry does not hand out by itself but that users run: each gets the whole
// suite too. The registry's 'wasm-simd' picks relaxed SIMD where the runtime validates it (Node
// 20 after a V8 flag, Chromium), so the plain-SIMD build that Firefox and Safari run is added here.
import { createWasmSimdBackend, wasmSimdSupported, type Backend, type BackendName } from '../index.js';

export interface Variant {
  /** The backend name the variant reports (exclusions apply by this name). */
  name: BackendName;
  /** Shown in the suite title instead of the name. */
  label: string;
  description: string;
  available(): Promise<boolean> | boolean;
  create(): Promise<Backend>;
}

export const VARIANTS: readonly Variant[] = [
  {
    name: 'wasm-simd',
    label: 'wasm-simd/simd',
    description: 'the wasm-simd backend forced to its plain (non-relaxed) SIMD build',
    available: () => wasmSimdSupported(),
    create: () => createWasmSimdBackend({ build: 'simd' }),
  },
];
