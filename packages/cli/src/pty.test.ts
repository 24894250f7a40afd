// The interactive view in a real pseudo-terminal: the Ink frame draws, `q` stops training
// cleanly and the last good checkpoint is saved.
import { loadModel } from '@plasticity/rules';
import pty from 'node-pty';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, plainText } from './testing/subprocess.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'plasticity-pty-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('plasticity train in a terminal', () => {
  it('draws the Ink view and q saves the last good checkpoint', async () => {
    const env = { ...process.env } as Record<string, string>;
    delete env.NODE_OPTIONS;
    delete env.CI;
    const term = pty.spawn(
      process.execPath,
      // Enough epochs that only `q` ends it.
      [BIN, 'train', '--rule', 'fa', '--dataset', 'iris', '--layers', '8', '--epochs', '100000', '--batch', '8', '--input-transform', 'standardize', '--progress-every', '1', '--out', 'stopped'],
      { name: 'xterm-256color', cols: 110, rows: 45, cwd, env },
    );
    let raw = '';
    let sent = false;
    const exit = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    await new Promise<void>((resolve) => {
      term.onData((d) => {
        raw += d;
        // Stop once a few epochs have drawn their charts.
        if (!sent && /per layer \(epoch [3-9]/.test(plainText(raw))) {
          sent = true;
          term.write('q');
          resolve();
        }
      });
    });
    const code = await exit;
    const screen = plainText(raw);
    expect(code).toBe(0);
    expect(screen).toContain('plasticity train · rule fa · iris');
    expect(screen).toMatch(/epoch \d+\/100000 +[█░]+ \d+%/);
    expect(screen).toContain('samples/s');
    expect(screen).toContain('angle to ∇');
    expect(screen).toContain('q: stop and save the last good checkpoint');
    expect(screen).toContain(`model saved to ${join(cwd, 'stopped')}`);
    const model = await loadModel(join(cwd, 'stopped'));
    expect(model.meta.metrics?.status).toBe('stopped');
    const run = (model.meta.training as { run: { epochsCompleted: number } }).run;
    expect(run.epochsCompleted).toBeGreaterThanOrEqual(3);
    expect(run.epochsCompleted).toBeLessThan(100000);
  });
});
