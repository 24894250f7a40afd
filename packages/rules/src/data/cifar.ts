// CIFAR-10 binary batches (https://www.cs.toronto.edu/~kriz/cifar.html, "binary version"):
// records of 1 label byte + 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32×32
// row-major). Pure, so the browser can call it on fetched files.
import { DataError } from './errors.js';
import { firstLabelOutOfRange } from './idx.js';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
export const CIFAR_RECORD_BYTES = 3073;
const PIXELS = 1024;

/**
 * Parse one batch file. Pixels come back channels-last (row, column, channel), matching the
 * [32, 32, 3] input shape and TensorFlow.js' NHWC layout.
 */
export function parseCifarBatch(bytes: Uint8Array, source: string): { n: number; pixels: Uint8Array; labels: Uint8Array } {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR_RECORD_BYTES);
    throw new DataError(
      `${source} is not a CIFAR-10 binary batch: its ${bytes.length} bytes are not a whole number of ${CIFAR_RECORD_BYTES}-byte records ` +
        `(1 label byte + 3072 pixel bytes); ${whole} whole records and ${bytes.length - whole * CIFAR_RECORD_BYTES} bytes left over` +
        (bytes.length > 0 && whole > 0 ? ' (truncated?)' : ''),
      { subject: source },
    );
  }
  const n = bytes.length / CIFAR_RECORD_BYTES;
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * 3 * PIXELS);
  for (let r = 0; r < n; r++) {
    const s = r * CIFAR_RECORD_BYTES;
    labels[r] = bytes[s];
    const o = r * 3 * PIXELS;
    for (let p = 0; p < PIXELS; p++) {
      pixels[o + 3 * p] = bytes[s + 1 + p];
      pixels[o + 3 * p + 1] = bytes[s + 1 + PIXELS + p];
      pixels[o + 3 * p + 2] = bytes[s + 1 + 2 * PIXELS + p];
    }
  }
  const bad = firstLabelOutOfRange(labels, CIFAR10_CLASSES.length);
  if (bad) {
    throw new DataError(
      `${source}: label ${bad.value} in record ${bad.index} is out of range (${bad.count} records with labels outside 0..9); CIFAR-10 labels are 0..9. Is this a CIFAR-100 file (2 label bytes per record)?`,
      { subject: source },
    );
  }
  return { n, pixels, labels };
}
