// Byte builders for small IDX and CIFAR-10 files, used by the tests to write fixtures (valid
// and deliberately broken) into temp folders. Pure; kept out of the package's public entry.
import { CIFAR_RECORD_BYTES } from './cifar.js';

/** An unsigned-byte IDX file with the given dimensions and data. */
export function encodeIdx(dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((dim, i) => view.setUint32(4 + 4 * i, dim, false));
  out.set(data, header);
  return out;
}

/** CIFAR-10 records from labels and channel-planar pixels (1024 R, 1024 G, 1024 B per record). */
export function encodeCifarBatch(labels: readonly number[], planar: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length * CIFAR_RECORD_BYTES);
  labels.forEach((label, r) => {
    out[r * CIFAR_RECORD_BYTES] = label;
    out.set(planar.subarray(r * 3072, (r + 1) * 3072), r * CIFAR_RECORD_BYTES + 1);
  });
  return out;
}
