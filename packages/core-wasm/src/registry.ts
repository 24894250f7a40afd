// Backends are registered with a priority, like tfjs: `createBackend()` with no name
// picks the highest-priority backend that can run here (wasm-simd > tfjs-wasm > reference).
import { BackendError, type Backend, type BackendName } from './backend.js';

export interface BackendFactory {
  name: BackendName;
  priority: number;
  description: string;
  /** Whether this backend can run in this process (e.g. WebAssembly SIMD is available). */
  available(): Promise<boolean> | boolean;
  create(): Promise<Backend>;
}

const factories = new Map<BackendName, BackendFactory>();

export function registerBackend(f: BackendFactory): void {
  factories.set(f.name, f);
}

export function listBackends(): BackendFactory[] {
  return [...factories.values()].sort((a, b) => b.priority - a.priority);
}

/** The named backend, or with 'auto' (default) the best one available here. */
export async function createBackend(name: BackendName | 'auto' = 'auto'): Promise<Backend> {
  if (name === 'auto') {
    for (const f of listBackends()) {
      if (f.name !== 'reference' && (await f.available())) return f.create();
    }
    throw new BackendError('no backend is available: neither wasm-simd nor tfjs-wasm can run here');
  }
  const f = factories.get(name);
  if (!f) {
    throw new BackendError(`unknown backend '${String(name)}'; expected one of ${[...factories.keys()].join(', ')}`);
  }
  if (!(await f.available())) throw new BackendError(`backend '${name}' cannot run here: ${f.description}`);
  return f.create();
}
