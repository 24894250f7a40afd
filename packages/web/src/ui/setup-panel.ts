// The "Train" form: data set and task, rules, network, optimiser, seed; Start, Pause, Stop;
// one progress line per run. Everything it builds is the same DatasetSpec and TrainConfigInput
// the CLI builds from its flags.
import { listRules, trainConfigSchema, type DatasetSpec, type TrainConfigInput } from '@plasticity/rules';
import { checkCsv, csvHeader, type WebDatasetName } from '../app/data.js';
import type { Run } from '../app/run.js';
import { int, rate } from '../format.js';
import { clear, field, h, select } from './dom.js';

export class FormError extends Error {
  constructor(
    message: string,
    readonly control?: HTMLElement,
  ) {
    super(message);
    this.name = 'FormError';
  }
}

export interface SetupChoice {
  spec: DatasetSpec;
  dataset: WebDatasetName;
  csv?: { fileName: string; text: string };
  rules: string[];
  /** Per rule: the config it trains with (presets applied). */
  configs: Record<string, TrainConfigInput>;
}

const DEFAULTS = trainConfigSchema.parse({});

/**
 * Settings some rules need to train at all (their loss, invertible layers). Applied on top of
 * the form and listed beside the rule, so nothing changes silently.
 */
const RULE_PRESETS: Record<string, { config: Partial<TrainConfigInput>; note: string }> = {
  'gait-prop': { config: { activation: 'leaky-relu', output: 'leaky-relu', loss: 'mse', leakySlope: 0.1, init: 'orthogonal' }, note: 'leaky-relu (slope 0.1) layers and output, MSE loss, orthogonal init: its exact layer inverses need them' },
  tp: { config: { activation: 'leaky-relu', output: 'leaky-relu', loss: 'mse', leakySlope: 0.1, init: 'orthogonal' }, note: 'leaky-relu (slope 0.1), MSE loss, orthogonal init (layer inverses)' },
  itp: { config: { activation: 'leaky-relu', output: 'leaky-relu', loss: 'mse', leakySlope: 0.1, init: 'orthogonal' }, note: 'leaky-relu (slope 0.1), MSE loss, orthogonal init (layer inverses)' },
  'microcircuit-lif': { config: { output: 'linear', loss: 'mse' }, note: 'linear output, MSE loss (spike-count error)' },
  astdp: { config: { output: 'linear', loss: 'mse' }, note: 'linear output, MSE loss (steady-state relaxation)' },
  gupta: { config: { activation: 'sigmoid' }, note: 'sigmoid hidden units: its spike-latency code t = T(1 − a) needs activities in [0, 1]' },
};

const DATASETS: [WebDatasetName, string][] = [
  ['mnist', 'MNIST (handwritten digits, 28×28)'],
  ['fashion-mnist', 'Fashion-MNIST (clothes, 28×28)'],
  ['iris', 'IRIS (4 measurements, 3 species)'],
  ['csv', 'A CSV file you drop here'],
];
const TEN = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const IRIS = ['setosa', 'versicolor', 'virginica'];

function intList(text: string, what: string, control: HTMLElement): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const out = parts.map(Number);
  if (parts.length === 0 || out.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new FormError(`${what}: "${text}" is not a list of positive integers; write widths separated by commas, e.g. 256,256`, control);
  }
  return out;
}

function number(input: HTMLInputElement, what: string, check: (v: number) => boolean, expected: string): number {
  const v = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(v) || !check(v)) throw new FormError(`${what}: "${input.value}" is not valid; expected ${expected}`, input);
  return v;
}

