// A `plasticity worker` for the tests, without the CLI around it: one process, so SIGKILL
// kills the worker itself. Options come as one JSON argument; events go to stdout as JSON lines.
import { sharedBackend } from '../jobs/execute.js';
import { startWorker } from '../jobs/redis.js';
import { ModelStore } from '../store.js';

const o = JSON.parse(process.argv[2] ?? '{}') as { url: string; prefix: string; modelsDir: string; jobsDir: string; name: string; lockDuration: number; stalledInterval: number };
const store = new ModelStore(o.modelsDir);
await store.init();
const line = (e: object) => process.stdout.write(`${JSON.stringify({ worker: o.name, ...e })}\n`);
const w = await startWorker({
  url: o.url, prefix: o.prefix, store, jobsDir: o.jobsDir, name: o.name,
  backend: () => sharedBackend('auto'), lockDuration: o.lockDuration, stalledInterval: o.stalledInterval,
  onEvent: (e) => line(e),
});
await sharedBackend('auto');
line({ type: 'ready' });
process.on('SIGTERM', () => void w.close().then(() => process.exit(0)));
