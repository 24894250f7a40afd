// Accuracy-vs-ε plots: a vega-lite spec (one line per rule, dashes per attack, a band for the
// interval over seeds), rendered to SVG by vega with no browser, and to PNG by resvg. The
// libraries load lazily so the rest of the package stays light (resvg is Node-only).
import type { TopLevelSpec } from 'vega-lite';
import type { SummaryRow } from './robustness.js';

export interface PlotOptions {
  title?: string;
  /** Series to draw (default: every series in the summary). */
  series?: readonly string[];
  width?: number;
  height?: number;
}

const FONT = 'DejaVu Sans';
const RULE_LEGEND = { symbolType: 'stroke', symbolStrokeWidth: 3, symbolSize: 400, symbolOpacity: 1 } as const;

export function accuracySpec(summary: readonly SummaryRow[], opts: PlotOptions = {}): TopLevelSpec {
  const keep = opts.series ? new Set(opts.series) : null;
  const values = summary
    .filter((s) => !keep || keep.has(s.series))
    .map((s) => ({
      rule: s.rule,
      attack: s.series,
      epsilon: s.epsilon,
      accuracy: s.robustAccuracy.mean,
      lo: Math.max(0, s.robustAccuracy.lo),
      hi: Math.min(1, s.robustAccuracy.hi),
      seeds: s.seeds.length,
    }));
  const x = { field: 'epsilon', type: 'quantitative' as const, title: 'ε (L∞, data units)' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title ?? 'Robust accuracy vs ε',
    width: opts.width ?? 480,
    height: opts.height ?? 300,
    background: 'white',
    config: { font: FONT, legend: { orient: 'right' } },
    data: { values },
    layer: [
      {
        mark: { type: 'area', opacity: 0.15 },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative' },
          y2: { field: 'hi' },
          color: { field: 'rule', type: 'nominal', title: 'rule', legend: RULE_LEGEND },
          detail: { field: 'attack', type: 'nominal' },
        },
      },
      {
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'accuracy', type: 'quantitative', title: 'robust accuracy', scale: { domain: [0, 1] } },
          color: { field: 'rule', type: 'nominal', title: 'rule', legend: RULE_LEGEND },
          strokeDash: { field: 'attack', type: 'nominal', title: 'attack', legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 400, symbolOpacity: 1, encode: { symbols: { update: { stroke: { value: '#333' } } } } } },
          tooltip: [{ field: 'rule' }, { field: 'attack' }, { field: 'epsilon' }, { field: 'accuracy', format: '.3f' }, { field: 'seeds' }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** SVG text of a vega-lite spec, rendered headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** PNG bytes of an SVG (resvg, system fonts; DejaVu Sans by default). */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: FONT }, background: 'white' });
  return r.render().asPng();
}
