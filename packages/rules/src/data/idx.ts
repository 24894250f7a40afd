// IDX files (MNIST, Fashion-MNIST): a 4-byte magic number 00 00 <type> <ndims>, ndims
// big-endian uint32 sizes, then the data. Format: http://yann.lecun.com/exdb/mnist/ (bottom).
// Pure functions over bytes, so the browser can call them on fetched files.
import { DataError } from './errors.js';
import type { SourceSplit } from './source.js';

const IDX_TYPES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function firstBytes(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Parse an unsigned-byte IDX file. `source` names the file in error messages (e.g.
 * `mnist: /data/train-images-idx3-ubyte`). The returned `data` is a view into `bytes`.
 */
export function parseIdx(bytes: Uint8Array, source: string): { dims: number[]; data: Uint8Array } {
  if (bytes.length < 4) {
    throw new DataError(`${source} is too short to be an IDX file: ${bytes.length} bytes, but an IDX file starts with a 4-byte magic number and a 4-byte size per dimension`, { subject: source });
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new DataError(`${source} is gzip-compressed (starts with 1f 8b); decompress it first (gunzip), or give the folder that holds it: the loaders read <name>.gz themselves`, { subject: source });
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(`${source} is not an IDX file: wrong magic number (first bytes ${firstBytes(bytes)}; an IDX file starts with 00 00 <type> <dims>, e.g. 00 00 08 03 for images)`, { subject: source });
  }
  const type = bytes[2];
  const ndims = bytes[3];
  if (type !== 0x08) {
    const what = IDX_TYPES[type] ? `${IDX_TYPES[type]} data (type 0x${type.toString(16)})` : `unknown data type 0x${type.toString(16)}`;
    throw new DataError(`${source}: IDX file holds ${what}; only unsigned-byte IDX files (type 0x08) are supported`, { subject: source });
  }
  if (ndims === 0) throw new DataError(`${source}: IDX header declares 0 dimensions; expected at least 1`, { subject: source });
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError(`${source} is truncated: its IDX header declares ${ndims} dimensions (${headerBytes} header bytes) but the file has ${bytes.length} bytes`, { subject: source });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    dims.push(size);
    count *= size;
  }
  const have = bytes.length - headerBytes;
  const shape = dims.join('×');
  if (have < count) {
    throw new DataError(`${source} is truncated: header says ${shape} (${count} bytes of data) but the file has ${have} bytes after its ${headerBytes}-byte header`, { subject: source });
  }
  if (have > count) {
    throw new DataError(`${source} has ${have - count} bytes more than its header announces (${shape} = ${count} bytes of data after a ${headerBytes}-byte header); the file is corrupt or not the file its name says`, { subject: source });
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/**
 * Pair an image IDX file with its label IDX file: dimensions [n, rows, cols] and [n], the same
 * n, every label below `numClasses`.
 */
export function imagesFromIdx(
  images: Uint8Array,
  labels: Uint8Array,
  opts: { imagesSource: string; labelsSource: string; rows: number; cols: number; numClasses: number; origin: string },
): SourceSplit {
  const img = parseIdx(images, opts.imagesSource);
  const lab = parseIdx(labels, opts.labelsSource);
  const want = `n×${opts.rows}×${opts.cols}`;
  if (img.dims.length !== 3 || img.dims[1] !== opts.rows || img.dims[2] !== opts.cols) {
    throw new DataError(`${opts.imagesSource}: images have dimensions ${img.dims.join('×')}; expected ${want}`, { subject: opts.imagesSource });
  }
  if (lab.dims.length !== 1) {
    throw new DataError(`${opts.labelsSource}: labels have dimensions ${lab.dims.join('×')}; expected one dimension (n)`, { subject: opts.labelsSource });
  }
  const n = img.dims[0];
  if (lab.dims[0] !== n) {
    throw new DataError(`${opts.labelsSource} has ${lab.dims[0]} labels but ${opts.imagesSource} has ${n} images; they must match`, { subject: opts.labelsSource });
  }
  if (n === 0) throw new DataError(`${opts.imagesSource} holds no images`, { subject: opts.imagesSource });
  const bad = firstLabelOutOfRange(lab.data, opts.numClasses);
  if (bad) {
    throw new DataError(
      `${opts.labelsSource}: label ${bad.value} at item ${bad.index} is out of range (${bad.count} labels outside 0..${opts.numClasses - 1}); labels must be 0..${opts.numClasses - 1}`,
      { subject: opts.labelsSource },
    );
  }
  return { n, kind: 'u8', data: img.data, labels: lab.data, origin: opts.origin };
}

export function firstLabelOutOfRange(labels: ArrayLike<number>, numClasses: number): { index: number; value: number; count: number } | null {
  let first = -1;
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v < 0 || v >= numClasses) {
      if (first < 0) first = i;
      count++;
    }
  }
  return first < 0 ? null : { index: first, value: labels[first], count };
}
