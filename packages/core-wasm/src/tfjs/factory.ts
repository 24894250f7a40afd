// The registry entry for tfjs-wasm. tfjs (≈1 MB of JS plus its .wasm) is imported only when
// this backend is asked for, so apps that run on wasm-simd never load it.
import type { BackendFactory } from '../registry.js';
import type { TfjsWasmBackend } from './backend.js';
import type { TfjsWasmOptions } from './load.js';

/** A tfjs-wasm backend ('tfjs-wasm-simd' build where SIMD exists, plain 'tfjs-wasm' otherwise). */
export async function createTfjsWasmBackend(opts?: TfjsWasmOptions): Promise<TfjsWasmBackend> {
  const mod = await import('./backend.js');
  return mod.createTfjsWasmBackend(opts);
}

/** Where tfjs finds its .wasm binaries; call before the backend is first created (browser apps). */
export async function configureTfjsWasm(opts: TfjsWasmOptions): Promise<void> {
  const mod = await import('./load.js');
  mod.configureTfjsWasm(opts);
}

export const tfjsWasmFactory: BackendFactory = {
  name: 'tfjs-wasm',
  priority: 50,
  description: 'tfjs-core on @tensorflow/tfjs-backend-wasm (f32); the fallback where WebAssembly SIMD is unavailable',
  available: async () => {
    if (typeof WebAssembly !== 'object') return false;
    try {
      const { startTfjsWasm } = await import('./load.js');
      await startTfjsWasm();
      return true;
    } catch {
      return false;
    }
  },
  create: () => createTfjsWasmBackend(),
};
