// Finds, picks and instantiates the kernel module. The same code runs in Node and in a
// browser: Node modules are imported dynamically (and hidden from bundlers), so Vite can
// bundle this package for the browser without stubs.
import { BackendError } from '../backend.js';
import type { KernelExports } from './kernels.js';
import { FAMILY_NAMES, OTHER_EXPORTS } from './kernels.js';

export type WasmBuild = 'simd' | 'relaxed-simd';

/** Where the bytes of each build come from; by default the files in this package's build/ folder. */
export type WasmSource = BufferSource | URL | string;

export interface LoadOptions {
  /**
   * Which build to run. 'auto' (default) picks relaxed-simd when this runtime validates it.
   * The environment variable PLASTICITY_WASM_BUILD=simd|relaxed overrides 'auto' in Node.
   */
  build?: WasmBuild | 'auto';
  /** Bytes or a URL per build, e.g. where a bundler put the .wasm files. */
  sources?: Partial<Record<WasmBuild, WasmSource>>;
  /** Initial size of the memory the module imports (bytes, rounded up to 64 KiB pages). Default 16 MiB. */
  initialMemoryBytes?: number;
}

export interface WasmKernels {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly build: WasmBuild;
}

const PAGE = 65536;

// i32.const 0; i8x16.splat; i8x16.popcnt — valid only where fixed-width SIMD is (wasm-feature-detect's probe).
const SIMD_PROBE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11);
// Three v128.const 0 and f32x4.relaxed_madd (0xfd 0x105): valid only where relaxed SIMD is.
const RELAXED_PROBE = (() => {
  const c = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0x00, ...c, ...c, ...c, 0xfd, 0x85, 0x02, 0x0b];
  return Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 10, body.length + 2, 1, body.length, ...body);
})();

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Whether this runtime validates WebAssembly fixed-width SIMD (the `simd` build needs nothing more). */
export function wasmSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

let relaxedFlagTried = false;

/**
 * Whether relaxed SIMD validates here. In Node 20 it is behind a V8 flag; this turns the
 * flag on (once, before anything relaxed is compiled), which is harmless to the rest of the process.
 */
export async function relaxedSimdSupported(): Promise<boolean> {
  if (typeof WebAssembly !== 'object') return false;
  if (WebAssembly.validate(RELAXED_PROBE)) return true;
  if (isNode() && !relaxedFlagTried) {
    relaxedFlagTried = true;
    const spec = 'node:v8';
    const v8 = (await import(/* @vite-ignore */ spec)) as typeof import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  }
  return WebAssembly.validate(RELAXED_PROBE);
}

function requestedBuild(opt: LoadOptions['build']): WasmBuild | 'auto' {
  if (opt !== undefined && opt !== 'auto') {
    if (opt !== 'simd' && opt !== 'relaxed-simd') {
      throw new BackendError(`wasm-simd: build '${String(opt)}' is not known; expected 'simd', 'relaxed-simd' or 'auto'`);
    }
    return opt;
  }
  const env = isNode() ? process.env.PLASTICITY_WASM_BUILD : undefined;
  if (env === undefined || env === '' || env === 'auto') return 'auto';
  if (env === 'simd') return 'simd';
  if (env === 'relaxed' || env === 'relaxed-simd') return 'relaxed-simd';
  throw new BackendError(`PLASTICITY_WASM_BUILD='${env}' is not known; expected simd, relaxed or auto`);
}

/** The build that would run here with these options. */
export async function chooseBuild(opt: LoadOptions['build']): Promise<WasmBuild> {
  if (!wasmSimdSupported()) {
    throw new BackendError('wasm-simd: this runtime does not support WebAssembly SIMD; use the tfjs-wasm or reference backend');
  }
  const want = requestedBuild(opt);
  if (want === 'simd') return 'simd';
  const relaxed = await relaxedSimdSupported();
  if (want === 'relaxed-simd' && !relaxed) {
    throw new BackendError('wasm-simd: the relaxed-simd build was requested but this runtime does not validate relaxed SIMD; use build: \'simd\'');
  }
  return relaxed ? 'relaxed-simd' : 'simd';
}

function defaultUrl(build: WasmBuild): URL {
  // Literal URLs, one per build, so bundlers (Vite) see and copy both assets.
  return build === 'simd'
    ? new URL('../../build/kernels.simd.wasm', import.meta.url)
    : new URL('../../build/kernels.relaxed.wasm', import.meta.url);
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (typeof source !== 'string' && !(source instanceof URL)) return WebAssembly.compile(source);
  const url = source instanceof URL ? source : new URL(source, typeof location === 'object' ? location.href : undefined);
  if (url.protocol === 'file:') {
    if (!isNode()) throw new BackendError(`wasm-simd: cannot read ${url.href} outside Node; pass the bytes in sources`);
    const spec = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ spec)) as typeof import('node:fs/promises');
    let bytes: BufferSource;
    try {
      // A Node Buffer is typed over ArrayBufferLike; readFile never hands out shared memory.
      bytes = (await fs.readFile(url)) as Uint8Array<ArrayBuffer>;
    } catch (e) {
      throw new BackendError(`wasm-simd: cannot read the kernel module ${url.pathname} (${(e as Error).message}); run \`npm run build:wasm\` first`);
    }
    return WebAssembly.compile(bytes);
  }
  const res = await fetch(url);
  if (!res.ok) throw new BackendError(`wasm-simd: fetching ${url.href} failed with HTTP ${res.status}`);
  if (typeof WebAssembly.compileStreaming === 'function' && res.headers.get('content-type')?.startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(res);
  }
  return WebAssembly.compile(await res.arrayBuffer());
}

function checkExports(module: WebAssembly.Module, build: WasmBuild): void {
  const have = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const want = [...OTHER_EXPORTS, ...FAMILY_NAMES.flatMap((n) => [`f32_${n}__simd`, `f32_${n}__scalar`])];
  const missing = want.filter((n) => !have.has(n));
  if (missing.length > 0) {
    throw new BackendError(`wasm-simd: the ${build} kernel module lacks ${missing.join(', ')}; rebuild it with \`npm run build:wasm\``);
  }
}

/** Compiles and instantiates one build over a fresh memory. */
export async function loadWasmKernels(opts: LoadOptions = {}): Promise<WasmKernels> {
  const build = await chooseBuild(opts.build);
  const module = await compile(opts.sources?.[build] ?? defaultUrl(build));
  checkExports(module, build);
  const pages = Math.max(1, Math.ceil((opts.initialMemoryBytes ?? 16 * 1024 * 1024) / PAGE));
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as KernelExports;
  if (exports.is_relaxed() !== (build === 'relaxed-simd' ? 1 : 0)) {
    throw new BackendError(`wasm-simd: the module loaded as ${build} reports is_relaxed() = ${exports.is_relaxed()}; the build files are swapped`);
  }
  return { exports, memory, build };
}
