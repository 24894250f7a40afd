// The dashboard: one page, four sections (train, watch, attack, models), one worker per model.
// The page's thread only reads forms and draws; data parsing, training and attacks run in
// the workers on the wasm-simd backend (tfjs-wasm where WebAssembly SIMD is missing).
import { wasmSimdSupported } from '@plasticity/core-wasm';
import type { DatasetSpec } from '@plasticity/rules';
import tfjsPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { describeSpec, imagePayload } from '../app/data.js';
import { Run } from '../app/run.js';
import { mb } from '../format.js';
import type { BackendChoice, DataPayload } from '../worker/protocol.js';
import { AttackPanel } from './attack-panel.js';
import { PALETTE } from './charts.js';
import { h } from './dom.js';
import type { ModelFiles } from '../app/model-files.js';
import { ModelsPanel } from './models-panel.js';
import { ServerPanel } from './server-panel.js';
import { FormError, SetupPanel } from './setup-panel.js';
import { WatchPanel } from './watch-panel.js';

const TFJS_WASM_PATHS = {
  'tfjs-backend-wasm.wasm': new URL(tfjsPlain, document.baseURI).href,
  'tfjs-backend-wasm-simd.wasm': new URL(tfjsSimd, document.baseURI).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL(tfjsThreaded, document.baseURI).href,
};

interface Session {
  spec: DatasetSpec;
  payload: DataPayload;
}

/** Number of first-layer units drawn as receptive fields. */
const FIELD_UNITS = 36;

export class App {
  private runs: Run[] = [];
  private session: Session | null = null;
  private paused = false;
  private renderQueued = false;
  private readonly backend: BackendChoice;
  private readonly alert = h('div', { className: 'alert', role: 'alert', 'data-testid': 'alert', hidden: true });
  private readonly backendLine = h('p', { className: 'backend', role: 'status', 'data-testid': 'backend' });
  private readonly dataLine = h('p', { className: 'hint', role: 'status', 'data-testid': 'data-status' });
  private readonly setup = new SetupPanel();
  private readonly watch = new WatchPanel();
  private readonly attack = new AttackPanel((m) => this.showError(m));
  private readonly models = new ModelsPanel((f) => this.loadModel(f));
  private readonly server = new ServerPanel(() => this.runs);

  constructor(private readonly root: HTMLElement) {
    const q = new URLSearchParams(location.search).get('backend');
    this.backend = q === 'tfjs-wasm' || q === 'wasm-simd' ? q : 'auto';
  }

  start(): void {
    const nav = h(
      'nav',
      { 'aria-label': 'sections' },
      ...[['#train', 'Train'], ['#watch', 'Watch'], ['#attack', 'Attack'], ['#models', 'Models'], ['#server', 'Server']].map(([href, t]) => h('a', { href }, t)),
    );
    this.root.append(
      h('header', {}, h('h1', {}, 'Plasticity'), h('p', { className: 'tagline' }, 'Train local learning rules next to backprop in your browser, watch them learn, attack them.'), nav, this.backendLine),
      h('main', {}, this.alert, this.setup.el, this.dataLine, this.watch.el, this.attack.el, this.models.el, this.server.el),
    );
    this.setup.startButton.addEventListener('click', () => void this.startTraining());
    this.setup.pauseButton.addEventListener('click', () => void this.togglePause());
    this.setup.stopButton.addEventListener('click', () => this.stop());
    this.setup.onCsvError = (m) => this.showError(m);
    this.describeBackend();
    this.render();
  }

  private describeBackend(extra?: string): void {
    const simd = wasmSimdSupported();
    const base =
      this.backend === 'tfjs-wasm'
        ? 'Backend: tfjs-wasm, as asked in the address (?backend=tfjs-wasm).'
        : simd
          ? 'Backend: wasm-simd (our AssemblyScript SIMD kernels) in one Web Worker per model.'
          : 'Backend: this browser does not support WebAssembly SIMD, so training falls back to tfjs-wasm (slower).';
    this.backendLine.textContent = extra ? `${base} ${extra}` : base;
  }

  showError(message: string | null): void {
    this.alert.hidden = message === null;
    this.alert.textContent = message ?? '';
  }

