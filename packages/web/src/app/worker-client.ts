// The page's side of a model worker: typed calls that resolve with the worker's answer (or
// reject with its error, name and message kept), and a listener for its notes.
import type { Method, Methods, Note, Params, Response, WorkerMessage } from '../worker/protocol.js';

export class WorkerError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = kind;
  }
}

export class ModelWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private listeners: ((n: Note) => void)[] = [];
  private dead: Error | null = null;

  constructor() {
    this.worker = new Worker(new URL('../worker/model-worker.ts', import.meta.url), { type: 'module', name: 'plasticity-model' });
    this.worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if ('note' in m) {
        for (const l of this.listeners) l(m);
        return;
      }
      const r = m as Response;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if ('error' in r) p.reject(new WorkerError(r.error.name, r.error.message));
      else p.resolve(r.result);
    };
    this.worker.onerror = (e) => {
      // A worker that fails to load or throws outside a call: every pending call fails with why.
      e.preventDefault();
      this.dead = new WorkerError('WorkerError', `the model worker failed: ${e.message || 'it could not be started'}`);
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    };
  }

  call<M extends Method>(method: M, params: Params<M>, transfer: Transferable[] = []): Promise<Awaited<ReturnType<Methods[M]>>> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, params }, transfer);
    });
  }

  onNote(fn: (n: Note) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  terminate(): void {
    this.worker.terminate();
    const err = new WorkerError('AbortError', 'the model was removed');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.dead = err;
  }
}
