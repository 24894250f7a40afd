// "Watch it learn": loss and accuracy of every run on one chart, per-layer update norms and
// angles to the true gradient per epoch, first-layer receptive fields, confusion matrices, and
// the per-epoch numbers as a table.
import type { Run } from '../app/run.js';
import { degrees, num, pct, rate, sci, seconds } from '../format.js';
import { align, LineChart, type SeriesSpec } from './charts.js';
import { confusionTable } from './confusion.js';
import { clear, h } from './dom.js';
import { divergingLegend, drawFields, isImage } from './images.js';

export class WatchPanel {
  readonly el: HTMLElement;
  private readonly curve = new LineChart({
    title: 'Loss and accuracy',
    caption: 'training loss (solid, left, log scale) and running training accuracy (dashed, right) within each epoch, validation accuracy at each epoch end (dots); x: epochs',
    xLabel: 'epoch',
    axes: [
      { key: 'loss', label: 'loss', log: true, format: (v) => v.toPrecision(2) },
      { key: 'acc', label: 'accuracy', side: 'right', range: [0, 1], format: (v) => `${Math.round(v * 1000) / 10} %` },
    ],
    height: 300,
  });
  private readonly norms = new LineChart({
    title: 'Update norms per layer',
    caption: 'mean ‖(ΔW, Δb)‖₂ of the rule’s update direction per step, before the optimiser (log scale); one line per rule and layer',
    xLabel: 'epoch',
    axes: [{ key: 'norm', label: '‖ΔW‖', log: true, format: (v) => v.toExponential(0) }],
    height: 220,
  });
  private readonly angles = new LineChart({
    title: 'Angle to the true gradient',
    caption: 'mean angle in degrees between the rule’s ΔW and backprop’s gradient, per layer (feedback rules only; 0° is backprop)',
    xLabel: 'epoch',
    axes: [{ key: 'deg', label: 'degrees', range: [0, 120], format: (v) => `${v}°` }],
    height: 220,
  });
  private readonly fieldsBox = h('div', { className: 'cards', 'data-testid': 'fields' });
  private readonly confusionBox = h('div', { className: 'cards', 'data-testid': 'confusion' });
  private readonly tableBox = h('div', { className: 'epoch-tables' });
  private readonly canvases = new Map<number, { canvas: HTMLCanvasElement; caption: HTMLElement; step: number }>();
  private runIds = '';

  constructor() {
    this.el = h(
      'section',
      { id: 'watch', 'aria-labelledby': 'watch-h' },
      h('h2', { id: 'watch-h' }, '2 · Watch it learn'),
      h('div', { 'data-testid': 'curve-chart' }, this.curve.el),
      h('div', { className: 'row charts-2' }, h('div', { 'data-testid': 'norm-chart' }, this.norms.el), h('div', { 'data-testid': 'angle-chart' }, this.angles.el)),
      h('h3', {}, 'First-layer receptive fields'),
      h('p', { className: 'hint' }, 'Each tile is one hidden unit’s incoming weights from the input, scaled by its own largest |w| (tabular data: units × features). Updated about twice a second while training.'),
      divergingLegend('negative weight', 'positive weight'),
      this.fieldsBox,
      h('h3', {}, 'Confusion matrices'),
      this.confusionBox,
      h('details', {}, h('summary', {}, 'Per-epoch numbers'), this.tableBox),
    );
  }

  render(runs: readonly Run[]): void {
    const ids = runs.map((r) => r.id).join(',');
    if (ids !== this.runIds) {
      this.runIds = ids;
      clear(this.fieldsBox);
      this.canvases.clear();
    }
    this.renderCurves(runs);
    this.renderEpochCharts(runs);
    this.renderFields(runs);
    this.renderConfusion(runs);
    this.renderTables(runs);
  }

  private renderCurves(runs: readonly Run[]): void {
    const series: SeriesSpec[] = [];
    const pts: { x: number; y: number | null }[][] = [];
    for (const r of runs) {
      if (r.source !== 'trained') continue;
      series.push({ label: `${r.label} loss`, scale: 'loss', color: r.color });
      pts.push(r.points.map((p) => ({ x: p.x, y: p.loss > 0 ? p.loss : null })));
      series.push({ label: `${r.label} train acc`, scale: 'acc', color: r.color, dash: [6, 4] });
      pts.push(r.points.map((p) => ({ x: p.x, y: p.accuracy })));
      if (r.epochs.some((e) => e.validation)) {
        series.push({ label: `${r.label} val acc`, scale: 'acc', color: r.color, pointsOnly: true });
        pts.push(r.epochs.filter((e) => e.validation).map((e) => ({ x: e.epoch + 1, y: e.validation!.accuracy })));
      }
    }
    const { xs, ys } = align(pts);
    this.curve.set(series, xs, ys);
  }

