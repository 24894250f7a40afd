// The messages between the page and a model worker. One worker holds one model (being trained,
// trained, or loaded from a file) and its own copy of the data set, so several rules train in
// parallel and the page's thread only draws.
import type { DatasetSpec, EvalResult, ModelMeta, RobustnessReport, RobustnessRow, TrainConfigInput, TrainEvent } from '@plasticity/rules';

export type BackendChoice = 'auto' | 'wasm-simd' | 'tfjs-wasm';

/** The bytes a worker builds its data set from (the same parsers as the CLI's loaders). */
export type DataPayload =
  | {
      kind: 'idx';
      name: 'mnist' | 'fashion-mnist';
      origin: string;
      /** mnist: train images, train labels, test images, test labels; fashion-mnist: images, labels (train+test merged). */
      files: Uint8Array[];
    }
  | { kind: 'iris' }
  | { kind: 'csv'; fileName: string; text: string };

export interface DataSummary {
  name: string;
  classNames: string[];
  inputShape: number[];
  d: number;
  featureNames?: string[];
  featureRange: { lo: number; hi: number };
  train: number;
  validation: number;
  test: number;
  fingerprint: string;
  testFingerprint: string;
  origin: string;
}

export interface BackendInfo {
  name: string;
  build: string;
  /** Set when the page asked for wasm-simd (or auto) and got the fallback: why. */
  fallback?: string;
}

export interface ModelInfo {
  rule: string;
  seed: number;
  architecture: number[];
  meta: ModelMeta;
  test: EvalResult;
  /** The model's stored data fingerprint equals the rows built here. */
  fingerprintMatches: boolean | null;
  status: string;
}

export interface AttackOneRequest {
  x: Float32Array;
  label: number;
  attack: 'fgsm' | 'pgd';
  epsilon: number;
  steps?: number;
}

export interface AttackOneResult {
  xAdv: Float32Array;
  predClean: number;
  predAdv: number;
  /** Output activations (softmax probabilities for softmax nets) before and after. */
  scoresClean: number[];
  scoresAdv: number[];
}

export interface RobustnessRequest {
  attack: 'fgsm' | 'pgd';
  epsilons: number[];
  rows: number;
  steps?: number;
  seed?: number;
}

export interface ExportedFile {
  name: string;
  bytes: Uint8Array;
}

/** Calls the page makes; each answers once (or fails with a message). */
export interface Methods {
  init(p: { backend: BackendChoice; tfjsWasmPaths?: Record<string, string> }): BackendInfo;
  data(p: { spec: DatasetSpec; payload: DataPayload }): DataSummary;
  /** Trains, streaming 'train' and 'weights' notes; answers when training has ended (completed, stopped or diverged). */
  train(p: { config: TrainConfigInput; fieldUnits: number }): ModelInfo;
  pause(p: { paused: boolean }): { paused: boolean };
  stop(p: Record<string, never>): { stopping: boolean };
  loadModel(p: { json: string; bin: Uint8Array; source: string }): ModelInfo;
  rows(p: { split: 'test'; start: number; count: number }): { x: Float32Array; y: Int32Array; n: number; total: number };
  predict(p: { x: Float32Array }): { pred: number; scores: number[] };
  attackOne(p: AttackOneRequest): AttackOneResult;
  robustness(p: RobustnessRequest): RobustnessReport;
  cancelRobustness(p: Record<string, never>): { cancelled: boolean };
  weights(p: { fieldUnits: number }): WeightsNote;
  exportModel(p: { format: 'plasticity' | 'tfjs' }): { files: ExportedFile[] };
}

export type Method = keyof Methods;
export type Params<M extends Method> = Parameters<Methods[M]>[0];
export type Result<M extends Method> = ReturnType<Methods[M]>;

export interface WeightsNote {
  /** The first `units` rows of W₀ (units × d), row-major. */
  w0: Float32Array;
  units: number;
  d: number;
  step: number;
}

/** Unrequested messages from a worker. */
export type Note =
  | { note: 'train'; event: TrainEvent }
  | ({ note: 'weights' } & WeightsNote)
  | { note: 'robustness-progress'; done: number; total: number; epsilon: number }
  | { note: 'robustness-row'; row: RobustnessRow };

export type Request = { [M in Method]: { id: number; method: M; params: Params<M> } }[Method];
export type Response = { id: number; result: unknown } | { id: number; error: { name: string; message: string } };
export type WorkerMessage = Response | Note;
