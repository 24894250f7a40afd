// Config files: JSON or YAML, one object of options named like the flags (camelCase or
// kebab-case). Options for one command may also sit in a section named after it
// (`train:`, `compare:`, a mapping), which overrides the top level for that command.
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CliError } from './flags.js';

export interface ConfigFile {
  path: string;
  /** Options for the command that asked, sections already merged. */
  options: Record<string, unknown>;
}

export async function readConfigFile(file: string, command: string, commandNames: readonly string[]): Promise<ConfigFile> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`--config: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new CliError(`--config: ${path} is not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new CliError(`--config: ${path} must hold one object of options (like "epochs: 3"), got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  const top: Record<string, unknown> = {};
  let section: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    // A command's name with a mapping is its section; `rules: [fa, bp]` is compare's option.
    const isSection = commandNames.includes(k) && v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isSection) {
      if (k === command) section = v as Record<string, unknown>;
      continue;
    }
    top[k] = v;
  }
  return { path, options: { ...top, ...section } };
}
