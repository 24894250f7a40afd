// The Express 5 app: thin handlers over @plasticity/rules, registered against the route table
// (openapi.ts) and validating with its zod schemas. Hardening lives here: helmet headers,
// body and upload limits (413), rate limits (429), the optional API key on write routes,
// model-id checks before any disk access, problem+json for every error and no stack traces,
// one structured log line per request (pino).
import type { Backend } from '@plasticity/core-wasm';
import { listDatasets, listRules, ModelError, type Model } from '@plasticity/rules';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import multer from 'multer';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { docsAssets, docsInit, docsPage } from './docs-page.js';
import { attack, checkFloat32Rows, checkMatrix, disposeServed, modelSummary, parseWith, predict, serveModel, type ServedModel } from './inference.js';
import type { JobRunner, JobUpdate } from './jobs/types.js';
import { isTerminal } from './jobs/types.js';
import { expressPath, openApiDocument, ROUTES, type RouteDef, type RouteName } from './openapi.js';
import { invalid, problem, PROBLEM_CONTENT_TYPE, ProblemError, type Problem } from './problem.js';
import { API_DATASETS, AttackRequest, JOB_ID_PATTERN, LIMITS, MODEL_ID_PATTERN, RobustnessRequest, TrainRequest } from './schemas.js';
import { StoreError, type ModelStore } from './store.js';

export interface AppOptions {
  store: ModelStore;
  runner: JobRunner;
  /** The backend predictions and attacks run on (one per process). */
  backend: () => Promise<Backend>;
  /** Required on write routes when set (default: PLASTICITY_API_KEY); null or '' turns it off. */
  apiKey?: string | null;
  /** JSON body limit in bytes (default 8 MiB: 256 MNIST rows as JSON are ≈ 1–4 MB). */
  jsonLimitBytes?: number;
  /** Per-file upload limit in bytes (default 64 MiB). */
  uploadLimitBytes?: number;
  /** Requests per client per minute on every route (default 6000), and on write routes (default 120); false: no limit. */
  rateLimit?: { perMinute: number; writesPerMinute: number } | false;
  /** Structured request logs; false: none. Default: pino to stdout. */
  logger?: Logger | false;
  /** Models kept restored in memory (default 8). */
  modelCache?: number;
  /** Attacks running at once; more wait (default 2). */
  attackConcurrency?: number;
  /** Express 'trust proxy' (for the client IP behind a proxy). */
  trustProxy?: boolean | number | string;
  /** A built web dashboard (packages/web/dist) to serve at `/`; API routes take precedence. */
  webDir?: string | null;
}

export interface PlasticityApp {
  app: express.Express;
  /** Disposes the restored models held in memory. */
  close(): void;
}

