// parallel: 'layers' — every layer's update of the `gupta` rule on its own worker thread. The
// rule is local, so a layer's update needs only its own signals; the main thread copies them
// (pre and post activities, labels, the teacher's amplitudes, and its weights for H-stdp) into
// shared memory, wakes all workers at once and blocks until each has written its dW and db.
// A worker runs the very LayerUpdater code of the sequential mode on its own backend of the
// same kind and build, so both modes give bit-identical updates.
//
// Node only (worker_threads, loaded at run time so nothing else in the package imports a Node
// built-in). Workers are unref'd, end with the training run (endTraining/dispose), exit by
// themselves after idleExitMs without work, and report their errors through shared memory, so a
// failing worker fails the step instead of hanging it.
import type { Backend, Tensor } from '@plasticity/core-wasm';
import type { ParamGrads } from '../../engine/rule.js';
import { readsWeights, type LayerInputs, type LayerPlan } from './layers.js';

/** Slots of the control array (Int32) shared with each worker. */
export const CTL = { SEQ: 0, DONE: 1, STATUS: 2, ROWS: 3, CMD: 4, ERRLEN: 5, SHIFT: 6 } as const;
export const STATUS = { STARTING: 0, READY: 1, ERROR: 2, EXITED: 3 } as const;
export const CMD = { COMPUTE: 1, EXIT: 2 } as const;
/** Bytes of the control block: 16 Int32 slots, then the UTF-8 error message. */
export const CONTROL_BYTES = 64 + 4096;

/** What a worker gets when it starts (structured-cloned; the buffers are shared). */
export interface WorkerData {
  plan: LayerPlan;
  backend: Backend['name'];
  build: string;
  precision: Backend['precision'];
  rows: number;
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
  idleExitMs: number;
  entry: string;
  tsx?: string;
}

type Floats = Float32Array | Float64Array;

/** Views on one layer's shared buffers, laid out identically on both sides. */
export interface Views {
  ctl: Int32Array;
  err: Uint8Array;
  pre: Floats;
  post: Floats;
  W: Floats | null;
  dW: Floats;
  db: Floats;
  labels: Int32Array;
  amplitude: Float64Array;
  shift: Float64Array;
}

/** Bytes of a layer's data buffer for batches of up to `rows` rows. */
function layout(plan: LayerPlan, rows: number, precision: Backend['precision']): { bytes: number; at: (data: SharedArrayBuffer) => Omit<Views, 'ctl' | 'err'> } {
  const F = precision === 'f64' ? Float64Array : Float32Array;
  const { inSize: d, outSize: h } = plan;
  const counts = [rows * d, rows * h, readsWeights(plan.kind) ? h * d : 0, h * d, h];
  // Float64 parts first (8-byte aligned), then the floats, then the labels.
  const f64Bytes = (rows + h) * 8;
  const fBytes = counts.reduce((a, b) => a + b, 0) * F.BYTES_PER_ELEMENT;
  const bytes = f64Bytes + fBytes + rows * 4 + 8;
  return {
    bytes,
    at(data) {
      let off = 0;
      const amplitude = new Float64Array(data, off, rows);
      off += rows * 8;
      const shift = new Float64Array(data, off, h);
      off += h * 8;
      const take = (n: number): Floats => {
        const v = precision === 'f64' ? new Float64Array(data, off, n) : new Float32Array(data, off, n);
        off += n * F.BYTES_PER_ELEMENT;
        return v;
      };
      const pre = take(counts[0]);
      const post = take(counts[1]);
      const W = counts[2] ? take(counts[2]) : null;
      const dW = take(counts[3]);
      const db = take(counts[4]);
      off = Math.ceil(off / 4) * 4;
      const labels = new Int32Array(data, off, rows);
      return { amplitude, shift, pre, post, W, dW, db, labels };
    },
  };
}

export function viewsOf(d: Pick<WorkerData, 'plan' | 'rows' | 'precision' | 'control' | 'data'>): Views {
  return {
    ctl: new Int32Array(d.control, 0, 16),
    err: new Uint8Array(d.control, 64, CONTROL_BYTES - 64),
    ...layout(d.plan, d.rows, d.precision).at(d.data),
  };
}

