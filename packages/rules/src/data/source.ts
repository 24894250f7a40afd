import type { DatasetName } from './types.js';

/**
 * One split of a source data set as it was read, before any task mapping. Images stay as
 * the file's bytes (`u8`, x = byte/255) until rows are chosen, so a binary task on MNIST
 * converts only the rows it keeps.
 */
export interface SourceSplit {
  readonly n: number;
  readonly kind: 'u8' | 'f32';
  /** n·d values, row-major. */
  readonly data: Uint8Array | Float32Array;
  /** n source labels in [0, classNames.length). */
  readonly labels: ArrayLike<number>;
  readonly origin: string;
}

/**
 * A data set as parsed from its files. Build one in the browser from fetched bytes (with
 * `parseIdx`/`imagesFromIdx`, `parseCifarBatch`, `parseCsv`) and pass it to `buildDatasets`.
 */
export interface SourceData {
  readonly name: DatasetName;
  readonly classNames: readonly string[];
  readonly inputShape: readonly number[];
  readonly d: number;
  /** Column names for tabular data (IRIS, CSV). */
  readonly featureNames?: readonly string[];
  readonly featureRange: { readonly lo: number; readonly hi: number };
  readonly train: SourceSplit;
  /** The official test split; absent when the set has none and `train` is split seeded. */
  readonly test?: SourceSplit;
  /** Test fraction used when there is no official test split and the spec gives none. */
  readonly defaultTestFraction?: number;
}

// Math.fround(v / 255) for every byte: the correctly rounded float32 of v/255, identical on
// every platform and cheaper than a divide per pixel.
const BYTE_TO_UNIT = new Float32Array(256);
for (let v = 0; v < 256; v++) BYTE_TO_UNIT[v] = v / 255;

/** Copy the given rows of a source split into a new float32 matrix (rows in the order given). */
export function materializeRows(split: SourceSplit, d: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * d);
  if (split.kind === 'u8') {
    const src = split.data as Uint8Array;
    for (let r = 0; r < rows.length; r++) {
      const s = rows[r] * d;
      const o = r * d;
      for (let j = 0; j < d; j++) out[o + j] = BYTE_TO_UNIT[src[s + j]];
    }
  } else {
    const src = split.data as Float32Array;
    for (let r = 0; r < rows.length; r++) out.set(src.subarray(rows[r] * d, rows[r] * d + d), r * d);
  }
  return out;
}
