// Line charts on uPlot (canvas, ~50 kB). Each chart sits in a <figure> whose caption says what
// it plots and in which units; the numbers themselves are also in the tables beside it.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.js';

export interface AxisSpec {
  key: string;
  label: string;
  log?: boolean;
  range?: [number, number];
  side?: 'left' | 'right';
  format?: (v: number) => string;
}

export interface SeriesSpec {
  label: string;
  scale: string;
  color: string;
  dash?: number[];
  pointsOnly?: boolean;
  /** Draw the points on the line too (few x values). */
  points?: boolean;
}

export interface ChartOptions {
  title: string;
  caption: string;
  xLabel: string;
  axes: AxisSpec[];
  height?: number;
  xFormat?: (v: number) => string;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

export class LineChart {
  readonly el: HTMLElement;
  private readonly holder: HTMLDivElement;
  private plot: uPlot | null = null;
  private signature = '';
  private readonly resize: ResizeObserver;
  private readonly empty: HTMLParagraphElement;

  constructor(private readonly opts: ChartOptions) {
    this.holder = h('div', { className: 'chart-canvas', role: 'img', 'aria-label': `${opts.title}: ${opts.caption}` });
    this.empty = h('p', { className: 'chart-empty' }, 'No data yet.');
    this.el = h('figure', { className: 'chart' }, h('figcaption', {}, h('strong', {}, opts.title), ` — ${opts.caption}`), this.holder, this.empty);
    this.resize = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize({ width: this.width(), height: this.opts.height ?? 260 });
    });
    this.resize.observe(this.holder);
  }

  private width(): number {
    return Math.max(280, Math.floor(this.holder.clientWidth || 560));
  }

  /** Replace the data: xs ascending, one ys array per series (null where a series has no value). */
  set(series: SeriesSpec[], xs: number[], ys: (number | null)[][]): void {
    const sig = JSON.stringify(series);
    const data = [xs, ...ys] as uPlot.AlignedData;
    this.empty.hidden = xs.length > 0;
    if (!this.plot || sig !== this.signature) {
      this.plot?.destroy();
      this.signature = sig;
      this.plot = new uPlot(this.config(series), data, this.holder);
      return;
    }
    this.plot.setData(data);
  }

  private config(series: SeriesSpec[]): uPlot.Options {
    const o = this.opts;
    const scales: uPlot.Scales = { x: { time: false } };
    for (const a of o.axes) {
      scales[a.key] = a.log ? { distr: 3, log: 10 } : a.range ? { range: a.range } : {};
    }
    const axes: uPlot.Axis[] = [
      { label: o.xLabel, ...(o.xFormat ? { values: (_u: uPlot, v: number[]) => v.map((x) => o.xFormat!(x)) } : {}) },
      ...o.axes.map((a, i): uPlot.Axis => ({
        scale: a.key,
        label: a.label,
        side: a.side === 'right' ? 1 : 3,
        grid: { show: i === 0 },
        size: 60,
        ...(a.format ? { values: (_u: uPlot, v: number[]) => v.map((x) => (x === null ? '' : a.format!(x))) } : {}),
      })),
    ];
    return {
      width: this.width(),
      height: o.height ?? 260,
      scales,
      axes,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: o.xLabel, value: (_u, v) => (v === null ? '–' : o.xFormat ? o.xFormat(v) : String(Math.round(v * 1000) / 1000)) },
        ...series.map((s): uPlot.Series => {
          const fmt = o.axes.find((a) => a.key === s.scale)?.format;
          return {
            label: s.label,
            scale: s.scale,
            stroke: s.color,
            width: 2,
            spanGaps: true,
            ...(s.dash ? { dash: s.dash } : {}),
            ...(s.pointsOnly ? { paths: () => null, points: { show: true, size: 8, fill: s.color } } : { points: { show: s.points === true, size: 7, fill: s.color } }),
            value: (_u, v) => (v === null ? '–' : fmt ? fmt(v) : v.toPrecision(4)),
          };
        }),
      ],
    };
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }
}

/** Align several (x, y) series on the union of their x values. */
export function align(series: { x: number; y: number | null }[][]): { xs: number[]; ys: (number | null)[][] } {
  const set = new Set<number>();
  for (const s of series) for (const p of s) set.add(p.x);
  const xs = [...set].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col = new Array<number | null>(xs.length).fill(null);
    for (const p of s) col[index.get(p.x)!] = p.y;
    return col;
  });
  return { xs, ys };
}
