// Small Ink building blocks: a progress bar, a sparkline, a line chart (asciichart) and a
// table. Each renders plain characters; colour is decoration only, never meaning.
import asciichart from 'asciichart';
import { Box, Text } from 'ink';
import { table, type Align } from '../format.js';

export function progressBar(value: number, width: number): string {
  const v = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  const full = Math.round(v * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)} ${Math.floor(v * 100)}%`;
}

export function ProgressBar({ value, width = 30 }: { value: number; width?: number }) {
  return <Text>{progressBar(value, width)}</Text>;
}

const SPARKS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[]): string {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v.map((x) => SPARKS[hi > lo ? Math.round(((x - lo) / (hi - lo)) * (SPARKS.length - 1)) : 0]).join('');
}

/** Linear interpolation of `values` (at x = 0..n−1) onto `width` evenly spaced points. */
export function resample(values: readonly number[], width: number): number[] {
  if (values.length === 0) return [];
  if (values.length === 1) return new Array<number>(width).fill(values[0]);
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const x = (i * (values.length - 1)) / (width - 1);
    const k = Math.min(values.length - 2, Math.floor(x));
    const f = x - k;
    out.push(values[k] * (1 - f) + values[k + 1] * f);
  }
  return out;
}

export interface Series {
  name: string;
  values: readonly number[];
  color?: string;
}

/**
 * Series that share an x axis (one point per epoch), stretched to `width` columns.
 * Series must have the same length; a missing one (no validation split) is left out.
 */
export function lineChart(series: readonly Series[], opts: { width?: number; height?: number; digits?: number; color?: boolean } = {}): string {
  const width = opts.width ?? 40;
  const height = opts.height ?? 6;
  const digits = opts.digits ?? 3;
  const shown = series.filter((s) => s.values.length > 0 && s.values.every(Number.isFinite));
  if (!shown.length) return '';
  const data = shown.map((s) => resample(s.values, width));
  const lo = Math.min(...data.flat());
  const hi = Math.max(...data.flat());
  return asciichart.plot(data, {
    height,
    // A flat series would make asciichart draw zero rows; widen the range a little instead.
    ...(hi - lo < 1e-12 ? { min: lo - 0.5 * 10 ** -digits, max: hi + 0.5 * 10 ** -digits } : {}),
    format: (x: number) => x.toFixed(digits).padStart(digits + 3),
    colors: opts.color === false ? undefined : shown.map((s) => s.color),
  });
}

export function LineChart(props: { title: string; series: readonly Series[]; width?: number; height?: number; color?: boolean }) {
  const chart = lineChart(props.series, props);
  const legend = props.series
    .filter((s) => s.values.length > 0)
    .map((s) => s.name)
    .join(' · ');
  return (
    <Box flexDirection="column" marginRight={2}>
      <Text bold>
        {props.title}
        {legend ? <Text dimColor>{`  ${legend}`}</Text> : null}
      </Text>
      {chart ? <Text>{chart}</Text> : <Text dimColor>(after the first epoch)</Text>}
    </Box>
  );
}

export function Table(props: { headers: readonly string[]; rows: readonly (readonly string[])[]; align?: readonly Align[] }) {
  return <Text>{table(props.headers, props.rows, props.align)}</Text>;
}
