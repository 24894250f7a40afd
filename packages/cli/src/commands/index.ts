import type { CommandDef } from '../command.js';
import { attackCommand } from './attack.js';
import { benchCommand } from './bench.js';
import { compareCommand, startCommand } from './compare.js';
import { evalCommand } from './eval.js';
import { generateCommand } from './generate.js';
import { datasetsCommand, exportCommand, inspectCommand, rulesCommand } from './info.js';
import { serveCommand } from './serve.js';
import { trainCommand } from './train.js';
import { workerCommand } from './worker.js';

/** Every `plasticity` subcommand, in the order --help lists them. */
export const COMMANDS: readonly CommandDef[] = [
  startCommand,
  trainCommand,
  evalCommand,
  attackCommand,
  generateCommand,
  compareCommand,
  inspectCommand,
  exportCommand,
  rulesCommand,
  datasetsCommand,
  benchCommand,
  serveCommand,
  workerCommand,
];
