// What a model worker does, written without any worker plumbing so that vitest can run it in
// Node against the CLI's own code paths. Every computation is a call into @plasticity/rules:
// the same data parsers, train(), evaluate(), runAttack() and robustnessReport() as the CLI.
import { configureTfjsWasm, createBackend, wasmSimdSupported, type Backend } from '@plasticity/core-wasm';
import {
  buildDatasets, evaluate, exportTfjs, FASHION_MNIST_CLASSES, imagesFromIdx, loadSource, MNIST_CLASSES, modelFromTraining,
  parseCsv, parseModel, parseTrainConfig, restoreModel, robustnessReport, runAttack, scoreRows, serializeModel, TFJS_WEIGHTS_FILE, train,
  type AttackModel, type DatasetSpec, type EpochStats, type Inference, type LoadedDatasets, type Model, type Network, type SourceData,
  type TrainConfig,
} from '@plasticity/rules';
import type {
  AttackOneRequest, AttackOneResult, BackendInfo, DataPayload, DataSummary, ExportedFile, Methods, ModelInfo, Note, Params, RobustnessRequest, WeightsNote,
} from './protocol.js';

/** Where a model came from, as the page names it in errors. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The source data set a payload describes, exactly as the CLI's loaders build it from files. */
export async function sourceFromPayload(payload: DataPayload, spec: DatasetSpec): Promise<SourceData> {
  switch (payload.kind) {
    case 'idx': {
      const split = (images: Uint8Array, labels: Uint8Array, what: string) =>
        imagesFromIdx(images, labels, {
          imagesSource: `${payload.name}: ${what} images`,
          labelsSource: `${payload.name}: ${what} labels`,
          rows: 28,
          cols: 28,
          numClasses: 10,
          origin: payload.origin,
        });
      if (payload.name === 'mnist') {
        const [ti, tl, si, sl] = payload.files;
        if (!ti || !tl || !si || !sl) throw new EngineError('mnist: four IDX files are needed (train images, train labels, test images, test labels)');
        return { name: 'mnist', classNames: MNIST_CLASSES, inputShape: [28, 28, 1], d: 784, featureRange: { lo: 0, hi: 1 }, train: split(ti, tl, 'train'), test: split(si, sl, 'test') };
      }
      const [images, labels] = payload.files;
      if (!images || !labels) throw new EngineError('fashion-mnist: two IDX files are needed (images, labels)');
      // As the CLI loads it from the fashion-mnist package: train and test merged, a seeded 1/7 test split.
      return {
        name: 'fashion-mnist', classNames: FASHION_MNIST_CLASSES, inputShape: [28, 28, 1], d: 784, featureRange: { lo: 0, hi: 1 },
        train: split(images, labels, 'all'), defaultTestFraction: 1 / 7,
      };
    }
    case 'iris':
      return loadSource({ name: 'iris' });
    case 'csv': {
      if (!spec.label) throw new EngineError(`csv: choose the label column of ${payload.fileName}`);
      const table = parseCsv(payload.text, `csv: ${payload.fileName}`, { label: spec.label });
      return {
        name: 'csv', classNames: table.classNames, inputShape: [table.d], d: table.d, featureNames: table.featureNames,
        featureRange: spec.featureRange ?? { lo: table.min, hi: table.max },
        train: { n: table.n, kind: 'f32', data: table.x, labels: table.labels, origin: payload.fileName },
        defaultTestFraction: 0.2,
      };
    }
  }
}

interface TrainControl {
  abort: AbortController;
  paused: boolean;
  resume: (() => void) | null;
}

