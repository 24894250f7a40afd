// Flags are data: each command lists FlagSpecs (key, flag, type, description, default), and
// the commander options, the --help text, config-file keys and their validation all come from
// that one table. A value from the command line and the same key in a config file go through
// the same coercion, so a bad number names its flag (or its config key) either way.
import { InvalidArgumentError, Option } from 'commander';

export type FlagType =
  | 'string'
  | 'int'
  | 'number'
  | 'bool'
  | 'int-list'
  | 'number-list'
  | 'string-list'
  /** A JSON object, e.g. --rule-options '{"alpha":0.1}'. */
  | 'json'
  /** Repeated key=value pairs, collected into an object; values are JSON when they parse. */
  | 'key-value';

export interface FlagSpec {
  /** Option key: commander's camelCase name and the key in a config file. */
  readonly key: string;
  /** The long flag, e.g. '--lr'. */
  readonly flag: string;
  /** Placeholder shown in help, e.g. '<x>'; absent for booleans. */
  readonly arg?: string;
  readonly type: FlagType;
  readonly description: string;
  readonly default?: unknown;
  /** Accepted values (strings), or a function listing them when they come from a registry. */
  readonly choices?: readonly string[] | (() => readonly string[]);
  /** Inclusive lower bound for numbers (and each list element). */
  readonly min?: number;
  /** Exclusive lower bound for numbers. */
  readonly above?: number;
  /** Exclusive upper bound for numbers. */
  readonly below?: number;
  readonly required?: boolean;
}

/** A user-facing error: printed without a stack, exit code 2 for usage errors, 1 otherwise. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function choicesOf(spec: FlagSpec): readonly string[] | undefined {
  return typeof spec.choices === 'function' ? spec.choices() : spec.choices;
}

const describe = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

function checkNumber(spec: FlagSpec, v: number, where: string): number {
  if (spec.min !== undefined && v < spec.min) throw new CliError(`${where} must be ≥ ${spec.min}, got ${v}`);
  if (spec.above !== undefined && v <= spec.above) throw new CliError(`${where} must be > ${spec.above}, got ${v}`);
  if (spec.below !== undefined && v >= spec.below) throw new CliError(`${where} must be < ${spec.below}, got ${v}`);
  return v;
}

function toNumber(spec: FlagSpec, raw: unknown, where: string, integer: boolean): number {
  const kind = integer ? 'an integer' : 'a number';
  let v: number;
  if (typeof raw === 'number') v = raw;
  else if (typeof raw === 'string' && raw.trim() !== '') v = Number(raw.trim());
  else throw new CliError(`${where} expects ${kind}, got ${describe(raw)}`);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) throw new CliError(`${where} expects ${kind}, got ${describe(raw)}`);
  return checkNumber(spec, v, where);
}

function toList(raw: unknown, where: string): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'number') return [raw];
  if (typeof raw === 'string') return raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim());
  throw new CliError(`${where} expects a comma-separated list, got ${describe(raw)}`);
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Turns a value from the command line (a string) or a config file (any JSON/YAML value) into
 * the flag's type, or throws a CliError that names `where` (the flag or the config key).
 * `previous` collects repeated key=value flags.
 */
