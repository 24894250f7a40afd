// The process entry the `plasticity` bin loads (under tsx with --conditions=source).
import { runCli } from './program.js';

// `plasticity rules | head`: a closed pipe ends the output, it is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await runCli(process.argv.slice(2), { handleSignals: true });