export class SetupPanel {
  readonly el: HTMLElement;
  readonly startButton = h('button', { type: 'button', className: 'primary', 'data-testid': 'start' }, 'Start training');
  readonly pauseButton = h('button', { type: 'button', 'aria-pressed': 'false', disabled: true, 'data-testid': 'pause' }, 'Pause');
  readonly stopButton = h('button', { type: 'button', disabled: true, 'data-testid': 'stop' }, 'Stop');
  private readonly dataset = select(DATASETS, 'mnist', { 'data-testid': 'dataset' });
  private readonly task = select([['all', 'all classes'], ['pair', 'two classes (binary)'], ['one-vs-rest', 'one class vs the rest']], 'pair', { 'data-testid': 'task' });
  private readonly classA = select([]);
  private readonly classB = select([]);
  private readonly positive = select([]);
  private readonly cap = h('input', { type: 'number', min: 1, step: 1, placeholder: 'all rows', inputmode: 'numeric', 'data-testid': 'cap' });
  private readonly validation = h('input', { type: 'number', min: 0, max: 0.9, step: 0.05, value: 0.1, 'data-testid': 'validation' });
  private readonly csvFile = h('input', { type: 'file', accept: '.csv,text/csv', 'data-testid': 'csv-file' });
  private readonly csvLabel = select([], undefined, { 'data-testid': 'csv-label' });
  private readonly csvInfo = h('p', { className: 'hint', role: 'status' });
  private readonly dropZone: HTMLElement;
  private readonly rulesBox = h('div', { className: 'rules' });
  private readonly hidden = h('input', { type: 'text', value: '256,256', 'data-testid': 'hidden', spellcheck: 'false' });
  private readonly activation = select(['relu', 'leaky-relu', 'tanh', 'sigmoid', 'softplus', 'linear'], DEFAULTS.activation);
  private readonly optimizer = select([['adam', 'Adam'], ['sgd', 'SGD'], ['momentum', 'SGD with momentum (0.9)']], DEFAULTS.optimizer.kind, { 'data-testid': 'optimizer' });
  private readonly lr = h('input', { type: 'number', min: 0, step: 0.0001, value: DEFAULTS.optimizer.lr, 'data-testid': 'lr' });
  private readonly epochs = h('input', { type: 'number', min: 1, step: 1, value: 3, 'data-testid': 'epochs' });
  private readonly batch = h('input', { type: 'number', min: 1, step: 1, value: DEFAULTS.batchSize, 'data-testid': 'batch' });
  private readonly seed = h('input', { type: 'number', step: 1, value: DEFAULTS.seed, 'data-testid': 'seed' });
  private readonly progressList = h('ul', { className: 'progress-list', 'aria-live': 'polite', 'data-testid': 'progress' });
  private csv: { fileName: string; text: string } | null = null;
  private readonly groups: Record<string, HTMLElement> = {};

  constructor(defaultRules: readonly string[] = ['bp', 'fa']) {
    this.dropZone = h(
      'div',
      { className: 'drop', tabindex: -1, 'data-testid': 'csv-drop' },
      'Drop a CSV file here, or ',
      h('label', { className: 'file-label' }, 'choose one', this.csvFile),
      '. The header row names the columns; pick the label column below.',
    );
    this.dropZone.addEventListener('dragover', (e) => {
      e.preventDefault();
      this.dropZone.classList.add('over');
    });
    this.dropZone.addEventListener('dragleave', () => this.dropZone.classList.remove('over'));
    this.dropZone.addEventListener('drop', (e) => {
      e.preventDefault();
      this.dropZone.classList.remove('over');
      const f = e.dataTransfer?.files[0];
      if (f) void this.readCsv(f);
    });
    this.csvFile.addEventListener('change', () => {
      const f = this.csvFile.files?.[0];
      if (f) void this.readCsv(f);
    });
    this.csvLabel.addEventListener('change', () => this.checkCsvNow());
    for (const r of listRules()) {
      const box = h('input', { type: 'checkbox', value: r.name, id: `rule-${r.name}`, 'data-testid': `rule-${r.name}` });
      box.checked = defaultRules.includes(r.name);
      const preset = RULE_PRESETS[r.name];
      this.rulesBox.append(
        h('div', { className: 'rule' }, box, h('label', { for: box.id }, h('strong', {}, r.name), ` — ${r.description}`, preset ? h('small', { className: 'hint' }, ` (trains with ${preset.note})`) : null)),
      );
    }
    this.dataset.addEventListener('change', () => this.syncData());
    this.task.addEventListener('change', () => this.syncData());

    this.groups.task = field('Task', this.task, 'Binary subsets train in seconds; the CLI flags are --classes a,b and --one-vs-rest c.');
    this.groups.pair = h('div', { className: 'row' }, field('First class', this.classA), field('Second class', this.classB));
    this.groups.positive = field('Positive class', this.positive);
    this.groups.csv = h('div', {}, this.dropZone, field('Label column', this.csvLabel), this.csvInfo);

    this.el = h(
      'section',
      { id: 'train', 'aria-labelledby': 'train-h' },
      h('h2', { id: 'train-h' }, '1 · Train'),
      h(
        'form',
        { className: 'setup', onsubmit: (e: Event) => e.preventDefault(), novalidate: true },
        h(
          'fieldset',
          {},
          h('legend', {}, 'Data'),
          field('Data set', this.dataset),
          this.groups.task,
          this.groups.pair,
          this.groups.positive,
          this.groups.csv,
          h('div', { className: 'row' }, field('Rows per class (training)', this.cap, 'Empty: all rows. A cap makes a quick run.'), field('Validation fraction', this.validation, 'Share of training rows held out and scored every epoch (0–0.9).')),
        ),
        h('fieldset', {}, h('legend', {}, 'Learning rules (each trains in its own worker, side by side)'), this.rulesBox),
        h(
          'fieldset',
          {},
          h('legend', {}, 'Network and optimiser'),
          h('div', { className: 'row' }, field('Hidden layer widths', this.hidden, 'Comma-separated; the output width is the class count.'), field('Hidden activation', this.activation)),
          h('div', { className: 'row' }, field('Optimiser', this.optimizer), field('Learning rate', this.lr), field('Epochs', this.epochs), field('Batch size (samples)', this.batch), field('Seed', this.seed, 'Fixes initialisation, data order and splits.')),
        ),
        h('div', { className: 'buttons' }, this.startButton, this.pauseButton, this.stopButton),
        h('p', { className: 'hint' }, 'Start replaces the models on the page (download the ones you want to keep first). Stop keeps the weights of the last finished step.'),
      ),
      this.progressList,
    );
    this.syncData();
  }