  private scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    this.setup.renderProgress(this.runs, this.paused);
    this.watch.render(this.runs);
    this.attack.refresh(this.runs);
    this.models.render(this.runs);
    this.server.render();
  }

  private async payloadFor(spec: DatasetSpec, csv: { fileName: string; text: string } | null): Promise<DataPayload> {
    if (spec.name === 'mnist' || spec.name === 'fashion-mnist') {
      const name = spec.name;
      this.dataLine.textContent = `Loading ${name}…`;
      const p = await imagePayload(name, (done, total) => {
        this.dataLine.textContent = `Downloading ${name}: ${mb(done)} of ${mb(total)} (gzip'd IDX files)`;
      });
      this.dataLine.textContent = `${name}: files loaded (${mb((p as Extract<DataPayload, { kind: 'idx' }>).files.reduce((s, f) => s + f.byteLength, 0))} unpacked).`;
      return p;
    }
    if (spec.name === 'iris') return { kind: 'iris' };
    if (spec.name === 'csv') {
      if (!csv || csv.fileName !== spec.path) throw new FormError(`this needs the CSV file ${spec.path ?? ''}: drop it in the Train form first`);
      return { kind: 'csv', fileName: csv.fileName, text: csv.text };
    }
    throw new FormError(`the data set ${spec.name} cannot be loaded in the browser (it needs files on disk: use the CLI)`);
  }

  private clearRuns(): void {
    for (const r of this.runs) r.worker.terminate();
    this.runs = [];
    this.paused = false;
  }

  private async startTraining(): Promise<void> {
    this.showError(null);
    let choice;
    try {
      choice = this.setup.read();
    } catch (e) {
      this.showError((e as Error).message);
      if (e instanceof FormError) e.control?.focus();
      return;
    }
    this.setup.startButton.disabled = true;
    let payload: DataPayload;
    try {
      payload = await this.payloadFor(choice.spec, choice.csv ?? null);
    } catch (e) {
      this.showError((e as Error).message);
      this.setup.startButton.disabled = false;
      return;
    }
    this.clearRuns();
    this.session = { spec: choice.spec, payload };
    const counts = new Map<string, number>();
    this.runs = choice.rules.map((rule, i) => {
      const n = (counts.get(rule) ?? 0) + 1;
      counts.set(rule, n);
      return new Run(rule, rule, PALETTE[i % PALETTE.length], 'trained', choice.configs[rule], () => this.scheduleRender());
    });
    this.dataLine.textContent = `Training on ${describeSpec(choice.spec)}.`;
    this.render();
    await Promise.all(this.runs.map((r) => this.launch(r, this.session!)));
  }

  private async prepare(run: Run, session: Session): Promise<void> {
    run.set('starting');
    run.backend = await run.worker.call('init', { backend: this.backend, tfjsWasmPaths: TFJS_WASM_PATHS });
    if (run.backend.fallback) this.describeBackend(run.backend.fallback);
    run.set('loading data');
    run.data = await run.worker.call('data', { spec: session.spec, payload: session.payload });
  }

  private async launch(run: Run, session: Session): Promise<void> {
    try {
      await this.prepare(run, session);
      if (!this.runs.includes(run)) return;
      const d = run.data!;
      this.dataLine.textContent = `Training on ${describeSpec(session.spec)}: ${d.train.toLocaleString('en-US')} training, ${d.validation.toLocaleString('en-US')} validation, ${d.test.toLocaleString('en-US')} test rows; ${d.d} features, classes ${d.classNames.join(', ')}.`;
      run.set(this.paused ? 'paused' : 'training');
      if (this.paused) await run.worker.call('pause', { paused: true });
      const info = await run.worker.call('train', { config: run.config!, fieldUnits: FIELD_UNITS });
      run.finished(info);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      run.set('failed', (e as Error).message);
    }
  }

  private async togglePause(): Promise<void> {
    this.paused = !this.paused;
    await Promise.all(
      this.runs
        .filter((r) => r.status === 'training' || r.status === 'paused')
        .map(async (r) => {
          await r.worker.call('pause', { paused: this.paused });
          r.set(this.paused ? 'paused' : 'training');
        }),
    );
    this.render();
  }

  private stop(): void {
    this.paused = false;
    for (const r of this.runs) {
      if (!r.active) continue;
      void r.worker.call('stop', {});
      if (r.status === 'training' || r.status === 'paused') r.set('stopping');
    }
  }

  /**
   * A model saved by the CLI or this page. It is scored on the page's data set; with no model
   * on the page yet, the page switches to the data set stored in the model (as `plasticity eval` does).
   */
  private async loadModel(files: ModelFiles): Promise<void> {
    this.showError(null);
    let stored: DatasetSpec | undefined;
    let rule = 'model';
    let seed: unknown;
    try {
      const meta = JSON.parse(files.json) as { rule?: { name?: string }; training?: { data?: DatasetSpec; seed?: unknown } };
      stored = meta.training?.data;
      rule = meta.rule?.name ?? rule;
      seed = meta.training?.seed;
    } catch (e) {
      throw new Error(`${files.source}: model.json is not valid JSON (${(e as Error).message})`);
    }
    let session = this.session;
    if (!session || !this.runs.some((r) => r.ready)) {
      let spec: DatasetSpec;
      if (stored) {
        spec = { ...stored };
        delete spec.dataDir;
      } else {
        try {
          spec = this.setup.read().spec;
        } catch (e) {
          throw new Error(`${files.source} stores no data set spec, and the Train form is not complete: ${(e as Error).message}`);
        }
      }
      const payload = await this.payloadFor(spec, this.setup.currentCsv());
      this.clearRuns();
      session = { spec, payload };
      this.session = session;
      this.setup.showSpec(spec);
      this.dataLine.textContent = `Data set for loaded models: ${describeSpec(spec)}${stored ? ' (from the model file)' : ''}.`;
    }
    const label = `${rule} (loaded${seed !== undefined ? `, seed ${String(seed)}` : ''})`;
    const run = new Run(rule, label, PALETTE[this.runs.length % PALETTE.length], 'loaded', null, () => this.scheduleRender());
    try {
      await this.prepare(run, session);
      const info = await run.worker.call('loadModel', { json: files.json, bin: files.bin, source: files.source });
      run.finished(info);
      this.runs.push(run);
      this.render();
    } catch (e) {
      run.worker.terminate();
      throw e;
    }
  }
}