/** Writes an error into the control block and wakes the main thread (used by the worker). */
export function reportError(ctl: Int32Array, err: Uint8Array, e: unknown): void {
  const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
  const bytes = new TextEncoder().encode(text).subarray(0, err.length);
  err.set(bytes);
  Atomics.store(ctl, CTL.ERRLEN, bytes.length);
  Atomics.store(ctl, CTL.STATUS, STATUS.ERROR);
  Atomics.notify(ctl, CTL.STATUS);
  Atomics.store(ctl, CTL.DONE, Atomics.load(ctl, CTL.SEQ));
  Atomics.notify(ctl, CTL.DONE);
}

// The worker's first code: plain JavaScript (workers do not inherit tsx's loader on Node 20),
// which registers tsx when the entry is TypeScript, then serves. Errors land in shared memory.
const BOOT = `
const { workerData } = require('node:worker_threads');
const fail = (e) => {
  const c = new Int32Array(workerData.control, 0, 16);
  const err = new Uint8Array(workerData.control, 64);
  const b = new TextEncoder().encode(String((e && e.stack) || e)).subarray(0, err.length);
  err.set(b);
  Atomics.store(c, ${CTL.ERRLEN}, b.length);
  Atomics.store(c, ${CTL.STATUS}, ${STATUS.ERROR});
  Atomics.notify(c, ${CTL.STATUS});
  Atomics.store(c, ${CTL.DONE}, Atomics.load(c, ${CTL.SEQ}));
  Atomics.notify(c, ${CTL.DONE});
};
(async () => {
  if (workerData.tsx) {
    const m = await import(workerData.tsx);
    (m.register ?? m.default.register)();
  }
  const w = await import(workerData.entry);
  await w.serve(workerData);
})().catch(fail);
`;

type WorkerThreads = typeof import('node:worker_threads');
type Builtin = <T>(id: string) => T;

function builtin<T>(id: string): T {
  const get = (globalThis as { process?: { getBuiltinModule?: Builtin } }).process?.getBuiltinModule;
  if (!get) throw new Error(`gupta: parallel: 'layers' needs Node worker threads (Node ≥ 20.16 with process.getBuiltinModule); use parallel: 'none' here`);
  return get<T>(id);
}

/** The worker's module, and tsx's loader API when running from TypeScript sources. */
function entry(): { entry: string; tsx?: string } {
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  const url = new URL(ts ? './worker.ts' : './worker.js', here).href;
  if (!ts) return { entry: url };
  const { createRequire } = builtin<typeof import('node:module')>('node:module');
  const { pathToFileURL } = builtin<typeof import('node:url')>('node:url');
  const { readFileSync } = builtin<typeof import('node:fs')>('node:fs');
  try {
    // tsx's ESM API entry (its CJS twin breaks under the CJS hooks a tsx-started worker inherits).
    const pkg = createRequire(here).resolve('tsx/package.json');
    const api = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
    return { entry: url, tsx: new URL(api, pathToFileURL(pkg)).href };
  } catch {
    throw new Error("gupta: parallel: 'layers' from TypeScript sources needs the 'tsx' package (to load the worker); build the package or install tsx");
  }
}

interface Channel {
  worker: import('node:worker_threads').Worker;
  views: Views;
  data: WorkerData;
}

export interface PoolOptions {
  /** A worker with no work for this long exits by itself (the pool starts a new one when needed). */
  idleExitMs?: number;
  /** The longest a step may wait for a worker before failing. */
  timeoutMs?: number;
}

export class LayerPool {
  private channels: Channel[] = [];
  private seq = 0;
  private rows = 0;
  private readonly idleExitMs: number;
  private readonly timeoutMs: number;

  private constructor(
    private readonly be: Backend,
    private readonly plans: readonly LayerPlan[],
    opts: PoolOptions,
  ) {
    this.idleExitMs = opts.idleExitMs ?? 120_000;
    this.timeoutMs = opts.timeoutMs ?? 600_000;
  }