  /** Show the controls that apply to the chosen data set and task. */
  private syncData(): void {
    const ds = this.dataset.value as WebDatasetName;
    const names = ds === 'mnist' ? TEN : ds === 'fashion-mnist' ? FASHION : ds === 'iris' ? IRIS : null;
    const keepA = this.classA.value;
    const keepB = this.classB.value;
    const keepP = this.positive.value;
    for (const s of [this.classA, this.classB, this.positive]) clear(s);
    (names ?? []).forEach((n, i) => {
      const text = n === String(i) ? n : `${i} · ${n}`;
      this.classA.append(h('option', { value: i }, text));
      this.classB.append(h('option', { value: i }, text));
      this.positive.append(h('option', { value: i }, text));
    });
    this.classA.value = keepA || '0';
    this.classB.value = keepB || '1';
    this.positive.value = keepP || '0';
    const task = this.task.value;
    this.groups.task.hidden = names === null;
    this.groups.pair.hidden = names === null || task !== 'pair';
    this.groups.positive.hidden = names === null || task !== 'one-vs-rest';
    this.groups.csv.hidden = ds !== 'csv';
  }

  private async readCsv(file: File): Promise<void> {
    this.csv = { fileName: file.name, text: await file.text() };
    const cols = csvHeader(this.csv.text);
    clear(this.csvLabel);
    for (const c of cols) this.csvLabel.append(h('option', { value: c }, c));
    const guess = cols.find((c) => /^(label|class|species|target|y)$/i.test(c)) ?? cols[cols.length - 1];
    if (guess) this.csvLabel.value = guess;
    this.dataset.value = 'csv';
    this.syncData();
    this.checkCsvNow();
  }

  /** Parse the CSV now so that a bad file is reported before anything trains. */
  checkCsvNow(): void {
    if (!this.csv) return;
    try {
      const t = checkCsv(this.csv.text, this.csv.fileName, this.csvLabel.value);
      this.csvInfo.textContent = `${this.csv.fileName}: ${int(t.n)} rows, ${t.d} features, ${t.classNames.length} classes (${t.classNames.slice(0, 8).join(', ')}${t.classNames.length > 8 ? ', …' : ''})`;
      this.csvInfo.classList.remove('error');
      this.onCsvError?.(null);
    } catch (e) {
      this.csvInfo.textContent = '';
      this.onCsvError?.((e as Error).message);
    }
  }

  /** Set by the app: show (or clear) a CSV error in the page's alert area. */
  onCsvError: ((message: string | null) => void) | null = null;

