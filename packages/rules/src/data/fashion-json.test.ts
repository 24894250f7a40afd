import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { parseFashionMnistJson } from './fashion-json.js';

const enc = (s: string) => new TextEncoder().encode(s);
const rowText = (base: number) => `[${Array.from({ length: 784 }, (_, i) => (base + i) % 256).join(',')}]`;

describe('parseFashionMnistJson', () => {
  it('reads rows of 784 bytes and skips empty rows, against JSON.parse as the reference', () => {
    const text = `{"data":[${rowText(3)},[], ${rowText(200)} ,\n${rowText(0)}]}`;
    const ref = (JSON.parse(text) as { data: number[][] }).data.filter((r) => r.length > 0).flat();
    const { n, pixels, emptyRows } = parseFashionMnistJson(enc(text), 'f');
    expect(n).toBe(3);
    expect(emptyRows).toBe(1);
    expect(Array.from(pixels)).toEqual(ref);
  });

  it('rejects short rows, values above 255, non-integers and other shapes, naming the byte', () => {
    const bad = [
      `{"data":[[1,2,3]]}`,
      `{"data":[${rowText(0).replace('[0,', '[256,')}]}`,
      `{"data":[${rowText(0).replace('[0,', '[0.5,')}]}`,
      `{"rows":[]}`,
      `{"data":[${rowText(0)}]`,
      `{"data":[${rowText(0)}]}x`,
    ];
    for (const text of bad) {
      expect(() => parseFashionMnistJson(enc(text), 'fashion-mnist: /f.json'), text.slice(0, 30)).toThrow(DataError);
      expect(() => parseFashionMnistJson(enc(text), 'fashion-mnist: /f.json')).toThrow(/fashion-mnist: \/f\.json: unexpected content at byte \d+/);
    }
    expect(() => parseFashionMnistJson(enc(`{"data":[[1,2,3]]}`), 'f')).toThrow(/row 0 has 3 values, expected 784/);
  });

  it('reads one real class file of the fashion-mnist package: 7000 images', () => {
    const dir = dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
    const bytes = readFileSync(join(dir, 'src', 'clothes', '1.json'));
    const { n, pixels, emptyRows } = parseFashionMnistJson(bytes, 'f');
    expect([n, emptyRows]).toEqual([7000, 0]);
    // Spot-check the first row against JSON.parse of the file's first row.
    const firstRow = (JSON.parse(bytes.subarray(0, bytes.indexOf(0x5d) + 1).toString() + ']}') as { data: number[][] }).data[0]!;
    expect(Array.from(pixels.subarray(0, 784))).toEqual(firstRow);
  });
});
