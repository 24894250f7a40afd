// Number and table formatting shared by the plain logs, the Ink view and the listings.

export function fmtNum(v: number | undefined | null, digits = 4): string {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  return v.toFixed(digits);
}

/** Compact scientific form for update norms, which span many decades. */
export function fmtSci(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  return v.toExponential(2);
}

export function fmtPct(v: number | undefined | null, digits = 2): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  return `${(v * 100).toFixed(digits)}%`;
}

export function fmtInt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return Math.round(v).toLocaleString('en-US');
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(h ? 2 : 1, '0');
  return h ? `${h}:${mm}:${String(r).padStart(2, '0')}` : `${mm}:${String(r).padStart(2, '0')}`;
}

export function fmtSeconds(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return v < 10 ? `${v.toFixed(2)} s` : `${v.toFixed(1)} s`;
}

export type Align = 'left' | 'right';

/** A plain-text table: a header row, a rule, the rows; columns padded to their widest cell. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const a = (i: number): Align => align?.[i] ?? (i === 0 ? 'left' : 'right');
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (a(i) === 'left' ? (c ?? '').padEnd(widths[i]) : (c ?? '').padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The architecture as widths, e.g. 784-256-256-2. */
export function archString(inputSize: number, layers: readonly { size: number }[]): string {
  return [inputSize, ...layers.map((l) => l.size)].join('-');
}
