// `plasticity worker`: takes robustness and training jobs from the BullMQ queue on Redis that
// `plasticity serve --redis` fills. Run any number, on any machines that see the same model
// store and jobs directories (a shared volume). Ctrl-C or SIGTERM finishes the current job's
// lock cleanly; a killed worker's job is picked up by another after the lock expires.
import { resolve } from 'node:path';
import { untilAborted, type CommandDef } from '../command.js';
import { BACKEND_FLAG } from '../flag-tables.js';
import { CliError } from '../flags.js';
import { JOBS_FLAG, MODELS_FLAG, REDIS_FLAG } from './serve.js';

export const workerCommand: CommandDef = {
  name: 'worker',
  summary: 'run jobs from the Redis queue that `plasticity serve --redis` feeds',
  flags: [
    REDIS_FLAG,
    MODELS_FLAG,
    JOBS_FLAG,
    { key: 'concurrency', flag: '--concurrency', arg: '<n>', type: 'int', min: 1, default: 1, description: 'jobs this process runs at once' },
    { key: 'lockMs', flag: '--lock-ms', arg: '<ms>', type: 'int', min: 1000, default: 30_000, description: "a job's lock; a dead worker's job is retaken after about lock + stalled-check interval" },
    { key: 'stalledMs', flag: '--stalled-ms', arg: '<ms>', type: 'int', min: 1000, default: 30_000, description: 'how often this worker looks for jobs whose worker died' },
    BACKEND_FLAG,
  ],
  examples: ['plasticity worker --redis redis://127.0.0.1:6379', 'plasticity worker --redis redis://queue:6379 --models /mnt/shared/models --concurrency 2'],
  async run({ values, interrupt, stop, io }) {
    const url = (values.redis as string | undefined) ?? process.env.REDIS_URL;
    if (!url) throw new CliError('plasticity worker needs --redis <url> (or REDIS_URL): the queue to take jobs from');
    const { sharedBackend, startWorker, ModelStore, defaultJobsDir } = await import('@plasticity/server');
    const store = new ModelStore(String(values.models));
    await store.init();
    const backend = () => sharedBackend(values.backend as 'auto');
    await backend();
    const log = (e: object) => io.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
    const w = await startWorker({
      url,
      store,
      jobsDir: values.jobs !== undefined ? resolve(String(values.jobs)) : defaultJobsDir(String(values.models)),
      backend,
      concurrency: values.concurrency as number,
      lockDuration: values.lockMs as number,
      stalledInterval: values.stalledMs as number,
      onEvent: (e) => log(e),
    });
    log({ type: 'ready', models: store.root });
    await untilAborted(interrupt, stop);
    await w.close();
    return 0;
  },
};