  /** The form as a data spec and one training config per rule; a FormError names the field at fault. */
  read(): SetupChoice {
    const dataset = this.dataset.value as WebDatasetName;
    const seed = number(this.seed, 'Seed', Number.isInteger, 'an integer');
    const spec: DatasetSpec = { name: dataset };
    if (dataset !== 'csv') {
      const task = this.task.value;
      if (task === 'pair') {
        const a = Number(this.classA.value);
        const b = Number(this.classB.value);
        if (a === b) throw new FormError(`Task: the two classes must differ (both are ${a})`, this.classB);
        spec.classes = [a, b];
      } else if (task === 'one-vs-rest') spec.oneVsRest = Number(this.positive.value);
    } else {
      if (!this.csv) throw new FormError('Data set: drop a CSV file (or choose one) first', this.csvFile);
      if (!this.csvLabel.value) throw new FormError('Label column: the CSV has no header columns to choose from', this.csvLabel);
      spec.path = this.csv.fileName;
      spec.label = this.csvLabel.value;
      try {
        checkCsv(this.csv.text, this.csv.fileName, this.csvLabel.value);
      } catch (e) {
        throw new FormError((e as Error).message, this.csvLabel);
      }
    }
    if (this.cap.value.trim() !== '') spec.perClassCap = number(this.cap, 'Rows per class', (v) => Number.isInteger(v) && v >= 1, 'a whole number ≥ 1, or empty for all rows');
    const validation = number(this.validation, 'Validation fraction', (v) => v >= 0 && v < 1, 'a fraction from 0 to 0.9');
    if (validation > 0) spec.validation = validation;
    spec.seed = seed;

    const rules = [...this.rulesBox.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((b) => b.value);
    if (rules.length === 0) throw new FormError('Learning rules: tick at least one rule', this.rulesBox.querySelector('input') ?? undefined);
    const base: TrainConfigInput = {
      hidden: intList(this.hidden.value, 'Hidden layer widths', this.hidden),
      activation: this.activation.value as TrainConfigInput['activation'],
      epochs: number(this.epochs, 'Epochs', (v) => Number.isInteger(v) && v >= 1, 'a whole number ≥ 1'),
      batchSize: number(this.batch, 'Batch size', (v) => Number.isInteger(v) && v >= 1, 'a whole number ≥ 1'),
      optimizer: { kind: this.optimizer.value as 'adam', lr: number(this.lr, 'Learning rate', (v) => v > 0, 'a number > 0') },
      seed,
      progressEvery: 5,
    };
    const configs: Record<string, TrainConfigInput> = {};
    for (const r of rules) configs[r] = { ...base, ...(RULE_PRESETS[r]?.config ?? {}), rule: r };
    return { spec, dataset, ...(dataset === 'csv' && this.csv ? { csv: this.csv } : {}), rules, configs };
  }

  /** Fill the data controls from a model's stored spec (a loaded CLI model). */
  showSpec(spec: DatasetSpec): void {
    if (spec.name !== 'csv' && DATASETS.some(([n]) => n === spec.name)) this.dataset.value = spec.name;
    if (spec.classes?.length === 2) {
      this.task.value = 'pair';
      this.syncData();
      this.classA.value = String(spec.classes[0]);
      this.classB.value = String(spec.classes[1]);
    } else if (spec.oneVsRest !== undefined) {
      this.task.value = 'one-vs-rest';
      this.syncData();
      this.positive.value = String(spec.oneVsRest);
    } else {
      this.task.value = 'all';
    }
    this.cap.value = spec.perClassCap !== undefined ? String(spec.perClassCap) : '';
    this.validation.value = String(spec.validation ?? 0);
    if (spec.seed !== undefined) this.seed.value = String(spec.seed);
    this.syncData();
  }

  /** The CSV currently dropped, if any (loading a CSV-trained model needs it). */
  currentCsv(): { fileName: string; text: string } | null {
    return this.csv;
  }

  renderProgress(runs: readonly Run[], paused: boolean): void {
    const training = runs.some((r) => r.active);
    this.startButton.disabled = training;
    this.pauseButton.disabled = !runs.some((r) => r.status === 'training' || r.status === 'paused');
    this.stopButton.disabled = !training;
    this.pauseButton.textContent = paused ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-pressed', String(paused));
    clear(this.progressList);
    for (const r of runs) {
      const p = r.progress;
      const frac = p && p.epochs > 0 ? Math.min(1, (p.epoch + p.batch / Math.max(p.batches, 1)) / p.epochs) : r.ready ? 1 : 0;
      const bar = h('progress', { max: 1, value: frac, 'aria-label': `${r.label} progress` });
      const detail = p && r.source === 'trained' ? `epoch ${Math.min(p.epoch + 1, p.epochs)}/${p.epochs}, batch ${p.batch}/${p.batches}, ${rate(p.samplesPerSec)}` : '';
      const backend = r.backend ? ` · ${r.backend.name} (${r.backend.build})` : '';
      const test = r.info ? ` · test accuracy ${(100 * r.info.test.accuracy).toFixed(2)} %` : '';
      this.progressList.append(
        h(
          'li',
          { 'data-testid': `progress-${r.id}`, 'data-status': r.status },
          h('span', { className: 'dot', style: `background:${r.color}` }),
          h('strong', {}, r.label),
          ' ',
          h('span', { className: 'status', 'data-testid': `status-${r.id}` }, r.status),
          ' ',
          bar,
          ' ',
          h('span', { className: 'detail' }, `${detail}${backend}${test}`),
          r.divergence ? h('span', { className: 'error' }, ` ${r.divergence}`) : null,
          r.error ? h('span', { className: 'error', role: 'alert' }, ` ${r.error}`) : null,
        ),
      );
    }
  }
}
