// "Attack it": pick a test input or draw one, slide ε, and see for every model its FGSM/PGD
// adversarial input, the perturbation and its predictions side by side; then robustness
// curves (accuracy vs ε) computed by the library's robustnessReport, as `plasticity attack` does.
import type { RobustnessReport } from '@plasticity/rules';
import type { Run } from '../app/run.js';
import type { DataSummary } from '../worker/protocol.js';
import { epsilon as fmtEps, int, num, pct, seconds } from '../format.js';
import { align, LineChart, type SeriesSpec } from './charts.js';
import { clear, field, h, select } from './dom.js';
import { divergingLegend, drawImage, drawSigned, isImage } from './images.js';

const GALLERY = 12;

export function downloadBlob(name: string, parts: BlobPart[], type: string): void {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

interface Card {
  run: Run;
  el: HTMLElement;
  adv: HTMLCanvasElement;
  pert: HTMLCanvasElement;
  clean: HTMLElement;
  advText: HTMLElement;
  table: HTMLElement;
}

export class AttackPanel {
  readonly el: HTMLElement;
  private runs: Run[] = [];
  private summary: DataSummary | null = null;
  private key = '';
  private x: Float32Array | null = null;
  private label = 0;
  private source: 'test' | 'drawn' = 'test';
  private drawn: Float32Array | null = null;
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly empty = h('p', { className: 'hint' }, 'Train a model (or load one) first; its test images appear here.');
  private readonly body = h('div', {});
  private readonly gallery = h('div', { className: 'gallery', role: 'group', 'aria-label': 'test inputs', 'data-testid': 'gallery' });
  private readonly rowInput = h('input', { type: 'number', min: 0, step: 1, value: 0, 'data-testid': 'row' });
  private readonly pad = h('canvas', { width: 224, height: 224, className: 'pad', 'data-testid': 'pad', 'aria-label': 'drawing pad, 28 by 28 pixels (needs a pointer)' });
  private readonly drawnLabel = select([], undefined, { 'data-testid': 'drawn-label' });
  private readonly padBox: HTMLElement;
  private readonly attack = select([['fgsm', 'FGSM (one signed-gradient step)'], ['pgd', 'PGD (L∞, random start)']], 'fgsm', { 'data-testid': 'attack' });
  private readonly steps = h('input', { type: 'number', min: 1, step: 1, value: 20, 'data-testid': 'steps' });
  private readonly eps = h('input', { type: 'range', min: 0, max: 0.5, step: 0.005, value: 0.1, 'data-testid': 'eps', 'aria-valuetext': '' });
  private readonly epsOut = h('output', { 'data-testid': 'eps-value' });
  private readonly original = h('canvas', { 'data-testid': 'original', role: 'img' });
  private readonly originalText = h('p', {});
  private readonly originalBox = h('figure', { className: 'card' }, h('figcaption', {}, 'Input'), this.original, this.originalText);
  private readonly cardsBox = h('div', { className: 'cards', 'data-testid': 'attack-cards', 'aria-live': 'polite' });
  private readonly status = h('p', { className: 'hint', role: 'status' });
  private cards: Card[] = [];
  // Robustness
  private readonly rAttack = select([['fgsm', 'FGSM'], ['pgd', 'PGD (L∞)']], 'fgsm', { 'data-testid': 'rob-attack' });
  private readonly rEps = h('input', { type: 'text', value: '0,0.05,0.1,0.2', 'data-testid': 'rob-eps', spellcheck: 'false' });
  private readonly rRows = h('input', { type: 'number', min: 1, step: 1, value: 1000, 'data-testid': 'rob-rows' });
  private readonly rSteps = h('input', { type: 'number', min: 1, step: 1, value: 20 });
  private readonly rRun = h('button', { type: 'button', className: 'primary', 'data-testid': 'rob-run' }, 'Run robustness report');
  private readonly rCancel = h('button', { type: 'button', disabled: true }, 'Cancel');
  private readonly rError = h('p', { className: 'error', role: 'alert', 'data-testid': 'rob-error' });
  private readonly rTable = h('div', { 'data-testid': 'rob-table' });
  private readonly rChart = new LineChart({
    title: 'Robust accuracy vs ε',
    caption: 'share of the first test rows each model still classifies correctly under the attack, per ε (L∞, data units)',
    xLabel: 'ε',
    axes: [{ key: 'acc', label: 'robust accuracy', range: [0, 1], format: (v) => `${Math.round(v * 100)} %` }],
    height: 260,
  });

  constructor(private readonly onError: (message: string | null) => void) {
    this.padBox = h(
      'div',
      { className: 'padbox' },
      this.pad,
      h('div', {}, h('button', { type: 'button', onclick: () => this.clearPad(), 'data-testid': 'pad-clear' }, 'Clear drawing'), field('True label of the drawing', this.drawnLabel, 'Preset to the first model’s prediction.')),
    );
    this.setupPad();
    this.eps.addEventListener('input', () => this.schedule());
    this.attack.addEventListener('change', () => this.schedule());
    this.steps.addEventListener('change', () => this.schedule());
    this.rowInput.addEventListener('change', () => void this.pickRow(Number(this.rowInput.value)));
    this.drawnLabel.addEventListener('change', () => {
      this.label = Number(this.drawnLabel.value);
      this.schedule();
    });
    this.rRun.addEventListener('click', () => void this.runRobustness());
    this.rCancel.addEventListener('click', () => {
      for (const r of this.runs) void r.worker.call('cancelRobustness', {});
    });
    this.body.append(
      h('h3', {}, 'Pick an input'),
      this.gallery,
      h('div', { className: 'row' }, field('Test row number', this.rowInput, 'Row of the test split (0-based); Enter or leave the field to show it.')),
      h('p', { className: 'hint' }, 'Or draw a digit on the black pad (mouse, pen or touch); the attack runs on your drawing when you lift the pointer.'),
      this.padBox,
      h('h3', {}, 'Attack every model'),
      h(
        'div',
        { className: 'row' },
        field('Attack', this.attack),
        field('PGD steps', this.steps),
        field('ε (L∞ radius, data units)', this.eps, 'Each input value may move by at most ε; images are on a 0–1 scale.'),
        h('div', { className: 'field' }, h('span', {}, 'ε now'), this.epsOut),
      ),
      divergingLegend('darker (δ = −ε)', 'lighter (δ = +ε)'),
      h('div', { className: 'cards' }, this.originalBox, this.cardsBox),
      this.status,
      h(
        'div',
        { id: 'robustness' },
        h('h3', {}, 'Robustness curves'),
        h('p', { className: 'hint' }, 'The same computation as `plasticity attack --model DIR --attack fgsm --eps …` (first rows of the test split, attack seed 0): for the same model and data the numbers agree.'),
        h('div', { className: 'row' }, field('Attack', this.rAttack), field('ε list', this.rEps, 'Comma-separated, e.g. 0,0.05,0.1,0.2'), field('Test rows', this.rRows), field('PGD steps', this.rSteps)),
        h('div', { className: 'buttons' }, this.rRun, this.rCancel),
        this.rError,
        h('div', { 'data-testid': 'rob-chart' }, this.rChart.el),
        this.rTable,
      ),
    );
    this.el = h('section', { id: 'attack', 'aria-labelledby': 'attack-h' }, h('h2', { id: 'attack-h' }, '3 · Attack it'), this.empty, this.body);
    this.body.hidden = true;
    this.showEps();
  }

  private showEps(): void {
    const image = this.summary ? isImage(this.summary.inputShape) : true;
    const text = fmtEps(Number(this.eps.value), image);
    this.epsOut.textContent = text;
    this.eps.setAttribute('aria-valuetext', text);
  }

  /** Called on every render: rebuilds when the set of finished models changes. */
  refresh(runs: readonly Run[]): void {
    const ready = runs.filter((r) => r.ready);
    const key = ready.map((r) => r.id).join(',');
    this.renderRobustness(ready);
    if (key === this.key) return;
    this.key = key;
    this.runs = ready;
    this.empty.hidden = ready.length > 0;
    this.body.hidden = ready.length === 0;
    if (ready.length === 0) return;
    const summary = ready[0].data!;
    const changedData = !this.summary || this.summary.fingerprint !== summary.fingerprint;
    this.summary = summary;
    clear(this.drawnLabel);
    summary.classNames.forEach((c, i) => this.drawnLabel.append(h('option', { value: i }, c)));
    this.padBox.hidden = !(isImage(summary.inputShape) && (summary.inputShape[2] ?? 1) === 1);
    this.rowInput.max = String(summary.test - 1);
    this.buildCards();
    if (changedData || !this.x) void this.loadGallery();
    else this.schedule();
  }

  private buildCards(): void {
    clear(this.cardsBox);
    this.cards = this.runs.map((run) => {
      const adv = h('canvas', { 'data-testid': `adv-${run.id}`, role: 'img', 'aria-label': `adversarial input for ${run.label}` });
      const pert = h('canvas', { 'data-testid': `pert-${run.id}`, role: 'img', 'aria-label': `perturbation for ${run.label}` });
      const clean = h('p', { 'data-testid': `pred-clean-${run.id}` });
      const advText = h('p', { 'data-testid': `pred-adv-${run.id}` });
      const table = h('div', {});
      const image = this.summary && isImage(this.summary.inputShape);
      const el = h(
        'figure',
        { className: 'card', style: `border-top: 4px solid ${run.color}` },
        h('figcaption', {}, h('strong', {}, run.label)),
        image ? h('div', { className: 'pair' }, h('div', {}, h('small', {}, 'adversarial'), adv), h('div', {}, h('small', {}, 'perturbation δ'), pert)) : table,
        clean,
        advText,
      );
      this.cardsBox.append(el);
      return { run, el, adv, pert, clean, advText, table };
    });
  }

  private async loadGallery(): Promise<void> {
    const s = this.summary;
    const first = this.runs[0];
    if (!s || !first) return;
    try {
      const r = await first.worker.call('rows', { split: 'test', start: 0, count: GALLERY });
      clear(this.gallery);
      for (let i = 0; i < r.n; i++) {
        const xi = r.x.subarray(i * s.d, (i + 1) * s.d);
        const name = s.classNames[r.y[i]];
        const b = h('button', { type: 'button', className: 'thumb', 'aria-label': `test row ${i}, label ${name}`, 'data-testid': `thumb-${i}`, onclick: () => void this.pickRow(i) });
        if (isImage(s.inputShape)) {
          const c = h('canvas', {});
          drawImage(c, xi, s.inputShape, s.featureRange, 2);
          b.append(c);
        } else b.append(`#${i}`);
        b.append(h('small', {}, name));
        this.gallery.append(b);
      }
      await this.pickRow(0);
    } catch (e) {
      this.onError((e as Error).message);
    }
  }

  private async pickRow(i: number): Promise<void> {
    const s = this.summary;
    const first = this.runs[0];
    if (!s || !first) return;
    if (!Number.isInteger(i) || i < 0 || i >= s.test) {
      this.onError(`Test row number: ${i} is outside the test split (0 to ${s.test - 1})`);
      return;
    }
    this.onError(null);
    const r = await first.worker.call('rows', { split: 'test', start: i, count: 1 });
    this.rowInput.value = String(i);
    this.source = 'test';
    this.x = r.x;
    this.label = r.y[0];
    for (const b of this.gallery.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.testid === `thumb-${i}`));
    this.originalText.textContent = `test row ${i}, true label ${s.classNames[this.label]}`;
    this.schedule(0);
  }

  private setupPad(): void {
    let down = false;
    const stamp = (e: PointerEvent) => {
      const rect = this.pad.getBoundingClientRect();
      const cx = ((e.clientX - rect.left) / rect.width) * 28;
      const cy = ((e.clientY - rect.top) / rect.height) * 28;
      const d = (this.drawn ??= new Float32Array(784));
      for (let y = Math.floor(cy - 2); y <= Math.ceil(cy + 2); y++) {
        for (let x = Math.floor(cx - 2); x <= Math.ceil(cx + 2); x++) {
          if (x < 0 || y < 0 || x >= 28 || y >= 28) continue;
          const r2 = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2;
          d[y * 28 + x] = Math.min(1, d[y * 28 + x] + Math.exp(-r2 / 1.2));
        }
      }
      drawImage(this.pad, d, [28, 28, 1], { lo: 0, hi: 1 }, 8);
    };
    this.pad.addEventListener('pointerdown', (e) => {
      down = true;
      this.pad.setPointerCapture(e.pointerId);
      stamp(e);
    });
    this.pad.addEventListener('pointermove', (e) => {
      if (down) stamp(e);
    });
    const up = () => {
      if (!down) return;
      down = false;
      void this.useDrawing();
    };
    this.pad.addEventListener('pointerup', up);
    this.pad.addEventListener('pointercancel', up);
    drawImage(this.pad, new Float32Array(784), [28, 28, 1], { lo: 0, hi: 1 }, 8);
  }

  private clearPad(): void {
    this.drawn = new Float32Array(784);
    drawImage(this.pad, this.drawn, [28, 28, 1], { lo: 0, hi: 1 }, 8);
  }

  private async useDrawing(): Promise<void> {
    if (!this.drawn || !this.runs[0]) return;
    this.source = 'drawn';
    this.x = Float32Array.from(this.drawn);
    const p = await this.runs[0].worker.call('predict', { x: Float32Array.from(this.x) });
    this.label = p.pred;
    this.drawnLabel.value = String(p.pred);
    this.originalText.textContent = `your drawing, label ${this.summary?.classNames[this.label] ?? this.label} (as ${this.runs[0].label} reads it; change it above)`;
    for (const b of this.gallery.querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
    this.schedule(0);
  }

  private schedule(delay = 60): void {
    this.showEps();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), delay);
  }

  /** Attack the current input on every model; answers to older requests are dropped. */
  private async update(): Promise<void> {
    const s = this.summary;
    const x = this.x;
    if (!s || !x) return;
    const seq = ++this.seq;
    const epsilon = Number(this.eps.value);
    const attack = this.attack.value as 'fgsm' | 'pgd';
    const steps = Math.max(1, Math.floor(Number(this.steps.value) || 20));
    if (isImage(s.inputShape)) drawImage(this.original, x, s.inputShape, s.featureRange, 4);
    else this.originalText.textContent = `${this.source === 'drawn' ? 'drawing' : `test row ${this.rowInput.value}`}, true label ${s.classNames[this.label]}`;
    this.status.textContent = `attacking ${this.cards.length} model${this.cards.length === 1 ? '' : 's'} at ε = ${fmtEps(epsilon, isImage(s.inputShape))}…`;
    const results = await Promise.allSettled(
      this.cards.map((c) => c.run.worker.call('attackOne', { x: Float32Array.from(x), label: this.label, attack, epsilon, ...(attack === 'pgd' ? { steps } : {}) })),
    );
    if (seq !== this.seq) return;
    let flipped = 0;
    results.forEach((res, i) => {
      const c = this.cards[i];
      if (res.status === 'rejected') {
        c.clean.textContent = '';
        c.advText.textContent = `error: ${(res.reason as Error).message}`;
        c.advText.className = 'error';
        return;
      }
      const r = res.value;
      const name = (k: number) => s.classNames[k] ?? String(k);
      const conf = (v: number[], k: number) => (c.run.info?.meta.architecture.layers.at(-1)?.activation === 'softmax' ? ` (${pct(v[k], 1)} probability)` : ` (output ${num(v[k], 3)})`);
      c.clean.textContent = `clean: ${name(r.predClean)}${conf(r.scoresClean, r.predClean)}`;
      c.clean.dataset.pred = String(r.predClean);
      c.advText.textContent = `adversarial: ${name(r.predAdv)}${conf(r.scoresAdv, r.predAdv)}${r.predAdv !== r.predClean ? ' — prediction changed' : ''}`;
      c.advText.dataset.pred = String(r.predAdv);
      c.advText.className = r.predAdv !== r.predClean ? 'flipped' : '';
      if (r.predAdv !== r.predClean) flipped++;
      const delta = r.xAdv.map((v, j) => v - x[j]);
      if (isImage(s.inputShape)) {
        drawImage(c.adv, r.xAdv, s.inputShape, s.featureRange, 4);
        drawSigned(c.pert, delta, s.inputShape[0], s.inputShape[1], epsilon, 4);
        c.adv.dataset.sum = String(r.xAdv.reduce((a, b) => a + b, 0));
      } else {
        clear(c.table);
        const names = s.featureNames ?? Array.from({ length: s.d }, (_, j) => `feature ${j}`);
        c.table.append(
          h(
            'table',
            { className: 'numbers' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'feature'), h('th', { scope: 'col' }, 'input'), h('th', { scope: 'col' }, 'adversarial'), h('th', { scope: 'col' }, 'δ'))),
            h('tbody', {}, ...names.map((f, j) => h('tr', {}, h('th', { scope: 'row' }, f), h('td', {}, num(x[j], 3)), h('td', {}, num(r.xAdv[j], 3)), h('td', {}, num(delta[j], 3))))),
          ),
        );
      }
    });
    this.status.textContent = `ε = ${fmtEps(epsilon, isImage(s.inputShape))}: ${flipped} of ${this.cards.length} model${this.cards.length === 1 ? '' : 's'} changed ${flipped === 1 ? 'its' : 'their'} prediction.`;
  }

  private parseEps(): number[] {
    const parts = this.rEps.value.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const eps = parts.map(Number);
    if (parts.length === 0 || eps.some((e) => !Number.isFinite(e) || e < 0)) {
      throw new Error(`ε list: "${this.rEps.value}" is not a comma-separated list of numbers ≥ 0, e.g. 0,0.05,0.1,0.2`);
    }
    return eps;
  }

  private async runRobustness(): Promise<void> {
    this.rError.textContent = '';
    let epsilons: number[];
    try {
      epsilons = this.parseEps();
      const rows = Number(this.rRows.value);
      if (!Number.isInteger(rows) || rows < 1) throw new Error(`Test rows: "${this.rRows.value}" is not a whole number ≥ 1`);
      const steps = Number(this.rSteps.value);
      if (!Number.isInteger(steps) || steps < 1) throw new Error(`PGD steps: "${this.rSteps.value}" is not a whole number ≥ 1`);
      const attack = this.rAttack.value as 'fgsm' | 'pgd';
      this.rRun.disabled = true;
      this.rCancel.disabled = false;
      for (const r of this.runs) r.robustness = { rows: [], report: null, done: 0, total: 0, epsilon: null, error: null };
      await Promise.all(
        this.runs.map(async (r) => {
          try {
            const report = await r.worker.call('robustness', { attack, epsilons, rows, ...(attack === 'pgd' ? { steps } : {}) });
            r.robustness!.report = report;
          } catch (e) {
            r.robustness!.error = (e as Error).name === 'AbortError' ? 'cancelled' : (e as Error).message;
          }
        }),
      );
    } catch (e) {
      this.rError.textContent = (e as Error).message;
    } finally {
      this.rRun.disabled = false;
      this.rCancel.disabled = true;
      this.renderRobustness(this.runs);
    }
  }

  private renderRobustness(runs: readonly Run[]): void {
    const withRows = runs.filter((r) => r.robustness);
    if (withRows.length === 0) return;
    const series: SeriesSpec[] = withRows.map((r) => ({ label: r.label, scale: 'acc', color: r.color, points: true }));
    const { xs, ys } = align(withRows.map((r) => r.robustness!.rows.map((row) => ({ x: row.epsilon, y: row.robustAccuracy }))));
    this.rChart.set(series, xs, ys);
    clear(this.rTable);
    for (const r of withRows) {
      const rb = r.robustness!;
      const report: RobustnessReport | null = rb.report;
      const progress = !report && !rb.error && rb.total > 0 ? ` — running ε = ${rb.epsilon}: ${int(rb.done)}/${int(rb.total)} rows` : '';
      const table = h(
        'table',
        { className: 'numbers', 'data-testid': `rob-table-${r.id}` },
        h('caption', {}, `${r.label}${progress}${rb.error ? ` — ${rb.error}` : ''}`),
        h('thead', {}, h('tr', {}, ...['ε', 'robust accuracy', 'attack success rate', 'mean L∞', 'mean L2', 'rows', 'time'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          {},
          ...rb.rows.map((row) =>
            h(
              'tr',
              { 'data-eps': row.epsilon, 'data-acc': row.robustAccuracy },
              h('td', {}, row.epsilon),
              h('td', {}, pct(row.robustAccuracy)),
              h('td', {}, pct(row.successRate)),
              h('td', {}, num(row.meanLinf, 3)),
              h('td', {}, num(row.meanL2, 3)),
              h('td', {}, int(row.n)),
              h('td', {}, seconds(row.seconds)),
            ),
          ),
        ),
      );
      const dl = report
        ? h('button', { type: 'button', onclick: () => downloadBlob(`${r.rule}-robustness.json`, [`${JSON.stringify(report, null, 2)}\n`], 'application/json') }, `Download ${r.label} report.json`)
        : null;
      this.rTable.append(table, ...(dl ? [dl] : []));
    }
  }
}