  /** A pool for these layers; workers start on the first run. */
  static start(be: Backend, plans: readonly LayerPlan[], opts: PoolOptions = {}): LayerPool {
    builtin<WorkerThreads>('node:worker_threads');
    return new LayerPool(be, plans, opts);
  }

  get size(): number {
    return this.channels.length;
  }

  private spawn(rows: number): void {
    this.close();
    const wt = builtin<WorkerThreads>('node:worker_threads');
    const where = entry();
    this.rows = rows;
    this.seq = 0;
    this.channels = this.plans.map((plan) => {
      const lay = layout(plan, rows, this.be.precision);
      const data: WorkerData = {
        plan, backend: this.be.name, build: this.be.build, precision: this.be.precision, rows,
        control: new SharedArrayBuffer(CONTROL_BYTES), data: new SharedArrayBuffer(lay.bytes), idleExitMs: this.idleExitMs, ...where,
      };
      const worker = new wt.Worker(BOOT, { eval: true, workerData: data, name: `gupta-layer-${plan.layer}` });
      worker.unref();
      // Errors arrive through shared memory; this keeps an uncaught one from killing the process.
      worker.on('error', () => {});
      return { worker, views: viewsOf(data), data };
    });
  }

  /** Runs every layer's update on its worker and writes dW, db into grads; returns the threshold shifts. */
  run(be: Backend, inputs: readonly LayerInputs[], grads: ParamGrads): (Float64Array | null)[] {
    const n = inputs[0].n;
    const exited = this.channels.some((c) => Atomics.load(c.views.ctl, CTL.STATUS) === STATUS.EXITED);
    if (n > this.rows || exited || !this.channels.length) this.spawn(Math.max(n, this.rows));
    const reads = new Map<Tensor, Float32Array | Float64Array>();
    const read = (t: Tensor) => {
      let v = reads.get(t);
      if (!v) reads.set(t, (v = be.read(t)));
      return v;
    };
    this.seq++;
    this.channels.forEach((c, l) => {
      const inp = inputs[l];
      const v = c.views;
      v.pre.set(read(inp.pre));
      v.post.set(read(inp.post));
      if (v.W) v.W.set(read(inp.W!));
      v.labels.set(inp.labels.subarray(0, n));
      v.amplitude.set(inp.amplitude.subarray(0, n));
      Atomics.store(v.ctl, CTL.ROWS, n);
      Atomics.store(v.ctl, CTL.CMD, CMD.COMPUTE);
      Atomics.store(v.ctl, CTL.SEQ, this.seq);
      Atomics.notify(v.ctl, CTL.SEQ);
    });
    return this.channels.map((c, l) => {
      this.waitFor(c, l);
      const v = c.views;
      be.write(grads.dW[l], v.dW);
      be.write(grads.db[l], v.db);
      return Atomics.load(v.ctl, CTL.SHIFT) ? Float64Array.from(v.shift) : null;
    });
  }

  private waitFor(c: Channel, l: number): void {
    const ctl = c.views.ctl;
    const t0 = Date.now();
    for (;;) {
      const done = Atomics.load(ctl, CTL.DONE);
      const status = Atomics.load(ctl, CTL.STATUS);
      if (status === STATUS.ERROR) {
        const msg = new TextDecoder().decode(c.views.err.slice(0, Atomics.load(ctl, CTL.ERRLEN)));
        this.close();
        throw new Error(`gupta: the worker of layer ${l} failed (parallel: 'layers'): ${msg}`);
      }
      if (done === this.seq) return;
      if (Date.now() - t0 > this.timeoutMs) {
        this.close();
        throw new Error(`gupta: the worker of layer ${l} did not answer within ${this.timeoutMs / 1000} s (parallel: 'layers')`);
      }
      Atomics.wait(ctl, CTL.DONE, done, 200);
    }
  }

  /** Asks every worker to exit and terminates it; the pool can start again on the next run. */
  close(): void {
    for (const c of this.channels) {
      Atomics.store(c.views.ctl, CTL.CMD, CMD.EXIT);
      Atomics.add(c.views.ctl, CTL.SEQ, 1);
      Atomics.notify(c.views.ctl, CTL.SEQ);
      void c.worker.terminate();
    }
    this.channels = [];
    this.rows = 0;
  }
}
