// Starts tfjs-core on its WebAssembly backend, once per process. tfjs keeps one global engine,
// so every TfjsWasmBackend instance shares it; the first initialisation fixes where the
// .wasm binaries come from.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../backend.js';

/** The binaries tfjs-backend-wasm 4.22 may fetch (which one depends on SIMD/thread support). */
export type TfjsWasmBinary = 'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm';

export interface TfjsWasmOptions {
  /**
   * Where the tfjs .wasm binaries are: a directory prefix ending in '/' (a URL the app serves in
   * a browser) or one path per binary. In Node the default is the installed package's dist/
   * folder; in a browser the default is tfjs's own (next to the script that loaded it).
   */
  wasmPaths?: string | Record<TfjsWasmBinary, string>;
}

export interface TfjsWasmRuntime {
  /** WebAssembly SIMD was available, so tfjs loaded its SIMD binary. */
  simd: boolean;
}

let configured: TfjsWasmOptions = {};
let started: Promise<TfjsWasmRuntime> | null = null;

/** Set where the binaries are; must run before the first tfjs-wasm backend is created. */
export function configureTfjsWasm(opts: TfjsWasmOptions): void {
  if (started) {
    throw new BackendError('configureTfjsWasm: the tfjs wasm backend has already started; call it before createBackend()');
  }
  configured = { ...opts };
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function defaultNodeWasmDir(): Promise<string> {
  // Node-only modules are imported here, never at the top, so a browser bundle never needs them.
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(main) + path.sep;
}

async function start(): Promise<TfjsWasmRuntime> {
  // Another part of the app may have started tfjs on 'wasm' already; its binaries then stand.
  if (!('wasm' in tf.engine().registry)) {
    const paths = configured.wasmPaths ?? (isNode() ? await defaultNodeWasmDir() : undefined);
    if (paths !== undefined) setWasmPaths(paths);
  }
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new BackendError('tfjs-wasm: tfjs could not initialise its wasm backend (see the warning tfjs printed above)');
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return { simd };
}

/** Starts tfjs on 'wasm' (once); rejects with a BackendError when it cannot. */
export function startTfjsWasm(): Promise<TfjsWasmRuntime> {
  if (!started) {
    started = start().catch((e: unknown) => {
      throw e instanceof BackendError ? e : new BackendError(`tfjs-wasm: initialisation failed: ${(e as Error).message ?? String(e)}`);
    });
  }
  return started;
}
