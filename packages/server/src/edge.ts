// A Web-standard handler, `(request: Request) => Promise<Response>`, for predict and attack
// over one model given as bytes: for serverless functions and edge runtimes (anything with
// fetch's Request/Response and WebAssembly). No Node-only import reaches this module: it uses
// the same schemas, checks and problem documents as the Express app, and the backend comes
// from @plasticity/core-wasm, which loads its kernels from bytes or a URL. See docs/server.md.
//
//   POST {base}/predict   { inputs }                      → { predictions, probabilities }
//   POST {base}/attack    { attack, epsilon, inputs, … }  → adversarial inputs, predictions, norms
//   GET  {base}/model                                      → the model's summary
import { createBackend, type Backend } from '@plasticity/core-wasm';
import { parseModel, type Model } from '@plasticity/rules';
import { attack, checkFloat32Rows, checkMatrix, modelSummary, parseWith, predict, serveModel, type ServedModel } from './inference.js';
import { invalid, problem, problemResponse, ProblemError } from './problem.js';
import { AttackRequest, LIMITS } from './schemas.js';

export interface EdgeOptions {
  /** The model: already parsed, or the text of model.json and the bytes of weights.bin. */
  model: Model | { json: string; weights: Uint8Array };
  /** A backend, or a function making one (default: createBackend('auto'); on an edge runtime pass one whose kernels load from bytes). */
  backend?: Backend | (() => Promise<Backend>);
  /** Path prefix the routes live under (default ''). */
  basePath?: string;
  /** Body limit in bytes (default 8 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** When set, every request needs `Authorization: Bearer <key>` or `X-API-Key`. */
  apiKey?: string;
  /** Id reported for the model (default: its weights sha256). */
  id?: string;
}

export type EdgeHandler = (request: Request) => Promise<Response>;

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function json(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data), { status, headers: JSON_HEADERS });
}

/** Reads at most `limit` bytes of a body; past it, a 413 (a missing or lying Content-Length does not help). */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new ProblemError('payload-too-large', 413, `the body is larger than the limit of ${limit} bytes`);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new ProblemError('payload-too-large', 413, `the body is larger than the limit of ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
}

async function readJson(request: Request, limit: number): Promise<unknown> {
  if (mediaType(request) !== 'application/json') {
    throw new ProblemError('unsupported-media-type', 415, `send the body as application/json; got ${request.headers.get('content-type') ?? 'no content type'}`);
  }
  const bytes = await readBody(request, limit);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid([], 'the body is not UTF-8 text');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ProblemError('invalid-request', 400, `the body is not valid JSON (${(e as Error).message.slice(0, 200)})`);
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function createEdgeHandler(opts: EdgeOptions): EdgeHandler {
  const base = (opts.basePath ?? '').replace(/\/+$/, '');
  const limit = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  let ready: Promise<ServedModel> | null = null;
  const load = (): Promise<ServedModel> => {
    ready ??= (async () => {
      const model = 'meta' in opts.model ? opts.model : parseModel(opts.model.json, opts.model.weights, 'the edge model');
      const backend = typeof opts.backend === 'function' ? await opts.backend() : (opts.backend ?? (await createBackend('auto')));
      const id = opts.id ?? model.meta.weights.sha256 ?? (await sha256Hex(new Uint8Array(0)));
      return serveModel(backend, model, id);
    })();
    ready.catch(() => {
      ready = null;
    });
    return ready;
  };

  return async (request: Request): Promise<Response> => {
    try {
      if (opts.apiKey) {
        const auth = request.headers.get('authorization');
        const given = auth?.startsWith('Bearer ') ? auth.slice(7) : request.headers.get('x-api-key');
        if (!given || !(await sameSecret(given, opts.apiKey))) {
          return problemResponse(problem('unauthorized', 401, 'send `Authorization: Bearer <key>` or `X-API-Key: <key>`'), { 'www-authenticate': 'Bearer' });
        }
      }
      const path = new URL(request.url).pathname;
      const rel = base && path.startsWith(base) ? path.slice(base.length) : base ? null : path;
      const method = request.method.toUpperCase();
      const routes: Record<string, string> = { '/predict': 'POST', '/attack': 'POST', '/model': 'GET' };
      if (rel === null || !(rel in routes)) return problemResponse(problem('not-found', 404, `no endpoint ${method} ${path.slice(0, 200)}; this handler serves POST ${base}/predict, POST ${base}/attack and GET ${base}/model`));
      if (method !== routes[rel]) return problemResponse(problem('method-not-allowed', 405, `${method} is not allowed on ${path}; use ${routes[rel]}`), { allow: routes[rel] });
      const sm = await load();
      if (rel === '/model') return json(modelSummary(sm.id, sm.model));
      if (rel === '/predict') {
        let rows: { x: Float32Array; n: number };
        if (mediaType(request) === 'application/octet-stream') {
          rows = checkFloat32Rows(await readBody(request, limit), sm.inputSize, sm.range, LIMITS.predictRows);
        } else {
          const b = await readJson(request, limit);
          if (typeof b !== 'object' || b === null || Array.isArray(b)) throw invalid([], 'must be a JSON object { "inputs": [[…], …] }');
          const extra = Object.keys(b).find((k) => k !== 'inputs');
          if (extra !== undefined) throw invalid([extra], 'is not a field of a predict request; send only "inputs"');
          rows = checkMatrix((b as { inputs?: unknown }).inputs, sm.inputSize, sm.range, ['inputs'], LIMITS.predictRows);
        }
        return json(predict(sm, rows.x, rows.n));
      }
      const body = parseWith(AttackRequest, await readJson(request, limit));
      if (body.gradient === 'transfer') throw invalid(['gradient'], "'transfer' needs a second model, which this handler does not hold; use 'true' or 'rule'");
      return json(await attack(sm, body, null, request.signal));
    } catch (e) {
      if (e instanceof ProblemError) return problemResponse(e.toProblem(), e.headers);
      if ((e as Error)?.name === 'ModelError') return problemResponse(problem('invalid-model', 500, `the handler's model is not valid: ${(e as Error).message}`));
      return problemResponse(problem('internal', 500, 'internal error (no details are sent)'));
    }
  };
}

async function sameSecret(a: string, b: string): Promise<boolean> {
  // Compare digests, so the time taken says nothing about how much of the key matched.
  const [x, y] = await Promise.all([sha256Hex(new TextEncoder().encode(a)), sha256Hex(new TextEncoder().encode(b))]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x.charCodeAt(i) ^ y.charCodeAt(i);
  return diff === 0;
}
