// The server under benchmark, alone in its process (the load generator must not share its
// event loop): `plasticity serve` as a user starts it, with request logs on (to a discarded
// stdout) and rate limiting off. Reports its URL and pid over IPC.
import { startServer } from '@plasticity/server';

const [backend, modelsDir] = process.argv.slice(2);
const server = await startServer({ port: 0, modelsDir, backend: backend as 'wasm-simd', rateLimit: false, apiKey: null });
process.send?.({ url: server.url, pid: process.pid });
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