function softmax(scores: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let i = 0; i < scores.length; i++) m = Math.max(m, scores[i]);
  const e = Array.from(scores, (s) => Math.exp(s - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function historyForFile(h: EpochStats[]): unknown[] {
  return h.map(({ validation, ...e }) => ({
    ...e,
    ...(validation ? { validation: { n: validation.n, loss: validation.loss, accuracy: validation.accuracy, balancedAccuracy: validation.balancedAccuracy } } : {}),
  }));
}

/** One model and its data, driven by the page's calls. */
export class ModelEngine {
  private backend: Backend | null = null;
  private backendInfo: BackendInfo | null = null;
  private spec: DatasetSpec | null = null;
  private datasets: LoadedDatasets | null = null;
  private net: Network | null = null;
  private inference: Inference = {};
  private loss: 'cross-entropy' | 'mse' | undefined;
  private model: Model | null = null;
  private control: TrainControl | null = null;
  private attackAbort: AbortController | null = null;
  private step = 0;

  constructor(private readonly notify: (n: Note, transfer?: Transferable[]) => void) {}

  async init({ backend, tfjsWasmPaths }: Params<'init'>): Promise<BackendInfo> {
    let fallback: string | undefined;
    let choice = backend;
    if (choice === 'auto') {
      if (wasmSimdSupported()) choice = 'wasm-simd';
      else {
        choice = 'tfjs-wasm';
        fallback = 'this browser does not support WebAssembly SIMD, so training runs on the tfjs-wasm fallback (slower)';
      }
    }
    if (choice === 'tfjs-wasm' && tfjsWasmPaths) {
      await configureTfjsWasm({ wasmPaths: tfjsWasmPaths as Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string> });
    }
    this.backend = await createBackend(choice);
    this.backendInfo = { name: this.backend.name, build: this.backend.build, ...(fallback ? { fallback } : {}) };
    return this.backendInfo;
  }

  private needBackend(): Backend {
    if (!this.backend) throw new EngineError('the worker has no backend yet (init was not called)');
    return this.backend;
  }

  private needData(): LoadedDatasets {
    if (!this.datasets) throw new EngineError('no data set is loaded in this worker');
    return this.datasets;
  }

  private needModel(): { net: Network; model: AttackModel } {
    if (!this.net) throw new EngineError('this worker holds no model yet');
    return { net: this.net, model: { net: this.net, inference: this.inference, ...(this.loss ? { loss: this.loss } : {}) } };
  }

  async data({ spec, payload }: Params<'data'>): Promise<DataSummary> {
    const source = await sourceFromPayload(payload, spec);
    const data = await buildDatasets(source, spec);
    this.spec = spec;
    this.datasets = data;
    const t = data.train;
    return {
      name: t.name, classNames: [...t.classNames], inputShape: [...t.inputShape], d: t.d,
      ...(t.featureNames ? { featureNames: [...t.featureNames] } : {}),
      featureRange: { ...t.featureRange },
      train: t.n, validation: data.validation?.n ?? 0, test: data.test.n,
      fingerprint: t.fingerprint, testFingerprint: data.test.fingerprint, origin: t.origin,
    };
  }

  private weightsNote(net: Network, units: number): WeightsNote {
    const be = net.backend;
    const w = be.read(net.layers[0].W);
    const u = Math.min(units, net.layers[0].outSize);
    const d = net.inputSize;
    return { w0: Float32Array.from(w.subarray(0, u * d)), units: u, d, step: this.step };
  }

  private sendWeights(net: Network, units: number): void {
    if (units <= 0) return;
    const n = this.weightsNote(net, units);
    this.notify({ note: 'weights', ...n }, [n.w0.buffer]);
  }

  async train({ config, fieldUnits }: Params<'train'>): Promise<ModelInfo> {
    const backend = this.needBackend();
    const data = this.needData();
    if (this.control) throw new EngineError('this worker is already training');
    const cfg: TrainConfig = parseTrainConfig(config);
    const control: TrainControl = { abort: new AbortController(), paused: false, resume: null };
    this.control = control;
    let lastWeights = 0;
    try {
      const result = await train(cfg, { train: data.train, validation: data.validation }, {
        backend,
        signal: control.abort.signal,
        onEvent: (event) => this.notify({ note: 'train', event }),
        afterStep: async ({ net, step }) => {
          this.step = step;
          if (now() - lastWeights > 500) {
            lastWeights = now();
            this.sendWeights(net, fieldUnits);
          }
          while (control.paused && !control.abort.signal.aborted) {
            await new Promise<void>((resolve) => {
              control.resume = resolve;
            });
          }
        },
      });
      this.net = result.net;
      this.inference = { rule: result.rule, state: result.ruleState, options: result.ruleOptions };
      this.loss = cfg.loss as 'cross-entropy' | 'mse';
      this.sendWeights(result.net, fieldUnits);
      const test = evaluate(result.net, data.test, { loss: this.loss, inference: this.inference });
      const lastVal = result.history.at(-1)?.validation;
      const t = data.train;
      const model = modelFromTraining(result, {
        dataset: {
          name: t.name, fingerprint: t.fingerprint, classNames: [...t.classNames], inputShape: [...t.inputShape],
          featureRange: { ...t.featureRange }, task: JSON.parse(JSON.stringify(t.task)) as Record<string, unknown>,
        },
        metrics: {
          status: result.status, testAccuracy: test.accuracy, balancedAccuracy: test.balancedAccuracy, testLoss: test.loss, testRows: test.n,
          testFingerprint: data.test.fingerprint,
          ...(lastVal ? { validationAccuracy: lastVal.accuracy, validationBalancedAccuracy: lastVal.balancedAccuracy, validationFingerprint: data.validation?.fingerprint } : {}),
          trainSeconds: result.trainSeconds, confusion: test.confusion,
        },
      });
      // The same `training` block the CLI writes (config, data spec, how the run went), so
      // `plasticity eval/attack --model` rebuild the same rows from a model saved here.
      model.meta.training = {
        ...model.meta.training,
        data: this.spec,
        run: {
          status: result.status, epochsCompleted: result.history.length, trainSeconds: result.trainSeconds,
          backend: `${backend.name} (${backend.build})`, history: historyForFile(result.history),
          ...(result.divergence ? { divergence: result.divergence } : {}),
          web: true,
        },
      };
      this.model = model;
      return this.info(model, test, true, result.status);
    } finally {
      this.control = null;
    }
  }

  private info(model: Model, test: ModelInfo['test'], fingerprintMatches: boolean | null, status: string): ModelInfo {
    const arch = [model.meta.architecture.inputSize, ...model.meta.architecture.layers.map((l) => l.size)];
    const seed = Number((model.meta.training as { seed?: unknown } | undefined)?.seed ?? 0);
    return { rule: model.meta.rule.name, seed, architecture: arch, meta: model.meta, test, fingerprintMatches, status };
  }

  pause({ paused }: Params<'pause'>): { paused: boolean } {
    const c = this.control;
    if (!c) return { paused: false };
    c.paused = paused;
    if (!paused && c.resume) {
      c.resume();
      c.resume = null;
    }
    return { paused };
  }

  stop(): { stopping: boolean } {
    const c = this.control;
    if (!c) return { stopping: false };
    c.abort.abort();
    c.resume?.();
    return { stopping: true };
  }

  /** A model saved by the CLI (or by this page): checked against the loaded data set. */
  loadModel({ json, bin, source }: Params<'loadModel'>): ModelInfo {
    const backend = this.needBackend();
    const data = this.needData();
    const model = parseModel(json, bin, source);
    const a = model.meta.architecture;
    const ds = data.test;
    if (a.inputSize !== ds.d) {
      throw new EngineError(`${source} expects ${a.inputSize} input features, but the data set ${ds.name} has ${ds.d}; load the data set it was trained on`);
    }
    const classUnits = a.classUnits ?? a.layers[a.layers.length - 1].size;
    if (classUnits !== ds.classNames.length) {
      throw new EngineError(`${source} has ${classUnits} class outputs, but the data set ${ds.name} (${ds.classNames.join(', ')}) has ${ds.classNames.length} classes`);
    }
    const names = model.meta.dataset?.classNames;
    if (names && names.join('\u0000') !== ds.classNames.join('\u0000')) {
      throw new EngineError(`${source} was trained on the classes ${names.join(', ')}, but the data set here has ${ds.classNames.join(', ')}`);
    }
    const { net, inference } = restoreModel(backend, model);
    this.net = net;
    this.inference = inference;
    this.loss = (model.meta.training as { loss?: 'cross-entropy' | 'mse' } | undefined)?.loss;
    this.model = model;
    const test = evaluate(net, ds, { inference, ...(this.loss ? { loss: this.loss } : {}) });
    const fp = model.meta.dataset?.fingerprint;
    return this.info(model, test, fp ? fp === data.train.fingerprint : null, 'loaded');
  }

  rows({ start, count }: Params<'rows'>): { x: Float32Array; y: Int32Array; n: number; total: number } {
    const ds = this.needData().test;
    const s = Math.max(0, Math.min(start, ds.n));
    const e = Math.min(ds.n, s + Math.max(0, count));
    return { x: ds.x.slice(s * ds.d, e * ds.d), y: ds.y.slice(s, e), n: e - s, total: ds.n };
  }

  private scores(model: AttackModel, x: ArrayLike<number>): number[] {
    const s = scoreRows(model, x, [0], 1);
    return model.net.softmaxOutput ? softmax(s) : Array.from(s);
  }

  predict({ x }: Params<'predict'>): { pred: number; scores: number[] } {
    const { net, model } = this.needModel();
    if (x.length !== net.inputSize) throw new EngineError(`the input has ${x.length} values; the model expects ${net.inputSize}`);
    const scores = this.scores(model, x);
    const k = net.classUnits;
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[c] > scores[best]) best = c;
    return { pred: best, scores: scores.slice(0, k) };
  }

  /** One input attacked (FGSM or PGD, true gradient) on this model, as `runAttack` does it for the CLI. */
  async attackOne(req: AttackOneRequest): Promise<AttackOneResult> {
    const { net, model } = this.needModel();
    const ds = this.needData().test;
    if (req.x.length !== net.inputSize) throw new EngineError(`the input has ${req.x.length} values; the model expects ${net.inputSize}`);
    const r = await runAttack(
      model,
      { x: req.x, y: Int32Array.of(req.label), n: 1, d: net.inputSize, featureRange: ds.featureRange, inputShape: ds.inputShape, name: 'the chosen input' },
      { attack: req.attack, epsilon: req.epsilon, ...(req.steps ? { steps: req.steps } : {}) },
    );
    const k = net.classUnits;
    return {
      xAdv: r.xAdv, predClean: r.predClean[0], predAdv: r.predAdv[0],
      scoresClean: this.scores(model, req.x).slice(0, k), scoresAdv: this.scores(model, r.xAdv).slice(0, k),
    };
  }

  /** Robust accuracy over ε on the first `rows` test rows: the CLI's `plasticity attack` report. */
  async robustness(req: RobustnessRequest): Promise<ReturnType<Methods['robustness']>> {
    const { model } = this.needModel();
    const data = this.needData();
    const ds = data.test;
    const n = Math.min(req.rows, ds.n);
    const rows = n === ds.n ? ds : { ...ds, n, x: ds.x.subarray(0, n * ds.d), y: ds.y.subarray(0, n), sourceIndex: ds.sourceIndex.subarray(0, n) };
    const meta = this.model?.meta;
    const rule = meta?.rule.name ?? 'model';
    const seed = Number((meta?.training as { seed?: unknown } | undefined)?.seed ?? 0);
    this.attackAbort?.abort();
    const abort = new AbortController();
    this.attackAbort = abort;
    let lastNote = 0;
    try {
      return await robustnessReport(
        [{ rule, seed, model }],
        rows,
        [{ config: { attack: req.attack, seed: req.seed ?? 0, ...(req.steps ? { steps: req.steps } : {}) }, epsilons: req.epsilons, gradient: 'true' }],
        {
          signal: abort.signal,
          command: `dashboard: ${req.attack} ε ∈ {${req.epsilons.join(', ')}}, ${n} test rows`,
          onEvent: (e) => {
            if (e.type === 'attack-done') this.notify({ note: 'robustness-row', row: e.row });
            else if (e.done === e.total || now() - lastNote > 150) {
              lastNote = now();
              this.notify({ note: 'robustness-progress', done: e.done, total: e.total, epsilon: e.epsilon });
            }
          },
        },
      );
    } finally {
      if (this.attackAbort === abort) this.attackAbort = null;
    }
  }

  cancelRobustness(): { cancelled: boolean } {
    const a = this.attackAbort;
    a?.abort();
    return { cancelled: a !== null };
  }

  weights({ fieldUnits }: Params<'weights'>): WeightsNote {
    const { net } = this.needModel();
    return this.weightsNote(net, fieldUnits);
  }

  exportModel({ format }: Params<'exportModel'>): { files: ExportedFile[] } {
    if (!this.model) throw new EngineError('this worker holds no finished model to export');
    if (format === 'plasticity') {
      const { json, bin } = serializeModel(this.model);
      return { files: [{ name: 'model.json', bytes: new TextEncoder().encode(json) }, { name: 'weights.bin', bytes: bin }] };
    }
    const e = exportTfjs(this.model);
    return { files: [{ name: 'model.json', bytes: new TextEncoder().encode(`${JSON.stringify(e.modelJson, null, 2)}\n`) }, { name: TFJS_WEIGHTS_FILE, bytes: e.weightData }] };
  }
}
