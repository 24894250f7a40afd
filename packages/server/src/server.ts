// Starting and stopping a whole server: the model store, the job runner (in-process, or
// BullMQ on Redis when a URL is given), the app, and an HTTP listener. `plasticity serve`
// and `npm run serve` call this.
import type { BackendName } from '@plasticity/core-wasm';
import { existsSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type express from 'express';
import { createApp, type AppOptions } from './app.js';
import { sharedBackend } from './jobs/execute.js';
import { InProcessRunner } from './jobs/in-process.js';
import { redact, RedisRunner } from './jobs/redis.js';
import type { JobRunner } from './jobs/types.js';
import { ModelStore } from './store.js';

export interface ServerOptions extends Partial<Omit<AppOptions, 'store' | 'runner' | 'backend' | 'logger'>> {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; '0.0.0.0' to listen on every interface. */
  host?: string;
  /** Model store directory (default ./models). */
  modelsDir?: string;
  /** Job results directory (default <modelsDir>/../jobs, i.e. beside the store). */
  jobsDir?: string;
  /** BullMQ on this Redis (default: REDIS_URL, else in-process jobs). */
  redisUrl?: string | null;
  /** Key prefix on Redis (default 'plasticity'). */
  redisPrefix?: string;
  backend?: BackendName | 'auto';
  /** In-process runner: jobs at once (default 1). */
  concurrency?: number;
  logger?: Logger | false;
}

export interface RunningServer {
  url: string;
  /** The dashboard folder served at `/`, or null (not built: `npm run build -w @plasticity/web`). */
  webDir: string | null;
  port: number;
  server: Server;
  store: ModelStore;
  runner: JobRunner;
  close(): Promise<void>;
}

/** The built dashboard (packages/web/dist) when it is installed and built, else null. A file lookup, not an import. */
export function defaultWebDir(): string | null {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@plasticity/web/package.json')), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : null;
  } catch {
    return null;
  }
}

export function defaultJobsDir(modelsDir: string): string {
  return join(resolve(modelsDir), '..', 'jobs');
}

/**
 * `http.createServer(app)` (what `app.listen` does), but each request and response is constructed
 * on the app's own prototypes (`app.request`, `app.response`). Express re-parents every req and res
 * with Object.setPrototypeOf; in V8 an object re-parented that way gets maps that are not shared
 * through the transition tree, so every property the router, body parser and logger then add builds
 * a fresh map for that one request, and every inline cache that touches req or res goes megamorphic.
 * Born on those prototypes, Express's setPrototypeOf is a no-op and the maps stay shared.
 */
export function expressServer(app: express.Express): Server {
  const base = { req: IncomingMessage as unknown as (this: unknown, ...args: unknown[]) => void, res: ServerResponse as unknown as (this: unknown, ...args: unknown[]) => void };
  function AppRequest(this: unknown, ...args: unknown[]): void {
    base.req.apply(this, args);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: unknown, ...args: unknown[]): void {
    base.res.apply(this, args);
  }
  AppResponse.prototype = app.response;
  return createServer({ IncomingMessage: AppRequest as unknown as typeof IncomingMessage, ServerResponse: AppResponse as unknown as typeof ServerResponse }, app);
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const logger = opts.logger === undefined ? pino({ name: 'plasticity-server' }) : opts.logger;
  const modelsDir = resolve(opts.modelsDir ?? 'models');
  const jobsDir = resolve(opts.jobsDir ?? defaultJobsDir(modelsDir));
  const store = new ModelStore(modelsDir);
  await store.init();
  const backend = () => sharedBackend(opts.backend ?? 'auto');
  await backend();
  const redisUrl = opts.redisUrl === undefined ? (process.env.REDIS_URL || null) : opts.redisUrl;
  let runner: JobRunner;
  if (redisUrl) {
    const r = new RedisRunner({ url: redisUrl, prefix: opts.redisPrefix });
    await r.init();
    runner = r;
  } else {
    const r = new InProcessRunner({ store, jobsDir, backend, concurrency: opts.concurrency });
    await r.init();
    runner = r;
  }
  const webDir = opts.webDir === undefined ? defaultWebDir() : opts.webDir;
  const { app, close: closeApp } = createApp({ ...opts, webDir, store, runner, backend, logger });
  const server = await new Promise<Server>((ok, fail) => {
    const s = expressServer(app);
    s.once('error', fail);
    s.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => {
      s.off('error', fail);
      ok(s);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (logger) logger.info({ url, modelsDir, jobsDir, jobs: redisUrl ? `redis ${redact(redisUrl)}` : 'in-process', dashboard: webDir ?? 'not built' }, 'plasticity server listening');
  let closing: Promise<void> | null = null;
  return {
    url, port, server, store, runner, webDir,
    close() {
      closing ??= (async () => {
        server.closeIdleConnections();
        const closed = new Promise<void>((ok) => server.close(() => ok()));
        // Event streams stay open; end them so close() returns.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
        await closed;
        await runner.close();
        closeApp();
      })();
      return closing;
    },
  };
}