  private renderEpochCharts(runs: readonly Run[]): void {
    const nSeries: SeriesSpec[] = [];
    const nPts: { x: number; y: number | null }[][] = [];
    const aSeries: SeriesSpec[] = [];
    const aPts: { x: number; y: number | null }[][] = [];
    const dashes = [undefined, [6, 3], [2, 3], [10, 3, 2, 3]];
    for (const r of runs) {
      const layers = r.epochs[0]?.updateNorms.length ?? 0;
      for (let l = 0; l < layers; l++) {
        const dash = dashes[l % dashes.length];
        nSeries.push({ label: `${r.label} layer ${l}`, scale: 'norm', color: r.color, ...(dash ? { dash } : {}) });
        nPts.push(r.epochs.map((e) => ({ x: e.epoch + 1, y: e.updateNorms[l] > 0 ? e.updateNorms[l] : null })));
        if (r.epochs.some((e) => e.angles)) {
          aSeries.push({ label: `${r.label} layer ${l}`, scale: 'deg', color: r.color, ...(dash ? { dash } : {}) });
          aPts.push(r.epochs.map((e) => ({ x: e.epoch + 1, y: e.angles?.[l] ?? null })));
        }
      }
    }
    const n = align(nPts);
    this.norms.set(nSeries, n.xs, n.ys);
    const a = align(aPts);
    this.angles.set(aSeries, a.xs, a.ys);
  }

  private renderFields(runs: readonly Run[]): void {
    for (const r of runs) {
      const f = r.fields;
      const shape = r.data?.inputShape;
      if (!f || !shape) continue;
      let c = this.canvases.get(r.id);
      if (!c) {
        const canvas = h('canvas', { 'data-testid': `fields-${r.id}`, role: 'img', 'aria-label': `first-layer weights of ${r.label}` });
        const caption = h('figcaption', {});
        this.fieldsBox.append(h('figure', { className: 'card' }, caption, canvas));
        c = { canvas, caption, step: -1 };
        this.canvases.set(r.id, c);
      }
      if (c.step === f.step && c.canvas.width > 0) continue;
      c.step = f.step;
      drawFields(c.canvas, f.w0, f.units, f.d, shape);
      c.caption.textContent = `${r.label}: ${f.units} of ${r.info?.architecture[1] ?? r.config?.hidden?.[0] ?? '?'} units${isImage(shape) ? '' : ' × features'}, after step ${f.step}`;
    }
  }

  private renderConfusion(runs: readonly Run[]): void {
    clear(this.confusionBox);
    for (const r of runs) {
      if (!r.confusion || !r.data) continue;
      this.confusionBox.append(h('div', { className: 'card', 'data-testid': `confusion-${r.id}`, 'data-matrix': JSON.stringify(r.confusion.matrix) }, confusionTable(r.confusion.matrix, r.data.classNames, `${r.label}: ${r.confusion.caption}`)));
    }
  }

  private renderTables(runs: readonly Run[]): void {
    clear(this.tableBox);
    for (const r of runs) {
      if (r.epochs.length === 0) continue;
      const layers = r.epochs[0].updateNorms.length;
      const hasAngles = r.epochs.some((e) => e.angles);
      const head = h(
        'tr',
        {},
        ...['epoch', 'train loss', 'train accuracy', 'validation accuracy', 'time', 'throughput'].map((t) => h('th', { scope: 'col' }, t)),
        ...Array.from({ length: layers }, (_, l) => h('th', { scope: 'col' }, `‖ΔW${l}‖`)),
        ...(hasAngles ? Array.from({ length: layers }, (_, l) => h('th', { scope: 'col' }, `angle ${l}`)) : []),
      );
      const body = r.epochs.map((e) =>
        h(
          'tr',
          { 'data-epoch': e.epoch, 'data-samples-per-sec': e.samplesPerSec },
          h('td', {}, e.epoch + 1),
          h('td', {}, num(e.trainLoss)),
          h('td', {}, pct(e.trainAccuracy)),
          h('td', {}, e.validation ? pct(e.validation.accuracy) : '–'),
          h('td', {}, seconds(e.seconds)),
          h('td', {}, rate(e.samplesPerSec)),
          ...e.updateNorms.map((v) => h('td', {}, sci(v))),
          ...(hasAngles ? Array.from({ length: layers }, (_, l) => h('td', {}, degrees(e.angles?.[l] ?? NaN))) : []),
        ),
      );
      this.tableBox.append(h('table', { className: 'numbers', 'data-testid': `epochs-${r.id}` }, h('caption', {}, r.label), h('thead', {}, head), h('tbody', {}, ...body)));
    }
  }
}