function sendProblem(res: Response, p: Problem, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(p.status).set({ 'content-type': PROBLEM_CONTENT_TYPE, ...headers }).send(JSON.stringify(p));
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** A tiny counting semaphore. */
function limiter(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export function createApp(opts: AppOptions): PlasticityApp {
  const { store, runner } = opts;
  const apiKey = opts.apiKey === undefined ? (process.env.PLASTICITY_API_KEY ?? null) : opts.apiKey;
  const keyDigest = apiKey ? digest(apiKey) : null;
  const jsonLimit = opts.jsonLimitBytes ?? 8 * 1024 * 1024;
  const uploadLimit = opts.uploadLimitBytes ?? 64 * 1024 * 1024;
  const logger = opts.logger === false ? null : (opts.logger ?? pino({ name: 'plasticity-server' }));
  const attackSlot = limiter(opts.attackConcurrency ?? 2);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);

  app.use(
    helmet({
      contentSecurityPolicy: {
        // Swagger UI (/docs) styles elements inline; scripts all come from this origin.
        // No upgrade-insecure-requests: on a plain-http deployment (localhost) it would break /docs.
        // The dashboard compiles its WebAssembly kernels: 'wasm-unsafe-eval' (not 'unsafe-eval').
        directives: { 'script-src': ["'self'", "'wasm-unsafe-eval'"], 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:', 'blob:'], 'upgrade-insecure-requests': null },
      },
    }),
  );

  if (logger) {
    app.use(
      pinoHttp({
        logger,
        genReqId: (req, res) => {
          const given = req.headers['x-request-id'];
          const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
          res.setHeader('x-request-id', id);
          return id;
        },
        // Method, path and status only: headers (API keys) and bodies (inputs) are never logged.
        // The serializers take the raw req/res (wrapSerializers: false): the wrapped default would
        // first build pino's full request and response objects, which parses the query string
        // (Express 5's req.query getter) and copies every response header, per request, for fields
        // that are then dropped. Same fields, same values as the wrapped form.
        wrapSerializers: false,
        serializers: {
          req: (req: Request) => ({ id: req.id, method: req.method, url: (req.originalUrl || req.url).split('?')[0], remoteAddress: req.socket?.remoteAddress }),
          res: (res: Response) => ({ statusCode: res.headersSent ? res.statusCode : null }),
          err: pino.stdSerializers.err,
        },
        customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      }),
    );
  }

  const limited = (limit: number): RequestHandler =>
    rateLimit({
      windowMs: 60_000,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, res, _next, o) => sendProblem(res, problem('rate-limited', 429, `more than ${o.limit} requests a minute from this client; wait and retry (see the RateLimit headers)`)),
    });
  const rl = opts.rateLimit === undefined ? { perMinute: 6000, writesPerMinute: 120 } : opts.rateLimit;
  const writeLimit: RequestHandler | null = rl ? limited(rl.writesPerMinute) : null;
  if (rl) app.use(limited(rl.perMinute));

  const requireKey: RequestHandler = (req, res, next) => {
    if (!keyDigest) return next();
    const auth = req.headers.authorization;
    const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-api-key'];
    if (typeof given === 'string' && given.length > 0 && timingSafeEqual(digest(given), keyDigest)) return next();
    sendProblem(res, problem('unauthorized', 401, 'this server requires an API key on write endpoints: send `Authorization: Bearer <key>` or `X-API-Key: <key>`'), { 'www-authenticate': 'Bearer' });
  };

  const jsonBody = express.json({ limit: jsonLimit, type: () => true, strict: true });
  const rawBody = express.raw({ limit: jsonLimit, type: () => true });
  /** Parses JSON (or raw bytes where allowed) after checking the content type. */
  const body =
    (allowOctet = false): RequestHandler =>
    (req, res, next) => {
      if (req.is('application/json')) return jsonBody(req, res, next);
      if (allowOctet && req.is('application/octet-stream')) return rawBody(req, res, next);
      next(new ProblemError('unsupported-media-type', 415, `send the body as application/json${allowOctet ? ' (or application/octet-stream: little-endian float32 rows)' : ''}; got ${req.headers['content-type'] ?? 'no content type'}`));
    };

  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: uploadLimit, files: 2, fields: 2, parts: 4, fieldSize: uploadLimit, headerPairs: 50 },
  }).fields([{ name: 'model', maxCount: 1 }, { name: 'weights', maxCount: 1 }]);
  const multipart: RequestHandler = (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      return next(new ProblemError('unsupported-media-type', 415, `upload the model as multipart/form-data with fields 'model' (model.json) and 'weights' (weights.bin); got ${req.headers['content-type'] ?? 'no content type'}`));
    }
    upload(req, res, (err?: unknown) => next(err ? multerProblem(err, uploadLimit) : undefined));
  };

  // Models restored on the backend, most recently used last.
  const served = new Map<string, Promise<ServedModel>>();
  const cacheSize = Math.max(1, opts.modelCache ?? 8);
  async function servedModel(id: string): Promise<ServedModel> {
    let p = served.get(id);
    if (p) {
      served.delete(id);
      served.set(id, p);
      return p;
    }
    p = (async () => {
      const model = await store.get(id);
      if (!model) throw new ProblemError('not-found', 404, `no model with id ${id} in the store`, [{ pointer: '#/params/id', detail: 'no such model' }]);
      return serveModel(await opts.backend(), model, id);
    })();
    served.set(id, p);
    p.catch(() => served.delete(id));
    while (served.size > cacheSize) {
      const [oldId, old] = served.entries().next().value as [string, Promise<ServedModel>];
      served.delete(oldId);
      void old.then(disposeServed, () => {});
    }
    return p;
  }
  function evict(id: string): void {
    const p = served.get(id);
    served.delete(id);
    void p?.then(disposeServed, () => {});
  }

  const idParam = (req: Request, pattern: RegExp, what: string): string => {
    const id = req.params.id;
    if (typeof id !== 'string' || !pattern.test(id)) {
      throw new ProblemError('invalid-request', 400, `#/params/id: '${String(id).slice(0, 80)}' is not a ${what}`, [
        { pointer: '#/params/id', detail: what === 'model id' ? 'a model id is 64 lower-case hex digits (the content hash)' : 'a job id is a UUID' },
      ]);
    }
    return id;
  };
  const modelIdOf = (req: Request) => idParam(req, MODEL_ID_PATTERN, 'model id');
  const jobIdOf = (req: Request) => idParam(req, JOB_ID_PATTERN, 'job id');

  /** Path parameters checked with the route's schema before anything else (body, disk) is touched. */
  const checkParams =
    (schema: NonNullable<RouteDef['params']>): RequestHandler =>
    (req, _res, next) => {
      parseWith(schema, req.params, '#/params');
      next();
    };

  function route(name: RouteName, ...handlers: RequestHandler[]): void {
    const r = ROUTES[name] as RouteDef;
    const chain = [...(r.write ? [requireKey, ...(writeLimit ? [writeLimit] : [])] : []), ...(r.params ? [checkParams(r.params)] : []), ...handlers];
    app[r.method](expressPath(r.path), ...chain);
  }

  const started = Date.now();
  route('health', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: (Date.now() - started) / 1000 });
  });
  route('ready', async (_req, res) => {
    const [models, queue] = await Promise.all([store.writable(), runner.ready()]);
    const ok = models.ok && queue.ok;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not-ready', checks: { models, queue } });
  });
  route('rules', (_req, res) => {
    res.json({
      rules: listRules().map((r) => ({ name: r.name, description: r.description, signals: r.signals, forward: r.forward ?? 'shared', options: JSON.parse(JSON.stringify(r.options.parse({}))) as Record<string, unknown> })),
    });
  });
  route('datasets', (_req, res) => {
    res.json({
      datasets: listDatasets().map((d) => ({
        name: d.name, description: d.description, source: d.source, servedByApi: (API_DATASETS as readonly string[]).includes(d.name),
        sizes: d.sizes ? (JSON.parse(JSON.stringify(d.sizes)) as Record<string, number>) : null,
        inputShape: d.inputShape ? [...d.inputShape] : null, classNames: d.classNames ? [...d.classNames] : null,
      })),
    });
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(docsPage());
  });
  app.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(docsInit());
  });
  app.use('/docs/assets', docsAssets());

  route('uploadModel', multipart, async (req, res) => {
    const files = (req.files ?? {}) as Record<string, Express.Multer.File[] | undefined>;
    const textFields = (req.body ?? {}) as Record<string, unknown>;
    const modelFile = files.model?.[0]?.buffer ?? (typeof textFields.model === 'string' ? Buffer.from(textFields.model, 'utf8') : undefined);
    const weights = files.weights?.[0]?.buffer;
    if (!modelFile) throw invalid(['model'], "is missing: send model.json as the multipart field 'model'");
    if (!weights) throw invalid(['weights'], "is missing: send weights.bin as the multipart file field 'weights'");
    let json: string;
    try {
      json = new TextDecoder('utf-8', { fatal: true }).decode(modelFile);
    } catch {
      throw invalid(['model'], 'is not UTF-8 text; model.json is a JSON file');
    }
    const { id, created, model } = await store.put(json, new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), 'the uploaded model');
    res.status(created ? 201 : 200).location(`/v1/models/${id}`).json({ id, created, model: modelSummary(id, model) });
  });
  route('listModels', async (_req, res) => {
    const models = await store.list();
    res.json({ models: models.map((m) => modelSummary(m.id, m.model)) });
  });
  route('getModel', async (req, res) => {
    const id = modelIdOf(req);
    const model = await store.get(id);
    if (!model) throw notFoundModel(id);
    res.json({ ...modelSummary(id, model), meta: model.meta as unknown as Record<string, unknown> });
  });
  route('deleteModel', async (req, res) => {
    const id = modelIdOf(req);
    evict(id);
    if (!(await store.delete(id))) throw notFoundModel(id);
    res.status(204).end();
  });
  route('predict', body(true), async (req, res) => {
    const id = modelIdOf(req);
    const sm = await servedModel(id);
    let rows: { x: Float32Array; n: number };
    if (Buffer.isBuffer(req.body)) {
      rows = checkFloat32Rows(req.body, sm.inputSize, sm.range, LIMITS.predictRows);
    } else {
      const b = req.body as unknown;
      if (typeof b !== 'object' || b === null || Array.isArray(b)) throw invalid([], 'must be a JSON object { "inputs": [[…], …] }');
      const extra = Object.keys(b).find((k) => k !== 'inputs');
      if (extra !== undefined) throw invalid([extra], `is not a field of a predict request; send only "inputs"`);
      rows = checkMatrix((b as { inputs?: unknown }).inputs, sm.inputSize, sm.range, ['inputs'], LIMITS.predictRows);
    }
    res.json(predict(sm, rows.x, rows.n));
  });
  route('attack', body(), async (req, res) => {
    const id = modelIdOf(req);
    const parsed = parseWith(AttackRequest, req.body);
    const sm = await servedModel(id);
    let surrogate: ServedModel | null = null;
    if (parsed.gradient === 'transfer' && parsed.surrogate !== undefined) {
      surrogate = await servedModel(parsed.surrogate).catch((e: unknown) => {
        if (e instanceof ProblemError && e.status === 404) throw new ProblemError('not-found', 404, `#/surrogate: no model with id ${parsed.surrogate} in the store`, [{ pointer: '#/surrogate', detail: 'no such model' }]);
        throw e;
      });
    }
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const result = await attackSlot(() => attack(sm, parsed, surrogate, abort.signal));
    res.json(result);
  });
  route('robustness', body(), async (req, res) => {
    const id = modelIdOf(req);
    const request = parseWith(RobustnessRequest, req.body);
    const bad = request.attacks.findIndex((a) => a.gradient === 'transfer');
    if (bad >= 0) throw invalid(['attacks', bad, 'gradient'], "'transfer' is not available in robustness jobs (it needs a surrogate per model); use 'true' or 'rule', or POST …/attack with `surrogate`");
    if (!(await store.has(id))) throw notFoundModel(id);
    const record = await runner.submit({ kind: 'robustness', modelId: id, request });
    res.status(202).location(`/v1/jobs/${record.id}`).json(jobBody(record));
  });
  route('train', body(), async (req, res) => {
    const request = parseWith(TrainRequest, req.body);
    if (!listRules().some((r) => r.name === request.rule)) {
      throw invalid(['rule'], `unknown rule '${request.rule}'; registered rules are ${listRules().map((r) => r.name).join(', ')}`);
    }
    const record = await runner.submit({ kind: 'train', request });
    res.status(202).location(`/v1/jobs/${record.id}`).json(jobBody(record));
  });
  route('getJob', async (req, res) => {
    const id = jobIdOf(req);
    const record = await runner.get(id);
    if (!record) throw notFoundJob(id);
    res.json(jobBody(record));
  });
  route('cancelJob', async (req, res) => {
    const id = jobIdOf(req);
    const record = await runner.cancel(id);
    if (!record) throw notFoundJob(id);
    res.json(jobBody(record));
  });
  route('jobEvents', async (req, res) => {
    const id = jobIdOf(req);
    const first = await runner.get(id);
    if (!first) throw notFoundJob(id);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let seq = 0;
    const send = (event: string, data: unknown) => {
      res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      unsubscribe();
      clearInterval(heartbeat);
      send('end', {});
      res.end();
    };
    const onUpdate = (u: JobUpdate) => {
      if (done) return;
      if (u.type === 'progress') send('progress', u.progress);
      else {
        send('state', jobBody(u.record));
        if (isTerminal(u.record.state)) end();
      }
    };
    const unsubscribe = runner.subscribe(id, onUpdate);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    // The response's close, not the request's: a GET request is consumed (and may emit close) at once.
    res.on('close', () => {
      done = true;
      unsubscribe();
      clearInterval(heartbeat);
    });
    // The state after subscribing, so no change between the first read and now is missed.
    const now = (await runner.get(id)) ?? first;
    onUpdate({ type: 'state', record: now });
  });

  if (opts.webDir) app.use(express.static(opts.webDir, { index: 'index.html', maxAge: '1h' }));

  // Unknown paths and methods.
  const known = (Object.values(ROUTES) as RouteDef[]).map((r) => ({ re: new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`), method: r.method.toUpperCase() }));
  app.use((req, res) => {
    const allowed = known.filter((k) => k.re.test(req.path)).map((k) => k.method);
    if (allowed.length) {
      sendProblem(res, problem('method-not-allowed', 405, `${req.method} is not allowed on ${req.path}; allowed: ${allowed.join(', ')}`), { allow: allowed.join(', ') });
    } else {
      sendProblem(res, problem('not-found', 404, `no endpoint ${req.method} ${req.path.slice(0, 200)}; see /openapi.json or /docs`));
    }
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const p = toProblem(err);
    if (p.status >= 500) (req as Request & { log?: Logger }).log?.error({ err }, 'request failed');
    sendProblem(res, p.toProblem(), p.headers);
  });

  return {
    app,
    close() {
      for (const id of [...served.keys()]) evict(id);
    },
  };
}

function notFoundModel(id: string): ProblemError {
  return new ProblemError('not-found', 404, `no model with id ${id} in the store`, [{ pointer: '#/params/id', detail: 'no such model' }]);
}
function notFoundJob(id: string): ProblemError {
  return new ProblemError('not-found', 404, `no job with id ${id}`, [{ pointer: '#/params/id', detail: 'no such job' }]);
}

export function jobBody(r: import('./jobs/types.js').JobRecord) {
  return { ...r, links: { self: `/v1/jobs/${r.id}`, events: `/v1/jobs/${r.id}/events` } };
}

function multerProblem(err: unknown, limit: number): ProblemError {
  if (err instanceof multer.MulterError) {
    const field = err.field ? [err.field] : [];
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
      case 'LIMIT_FIELD_VALUE':
        return new ProblemError('payload-too-large', 413, `${field.length ? `#/${field[0]}: ` : ''}larger than the upload limit of ${limit} bytes`, field.length ? [{ pointer: `#/${field[0]}`, detail: `larger than ${limit} bytes` }] : undefined);
      case 'LIMIT_UNEXPECTED_FILE':
        return invalid(field, "is not an upload field; send exactly 'model' (model.json) and 'weights' (weights.bin), once each");
      default:
        return invalid(field, `the multipart body was refused (${err.message}); send 'model' and 'weights' only`);
    }
  }
  return invalid([], `the multipart body could not be read (${(err as Error)?.message ?? 'malformed'}); send 'model' and 'weights' as files`);
}

