// `plasticity bench`: runs the repository's benchmark script (`npm run bench`), which builds
// the kernels and writes its JSON report; extra arguments are passed on.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandDef } from '../command.js';
import { OUTPUT_FLAGS } from '../flag-tables.js';
import { CliError } from '../flags.js';

/** The monorepo root (the package.json with workspaces) above this file. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export const benchCommand: CommandDef = {
  name: 'bench',
  summary: "run the repository's benchmarks (npm run bench); extra arguments are passed on",
  flags: OUTPUT_FLAGS.filter((f) => f.key === 'json'),
  passThrough: true,
  examples: ['plasticity bench'],
  async run({ out, io, args, interrupt }) {
    const root = repoRoot();
    if (!root) throw new CliError('bench: cannot find the Plasticity repository root (a package.json with workspaces) above the CLI; run `npm run bench` in the repository', 1);
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    const script = scripts.bench;
    if (!script) throw new CliError(`bench: ${join(root, 'package.json')} has no "bench" script`, 1);
    const files = [...script.matchAll(/(\S+\.(?:ts|mjs|js))/g)].map((m) => m[1]);
    const missing = files.filter((f) => !existsSync(join(root, f)));
    if (missing.length) throw new CliError(`bench: the benchmark module ${missing.join(', ')} is not in ${root} yet (the "bench" script is: ${script})`, 1);
    out.note(`running \`npm run bench\` in ${root}: ${script}`);
    const json = out.mode === 'json';
    const code = await new Promise<number>((resolvePromise, reject) => {
      const child = spawn('npm', ['run', '--silent', 'bench', ...(args.length ? ['--', ...args] : [])], {
        cwd: root,
        // JSON mode keeps stdout for JSON lines: the benchmark's own text goes to stderr.
        stdio: ['ignore', json ? 'pipe' : 'inherit', 'inherit'],
      });
      if (json) child.stdout?.on('data', (b: Buffer) => io.stderr.write(b));
      interrupt.addEventListener('abort', () => child.kill('SIGINT'), { once: true });
      child.on('error', reject);
      child.on('exit', (c, sig) => resolvePromise(c ?? (sig ? 128 + 2 : 1)));
    });
    out.emit({ type: 'result', command: 'bench', script, exitCode: code });
    return code;
  },
};
