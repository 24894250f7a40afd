// Where a command's events go. Three modes, one event stream:
//   json  – one JSON object per line, each with a `type`; the last is {"type":"result", ...}
//   plain – one human line per event, no escape codes (not a TTY, or --plain)
//   ink   – events feed the Ink view through `subscribe` (a TTY)
import type { Writable } from 'node:stream';

export type Mode = 'ink' | 'plain' | 'json';

export interface CliEvent {
  type: string;
  [key: string]: unknown;
}

export interface CliIo {
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: Record<string, string | undefined>;
}

export type PlainFormatter = (e: CliEvent) => string | string[] | null;

/** JSON.stringify that keeps typed arrays as lists and non-finite numbers as strings. */
export function jsonLine(e: CliEvent): string {
  return JSON.stringify(e, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    return v;
  });
}

export class Output {
  private readonly listeners = new Set<(e: CliEvent) => void>();
  private readonly formatters: PlainFormatter[] = [];
  /** Every event so far (the Ink view replays them when it mounts late). */
  readonly events: CliEvent[] = [];

  constructor(
    readonly mode: Mode,
    private readonly io: CliIo,
  ) {}

  /** Plain-mode formatters, tried in order; the first that returns non-null wins. */
  addFormatter(f: PlainFormatter): void {
    this.formatters.unshift(f);
  }

  emit(e: CliEvent): void {
    this.events.push(e);
    if (this.mode === 'json') {
      this.io.stdout.write(`${jsonLine(e)}\n`);
    } else if (this.mode === 'plain') {
      for (const f of this.formatters) {
        const text = f(e);
        if (text === null) continue;
        const lines = Array.isArray(text) ? text : [text];
        for (const l of lines) this.io.stdout.write(`${l}\n`);
        break;
      }
    }
    for (const l of this.listeners) l(e);
  }

  note(message: string): void {
    this.emit({ type: 'note', message });
  }

  /** Human text (tables, listings) for plain and ink modes; json mode prints only events. */
  text(s: string): void {
    if (this.mode !== 'json') this.io.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  }

  subscribe(listener: (e: CliEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
