// `plasticity serve` as a user runs it: the real bin, a free port, a health check, an upload
// refused without the API key, and SIGTERM closing it with exit code 0.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { collect, spawnCli } from '../testing/subprocess.js';

it('serves the API until SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plasticity-serve-'));
  try {
    const child = spawnCli(['serve', '--port', '0', '--models', join(dir, 'models')], { cwd: dir, env: { PLASTICITY_API_KEY: 'k' } });
    const done = collect(child);
    const url = await new Promise<string>((ok, fail) => {
      let err = '';
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        const m = /API on (http:\/\/[\d.:]+)/.exec(err);
        if (m) ok(m[1]);
      });
      child.once('exit', () => fail(new Error(`serve exited early: ${err}`)));
    });
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    const upload = await fetch(`${url}/v1/models`, { method: 'POST', body: new FormData() });
    expect(upload.status).toBe(401);
    child.kill('SIGTERM');
    const run = await done;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/"msg":"request completed"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
