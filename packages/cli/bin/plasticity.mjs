#!/usr/bin/env node
// The `plasticity` command. Node 20 cannot run TypeScript and the workspace packages resolve
// from source through the "source" export condition, so unless this process already runs with
// --conditions=source and tsx's ESM loader, it re-runs itself with them (same arguments,
// terminal inherited) and passes on the child's exit code. The parent ignores SIGINT: Ctrl-C
// reaches the child (same process group), which stops training and exits non-zero.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, '..', 'src', 'main.ts');

const hasSource = process.execArgv.some((a, i, all) => a === '--conditions=source' || a === '-C=source' || ((a === '--conditions' || a === '-C') && all[i + 1] === 'source'));
const hasTsx = process.execArgv.some((a) => /tsx/.test(a));

if (hasSource && hasTsx) {
  await import(pathToFileURL(entry).href);
} else {
  const require = createRequire(import.meta.url);
  let loader;
  try {
    loader = require.resolve('tsx/esm');
  } catch {
    process.stderr.write('plasticity: cannot find tsx (a dependency of @plasticity/cli); run npm install in the repository\n');
    process.exit(1);
  }
  // tsx reads the tsconfig of the working directory; the CLI's own (jsx: react-jsx) must apply wherever it runs.
  const env = { ...process.env, TSX_TSCONFIG_PATH: process.env.TSX_TSCONFIG_PATH ?? join(here, '..', 'tsconfig.json') };
  const child = spawn(process.execPath, ['--conditions=source', '--import', pathToFileURL(loader).href, entry, ...process.argv.slice(2)], { stdio: 'inherit', env });
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exit(code ?? 128 + (constants.signals[signal] ?? 1));
  });
}