const BODY_PARSER_TYPES: Record<string, [number, import('./problem.js').ProblemKind, string]> = {
  'entity.too.large': [413, 'payload-too-large', 'the body is larger than the limit'],
  'entity.parse.failed': [400, 'invalid-request', 'the body is not valid JSON'],
  'entity.verify.failed': [400, 'invalid-request', 'the body could not be verified'],
  'encoding.unsupported': [415, 'unsupported-media-type', 'the content encoding is not supported (use identity, gzip, deflate or br)'],
  'charset.unsupported': [415, 'unsupported-media-type', 'the charset is not supported (use utf-8)'],
  'request.aborted': [400, 'invalid-request', 'the request was aborted by the client'],
  'request.size.invalid': [400, 'invalid-request', 'the body length does not match Content-Length'],
  'stream.encoding.set': [500, 'internal', 'internal error'],
  'parameters.too.many': [413, 'payload-too-large', 'too many parameters'],
};

function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof ModelError) {
    const m = err.message;
    const field = /weights\.bin|checksum|bytes|truncated|non-finite/.test(m) ? 'weights' : 'model';
    return new ProblemError('invalid-model', 400, `#/${field}: ${m}`, [{ pointer: `#/${field}`, detail: m }]);
  }
  if (err instanceof StoreError) return new ProblemError('invalid-request', 400, err.message);
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string };
  if (typeof e?.type === 'string' && BODY_PARSER_TYPES[e.type]) {
    const [status, kind, detail] = BODY_PARSER_TYPES[e.type];
    const extra = e.type === 'entity.parse.failed' && e.message ? ` (${e.message.slice(0, 200)})` : '';
    return new ProblemError(kind, status, detail + extra);
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new ProblemError('invalid-request', status, e.message?.slice(0, 300) ?? 'bad request');
  return new ProblemError('internal', 500, 'internal error; the server log has the details (no stack traces are sent)');
}

export type { Model };
