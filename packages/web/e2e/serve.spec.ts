// `plasticity serve` serves the built dashboard at `/` next to its API: the page runs under the
// server's Content-Security-Policy (WebAssembly compiles, workers start), trains a model, uploads
// it and follows a robustness job on the same server.
import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, setUp, tempDir, waitForModels, watchConsole } from './helpers.js';

test.describe.configure({ mode: 'serial' });

let server: ChildProcess | null = null;
let base = '';
let dir = '';

test.beforeAll(async ({}, info) => {
  info.setTimeout(90_000);
  dir = await tempDir('plasticity-web-serve-');
  const child = spawn(process.execPath, [join(repoRoot, 'packages/cli/bin/plasticity.mjs'), 'serve', '--port', '0', '--models', join(dir, 'models'), '--rate-limit', '0'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PLASTICITY_API_KEY: '' },
  });
  server = child;
  base = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /plasticity API on (http:\/\/[\d.:]+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`plasticity serve exited ${code}: ${err}`)));
  });
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const done = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await done;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('plasticity serve serves the dashboard, which trains, uploads a model and follows a robustness job there', async ({ page }) => {
  const errors = watchConsole(page);
  const res = await page.goto(`${base}/`);
  expect(res?.headers()['content-security-policy']).toContain("'wasm-unsafe-eval'");
  await setUp(page, { rules: ['bp'], hidden: '8', epochs: 30, dataset: 'iris', task: 'all', batch: 16 });
  await page.getByTestId('lr').fill('0.02');
  await page.getByTestId('start').click();
  await waitForModels(page, 1);
  await expect(page.getByTestId('progress')).toContainText('wasm-simd');

  await expect(page.getByTestId('server-url')).toHaveValue(base);
  await page.getByTestId('server-connect').click();
  await expect(page.getByTestId('server-status')).toContainText('Connected');
  await page.getByTestId('server-upload').click();
  await expect(page.getByTestId('server-status')).toContainText('stored on the server');
  await page.getByTestId('server-eps').fill('0,0.5,1');
  await page.getByTestId('server-rows').fill('30');
  await page.getByTestId('server-run').click();
  await expect(page.getByTestId('server-job')).toContainText('completed', { timeout: 60_000 });
  await expect(page.locator('[data-testid="server-result"] tbody tr')).toHaveCount(3);
  expect(errors).toEqual([]);
});
