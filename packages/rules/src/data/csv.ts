// CSV tables: a header row, one label column chosen by name, every other column numeric.
// Tokenising (quotes, CRLF, BOM) is csv-parse's job; its browser build is used everywhere
// because the Node build calls Buffer, which a browser does not have.
import { parse } from 'csv-parse/browser/esm/sync';
import { DataError, optionName } from './errors.js';

export interface CsvTable {
  readonly n: number;
  readonly d: number;
  readonly featureNames: readonly string[];
  readonly labelName: string;
  /** n·d, row-major. */
  readonly x: Float32Array;
  readonly labels: Int32Array;
  /** Label index → the label as written in the file. */
  readonly classNames: readonly string[];
  /** 1-based line in the file where each data row starts. */
  readonly lines: Int32Array;
  /** Smallest and largest feature value in the file. */
  readonly min: number;
  readonly max: number;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MAX_LISTED = 10;
// Integer labels at or above this are treated as names (sorted numerically), not as class
// numbers; also the most distinct labels a file may have.
const MAX_INTEGER_CLASSES = 1000;

interface CsvRecord {
  record: string[];
  info: { lines: number; empty_lines: number };
}

/**
 * Parse CSV text. Labels: when every label is a non-negative integer, label value v is class v
 * (classes 0..max, so `--classes 3,5` means the labels written 3 and 5; a value never written
 * is a class with no rows); otherwise the distinct labels, sorted, are classes 0..k−1
 * (numerically for integers of 1000 and up, else by code unit). Rows with a missing or non-numeric feature,
 * an empty label or the wrong number of fields are all reported, by line number, in one error.
 */
export function parseCsv(text: string, source: string, opts: { label: string }): CsvTable {
  let records: CsvRecord[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as CsvRecord[];
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    throw new DataError(`${source}: not valid CSV${e.lines ? ` near line ${e.lines}` : ''}: ${e.message ?? String(err)}`, { subject: source, cause: err });
  }
  // Start line of each record: csv-parse reports the line a record ends on and a running
  // count of skipped empty lines.
  const rows: { fields: string[]; line: number }[] = [];
  let prevEnd = 0;
  let prevEmpty = 0;
  for (const { record, info } of records) {
    const line = prevEnd + 1 + (info.empty_lines - prevEmpty);
    prevEnd = info.lines;
    prevEmpty = info.empty_lines;
    if (record.length === 1 && record[0].trim() === '') continue; // whitespace-only line
    rows.push({ fields: record, line });
  }
  if (rows.length === 0) throw new DataError(`${source} is empty; expected a header row naming the columns, then data rows`, { subject: source });
  const header = rows[0].fields.map((h) => h.trim());
  const seen = new Map<string, number>();
  header.forEach((h, i) => {
    if (h === '') throw new DataError(`${source}: header column ${i + 1} has no name; every column needs one`, { subject: source });
    if (seen.has(h)) throw new DataError(`${source}: header names column "${h}" twice (columns ${seen.get(h)! + 1} and ${i + 1}); names must be unique`, { subject: source });
    seen.set(h, i);
  });
  const labelCol = seen.get(opts.label);
  if (labelCol === undefined) {
    throw new DataError(`${optionName('label')}: ${source} has no column "${opts.label}"; its columns are ${header.map((h) => `"${h}"`).join(', ')}`, { subject: 'label' });
  }
  if (header.length < 2) throw new DataError(`${source}: the only column is the label "${opts.label}"; expected at least one numeric feature column`, { subject: source });
  const featureCols = header.map((_, i) => i).filter((i) => i !== labelCol);
  const d = featureCols.length;
  const data = rows.slice(1);
  if (data.length === 0) throw new DataError(`${source} has a header but no data rows`, { subject: source });

  const x = new Float32Array(data.length * d);
  const rawLabels: string[] = new Array(data.length);
  const lines = new Int32Array(data.length);
  const problems: string[] = [];
  let badRows = 0;
  let min = Infinity;
  let max = -Infinity;
  data.forEach(({ fields, line }, r) => {
    lines[r] = line;
    const issues: string[] = [];
    if (fields.length !== header.length) {
      issues.push(`${fields.length} fields, expected ${header.length}`);
    } else {
      for (let j = 0; j < d; j++) {
        const raw = fields[featureCols[j]].trim();
        const name = header[featureCols[j]];
        if (raw === '') issues.push(`"${name}" is missing`);
        else if (!DECIMAL.test(raw)) issues.push(`"${name}" is not a number: ${JSON.stringify(raw.length > 20 ? raw.slice(0, 20) + '…' : raw)}`);
        else {
          const v = Math.fround(Number(raw));
          if (!Number.isFinite(v)) issues.push(`"${name}" = ${raw} does not fit in float32`);
          x[r * d + j] = v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
      const label = fields[labelCol].trim();
      if (label === '') issues.push(`label "${opts.label}" is missing`);
      rawLabels[r] = label;
    }
    if (issues.length > 0) {
      badRows++;
      if (problems.length < MAX_LISTED) problems.push(`line ${line}: ${issues.join('; ')}`);
    }
  });
  if (badRows > 0) {
    throw new DataError(
      `${source}: ${badRows} of ${data.length} data rows are not usable (every feature must be a number, the label non-empty):\n  ` +
        problems.join('\n  ') +
        (badRows > MAX_LISTED ? `\n  … and ${badRows - MAX_LISTED} more rows` : '') +
        `\nFix or remove these rows; none were dropped silently.`,
      { subject: source },
    );
  }

  const distinct = [...new Set(rawLabels)];
  if (distinct.length > MAX_INTEGER_CLASSES) {
    throw new DataError(`${optionName('label')}: column "${opts.label}" of ${source} has ${distinct.length} distinct values; expected class labels (at most ${MAX_INTEGER_CLASSES} classes). Is it the right column?`, { subject: 'label' });
  }
  const integers = distinct.every((l) => /^\d+$/.test(l));
  const maxInteger = integers ? distinct.reduce((m, l) => Math.max(m, Number(l)), 0) : Infinity;
  let classNames: string[];
  let labelOf: (l: string) => number;
  if (maxInteger < MAX_INTEGER_CLASSES) {
    classNames = Array.from({ length: maxInteger + 1 }, (_, i) => String(i));
    labelOf = (l) => Number(l);
  } else {
    classNames = integers ? distinct.slice().sort((a, b) => Number(a) - Number(b)) : distinct.slice().sort();
    const index = new Map(classNames.map((c, i) => [c, i]));
    labelOf = (l) => index.get(l)!;
  }
  const labels = Int32Array.from(rawLabels, labelOf);
  return { n: data.length, d, featureNames: featureCols.map((i) => header[i]), labelName: opts.label, x, labels, classNames, lines, min, max };
}