export function coerce(spec: FlagSpec, raw: unknown, where: string, previous?: unknown): unknown {
  switch (spec.type) {
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') throw new CliError(`${where} expects text, got ${describe(raw)}`);
      const s = String(raw);
      const choices = choicesOf(spec);
      if (choices && !choices.includes(s)) throw new CliError(`${where}: ${describe(s)} is not one of ${choices.join(', ')}`);
      return s;
    }
    case 'int':
      return toNumber(spec, raw, where, true);
    case 'number':
      return toNumber(spec, raw, where, false);
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'yes' || raw === '1') return true;
      if (raw === 'false' || raw === 'no' || raw === '0') return false;
      throw new CliError(`${where} expects true or false, got ${describe(raw)}`);
    case 'int-list':
    case 'number-list':
      return toList(raw, where).map((v, i) => toNumber(spec, v, `${where} (item ${i + 1})`, spec.type === 'int-list'));
    case 'string-list': {
      const list = toList(raw, where).map(String);
      const choices = choicesOf(spec);
      const bad = choices ? list.find((s) => !choices.includes(s)) : undefined;
      if (bad !== undefined) throw new CliError(`${where}: ${describe(bad)} is not one of ${choices!.join(', ')}`);
      return list;
    }
    case 'json': {
      let v = raw;
      if (typeof raw === 'string') {
        try {
          v = JSON.parse(raw);
        } catch (e) {
          throw new CliError(`${where} expects a JSON object, got ${describe(raw)} (${(e as Error).message})`);
        }
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CliError(`${where} expects a JSON object like '{"key": 1}', got ${describe(raw)}`);
      return v;
    }
    case 'key-value': {
      const acc: Record<string, unknown> = { ...((previous as Record<string, unknown> | undefined) ?? {}) };
      if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) return { ...acc, ...(raw as object) };
      for (const item of Array.isArray(raw) ? raw : [raw]) {
        if (typeof item !== 'string' || !/^[^=]+=/.test(item)) throw new CliError(`${where} expects key=value, got ${describe(item)}`);
        const eq = item.indexOf('=');
        acc[item.slice(0, eq).trim()] = parseValue(item.slice(eq + 1).trim());
      }
      return acc;
    }
  }
}

/** The commander Option for a spec: parser, choices in help, default shown in help. */
export function toOption(spec: FlagSpec): Option {
  const opt = new Option(spec.arg ? `${spec.flag} ${spec.arg}` : spec.flag, spec.description);
  if (spec.type !== 'bool') {
    opt.argParser((value: string, previous: unknown) => {
      try {
        return coerce(spec, value, spec.flag, spec.type === 'key-value' ? previous : undefined);
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
    });
  }
  const choices = choicesOf(spec);
  if (choices && spec.type === 'string') opt.choices(choices);
  if (spec.default !== undefined) opt.default(spec.default, Array.isArray(spec.default) ? spec.default.join(',') : typeof spec.default === 'object' ? JSON.stringify(spec.default) : undefined);
  return opt;
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export interface Resolved {
  /** The value of every flag: command line, else config file, else default. */
  values: Record<string, unknown>;
  /** Where each value came from. */
  sources: Record<string, 'cli' | 'config' | 'default' | 'unset'>;
}

/**
 * Merges command-line values over config-file values over defaults. `cliValues` holds only
 * flags given on the command line. Config keys may be camelCase or kebab-case; a key that no
 * command knows is an error listing the ones this command takes.
 */
export function resolveFlags(
  specs: readonly FlagSpec[],
  cliValues: Record<string, unknown>,
  config: Record<string, unknown>,
  configName: string,
  knownElsewhere: ReadonlySet<string> = new Set(),
): Resolved {
  const byKey = new Map<string, FlagSpec>();
  for (const s of specs) {
    byKey.set(s.key, s);
    byKey.set(kebab(s.key), s);
  }
  const fromConfig: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    const spec = byKey.get(k);
    if (!spec) {
      if (knownElsewhere.has(k)) continue;
      throw new CliError(`${configName}: unknown option '${k}'; this command takes ${specs.map((s) => s.key).join(', ')}`);
    }
    fromConfig[spec.key] = coerce(spec, v, `${configName}: '${k}' (${spec.flag})`);
  }
  const values: Record<string, unknown> = {};
  const sources: Resolved['sources'] = {};
  for (const s of specs) {
    if (cliValues[s.key] !== undefined) {
      values[s.key] = s.type === 'key-value' && fromConfig[s.key] ? { ...(fromConfig[s.key] as object), ...(cliValues[s.key] as object) } : cliValues[s.key];
      sources[s.key] = 'cli';
    } else if (fromConfig[s.key] !== undefined) {
      values[s.key] = fromConfig[s.key];
      sources[s.key] = 'config';
    } else if (s.default !== undefined) {
      values[s.key] = s.default;
      sources[s.key] = 'default';
    } else {
      sources[s.key] = 'unset';
    }
  }
  for (const s of specs) {
    if (s.required && values[s.key] === undefined) throw new CliError(`${s.flag} is required (${s.description})`);
  }
  return { values, sources };
}
