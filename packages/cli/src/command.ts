import type { FlagSpec, Resolved } from './flags.js';
import type { CliIo, Output } from './output.js';
import type { Controls } from './ui/live.js';

export interface CommandContext {
  /** Every flag's value: command line over config file over default. */
  values: Record<string, unknown>;
  sources: Resolved['sources'];
  out: Output;
  io: CliIo;
  /** Aborted by `q` in the interactive view: finish cleanly and save what there is. */
  stop: AbortSignal;
  /** Aborted by Ctrl-C / SIGINT: stop and write nothing. */
  interrupt: AbortSignal;
  controls: Controls;
  /** Arguments after the flags (bench passes them on). */
  args: string[];
  /** The config file the values came from, if any. */
  configPath?: string;
}

export interface CommandDef {
  name: string;
  /** One line for the command list. */
  summary: string;
  flags: readonly FlagSpec[];
  /** Real invocations, shown under --help. */
  examples: readonly string[];
  /** Accept unknown options and extra arguments (passed on in ctx.args). */
  passThrough?: boolean;
  /** Returns the exit code (default 0). */
  run(ctx: CommandContext): Promise<number | void>;
}

/** The options worth saving with a run: everything but where output goes. */
export function savedOptions(values: Record<string, unknown>): Record<string, unknown> {
  const { config: _c, json: _j, plain: _p, ...rest } = values;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

/** Resolves once any of the signals is aborted (at once if one already is): long-running commands wait on it. */
export function untilAborted(...signals: AbortSignal[]): Promise<void> {
  const any = AbortSignal.any(signals);
  return any.aborted ? Promise.resolve() : new Promise((resolve) => any.addEventListener('abort', () => resolve(), { once: true }));
}
