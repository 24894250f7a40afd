// The worker entry: requests from the page go to one ModelEngine; answers and notes go back.
// Typed arrays in answers are transferred, not copied.
import { ModelEngine } from './engine.js';
import type { Method, Methods, Note, Request, Response } from './protocol.js';

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;

const engine = new ModelEngine((note: Note, transfer?: Transferable[]) => scope.postMessage(note, transfer ?? []));

function transferables(value: unknown, out: Transferable[] = [], depth = 0): Transferable[] {
  if (depth > 4 || value === null || typeof value !== 'object') return out;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && !out.includes(value.buffer)) out.push(value.buffer);
    return out;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) transferables(v, out, depth + 1);
  return out;
}

scope.onmessage = async (e) => {
  const { id, method, params } = e.data;
  let reply: Response;
  try {
    const fn = engine[method as Method] as (p: unknown) => unknown;
    const result = await fn.call(engine, params as Parameters<Methods[Method]>[0]);
    reply = { id, result };
  } catch (err) {
    const error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
    reply = { id, error };
  }
  try {
    scope.postMessage(reply, 'result' in reply ? transferables(reply.result) : []);
  } catch (err) {
    scope.postMessage({ id, error: { name: 'DataCloneError', message: (err as Error).message } });
  }
};
