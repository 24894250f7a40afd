// `plasticity serve`: the HTTP API (@plasticity/server) on a port, with the model store in a
// directory and jobs in-process, or on Redis with --redis / REDIS_URL. Logs are pino JSON
// lines on stdout; Ctrl-C or SIGTERM closes it (running in-process jobs resume on restart).
import { untilAborted, type CommandDef } from '../command.js';
import { BACKEND_FLAG } from '../flag-tables.js';
import type { FlagSpec } from '../flags.js';

export const REDIS_FLAG: FlagSpec = { key: 'redis', flag: '--redis', arg: '<url>', type: 'string', description: 'run jobs through BullMQ on this Redis (redis://host:port); default REDIS_URL, else in-process' };
export const MODELS_FLAG: FlagSpec = { key: 'models', flag: '--models', arg: '<dir>', type: 'string', default: 'models', description: 'the model store directory (one folder per model, named by its content hash)' };
export const JOBS_FLAG: FlagSpec = { key: 'jobs', flag: '--jobs', arg: '<dir>', type: 'string', description: 'where job results and report files go (default: a jobs folder beside --models)' };

export const serveCommand: CommandDef = {
  name: 'serve',
  summary: 'serve the HTTP API: predictions, attacks, robustness and training jobs (see docs/server.md)',
  flags: [
    { key: 'port', flag: '--port', arg: '<n>', type: 'int', min: 0, default: 8080, description: 'port to listen on (0: any free port)' },
    { key: 'host', flag: '--host', arg: '<address>', type: 'string', default: '127.0.0.1', description: 'address to listen on (0.0.0.0: every interface)' },
    MODELS_FLAG,
    JOBS_FLAG,
    REDIS_FLAG,
    { key: 'concurrency', flag: '--concurrency', arg: '<n>', type: 'int', min: 1, default: 1, description: 'in-process jobs running at once' },
    { key: 'rateLimit', flag: '--rate-limit', arg: '<n>', type: 'int', min: 0, default: 6000, description: 'requests per client per minute (write routes: 1/50 of it, at least 10); 0 turns rate limiting off' },
    BACKEND_FLAG,
  ],
  examples: ['plasticity serve', 'plasticity serve --port 9000 --models /srv/plasticity/models', 'plasticity serve --redis redis://127.0.0.1:6379'],
  async run({ values, interrupt, stop, io }) {
    // Loaded here, not at the top: every other command starts without Express and BullMQ.
    const { startServer } = await import('@plasticity/server');
    const perMinute = values.rateLimit as number;
    const server = await startServer({
      port: values.port as number,
      host: String(values.host),
      modelsDir: String(values.models),
      ...(values.jobs !== undefined ? { jobsDir: String(values.jobs) } : {}),
      ...(values.redis !== undefined ? { redisUrl: String(values.redis) } : {}),
      concurrency: values.concurrency as number,
      backend: values.backend as 'auto',
      rateLimit: perMinute === 0 ? false : { perMinute, writesPerMinute: Math.max(10, Math.floor(perMinute / 50)) },
    });
    io.stderr.write(`plasticity API on ${server.url} (docs: ${server.url}/docs, OpenAPI: ${server.url}/openapi.json${server.webDir ? `, dashboard: ${server.url}/` : ''}); Ctrl-C stops it\n`);
    await untilAborted(interrupt, stop);
    await server.close();
    return 0;
  },
};
