// The `plasticity` program: commander commands built from the flag tables, config files
// merged under the command line, the output mode chosen, Ctrl-C wired to an AbortSignal,
// and errors printed as one message with a non-zero exit code.
import { VERSION } from '@plasticity/rules';
import { Command, CommanderError } from 'commander';
import type { CommandContext, CommandDef } from './command.js';
import { readConfigFile } from './config.js';
import { CliError, kebab, resolveFlags, toOption } from './flags.js';
import { jsonLine, Output, type CliIo, type Mode } from './output.js';
import { COMMANDS } from './commands/index.js';
import { errorMessage } from './commands/train.js';

export interface RunOptions {
  io?: CliIo;
  /** Install a SIGINT handler that aborts the running command (the real process). */
  handleSignals?: boolean;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

export function chooseMode(values: Record<string, unknown>, io: CliIo): Mode {
  if (values.json) return 'json';
  if (values.plain || !io.stdout.isTTY || io.env.CI) return 'plain';
  return 'ink';
}

export function buildProgram(io: CliIo, onAction: (def: CommandDef, cmd: Command) => Promise<void>, commands: readonly CommandDef[] = COMMANDS): Command {
  const program = new Command('plasticity')
    .description('Train neural networks with local learning rules next to backprop, and measure their adversarial robustness.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  for (const def of commands) {
    const cmd = program.command(def.name).description(def.summary).exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    for (const f of def.flags) cmd.addOption(toOption(f));
    if (def.passThrough) cmd.allowUnknownOption().allowExcessArguments().argument('[args...]', 'passed on');
    if (def.examples.length) cmd.addHelpText('after', `\nExamples:\n${def.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
    cmd.action(async () => onAction(def, cmd));
  }
  return program;
}

/** Runs `plasticity <argv>`; resolves to the exit code. */
export async function runCli(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  let exitCode = 0;
  let out: Output | undefined;
  const stop = new AbortController();
  const interrupt = new AbortController();
  let interruptedAt = 0;
  const controls = {
    stop() {
      if (stop.signal.aborted) return;
      stop.abort();
      out?.emit({ type: 'stopping' });
    },
    interrupt() {
      if (interrupt.signal.aborted) {
        // One signal can arrive twice (the process group and a forwarding parent); a second
        // press a moment later means: do not wait for the current step.
        if (Date.now() - interruptedAt < 1000) return;
        io.stderr.write('\ninterrupted twice: exiting now\n');
        process.exit(130);
      }
      interruptedAt = Date.now();
      interrupt.abort();
      out?.emit({ type: 'interrupting' });
    },
  };
  // SIGTERM (a supervisor, or the bin passing one on) stops the same way as Ctrl-C.
  const onSigint = () => controls.interrupt();
  if (options.handleSignals) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
  }

  const program = buildProgram(io, async (def, cmd) => {
    const cliValues: Record<string, unknown> = {};
    for (const f of def.flags) if (cmd.getOptionValueSource(f.key) === 'cli') cliValues[f.key] = cmd.getOptionValue(f.key);
    let config: Record<string, unknown> = {};
    let configPath: string | undefined;
    if (cliValues.config) {
      const file = await readConfigFile(String(cliValues.config), def.name, COMMANDS.map((c) => c.name));
      config = file.options;
      configPath = file.path;
    }
    const allKeys = new Set(COMMANDS.flatMap((c) => c.flags.flatMap((f) => [f.key, kebab(f.key)])));
    const { values, sources } = resolveFlags(def.flags, cliValues, config, configPath ? `--config ${configPath}` : '', allKeys);
    out = new Output(chooseMode(values, io), io);
    const ctx: CommandContext = { values, sources, out, io, stop: stop.signal, interrupt: interrupt.signal, controls, args: cmd.args, configPath };
    exitCode = (await def.run(ctx)) ?? 0;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its message.
      exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : e.code === 'commander.help' ? e.exitCode : 2;
      if (exitCode !== 0 && argv.includes('--json')) io.stdout.write(`${jsonLine({ type: 'error', message: e.message.replace(/^error: /, '') })}\n`);
    } else {
      const known = e instanceof CliError;
      const message = errorMessage(e);
      exitCode = known ? e.exitCode : 1;
      if (out?.mode === 'json' || (!out && argv.includes('--json'))) io.stdout.write(`${jsonLine({ type: 'error', message, exitCode })}\n`);
      io.stderr.write(`error: ${message}\n`);
      if (!known && io.env.PLASTICITY_DEBUG) io.stderr.write(`${(e as Error).stack ?? ''}\n`);
    }
  } finally {
    if (options.handleSignals) {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    }
  }
  return exitCode;
}
