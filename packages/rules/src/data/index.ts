// Data sets: one `Dataset` shape for MNIST, Fashion-MNIST, IRIS, CIFAR-10 and CSV, loaded
// offline, checked, with seeded tasks and splits. See docs/datasets.md.
export type {
  Batch,
  BatchOptions,
  Dataset,
  DatasetInfo,
  DatasetName,
  DatasetSpec,
  InputTransform,
  LoadedDatasets,
  SplitName,
  TaskInfo,
} from './types.js';
export type { SourceData, SourceSplit } from './source.js';
export type { CsvTable } from './csv.js';
export { DataError, OPTION_FLAGS } from './errors.js';
export { parseIdx, imagesFromIdx } from './idx.js';
export { parseCifarBatch, CIFAR10_CLASSES } from './cifar.js';
export { parseCsv } from './csv.js';
export { parseFashionMnistJson } from './fashion-json.js';
export { MNIST_CLASSES, FASHION_MNIST_CLASSES, IRIS_CLASSES, IRIS_FEATURES } from './loaders.js';
export { loadDataset, loadSource, buildDatasets, validateSpec } from './dataset.js';
export { listDatasets } from './registry.js';
export { batches, row } from './batches.js';
export { fitStandardizer, fitMinMax, applyTransform } from './transforms.js';
export { fingerprintOf, canonicalJson } from './fingerprint.js';
