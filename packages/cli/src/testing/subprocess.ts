// Drives the real `plasticity` bin as a subprocess, the way a user's shell would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

export const BIN = fileURLToPath(new URL('../../bin/plasticity.mjs', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnCliOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Its own process group, so a test can signal it like a terminal would. */
  detached?: boolean;
}

export function spawnCli(args: readonly string[], opts: SpawnCliOptions): ChildProcess {
  const env = { ...process.env, ...opts.env };
  delete env.NODE_OPTIONS;
  delete env.FORCE_COLOR;
  return spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
}

export function collect(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: readonly string[], opts: SpawnCliOptions): Promise<CliRun> {
  return collect(spawnCli(args, opts));
}

/** The JSON lines of a --json run (every line must parse). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Terminal output as plain text: escape codes and carriage returns removed. */
export function plainText(s: string): string {
  return stripVTControlCharacters(s).replace(/\r/g, '');
}
