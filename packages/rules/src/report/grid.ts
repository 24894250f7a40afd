// Adversarial examples as pictures: for each example a row of (original, perturbation,
// adversarial) tiles with the true label and the model's predictions. Tiles are PNGs made with
// pngjs and placed in an SVG with their captions; resvg turns the SVG into the final PNG.
import { AttackError } from '../attacks/config.js';
import { svgToPng } from './plot.js';

export interface GridExample {
  original: ArrayLike<number>;
  adversarial: ArrayLike<number>;
  label: number;
  predClean: number;
  predAdv: number;
}

export interface GridOptions {
  /** [H, W] or [H, W, C] with C = 1 or 3 (channels last). */
  inputShape: readonly number[];
  featureRange: { lo: number; hi: number };
  /** The radius the perturbation column is scaled by (δ/ε: −1 black, 0 grey, +1 white). */
  epsilon: number;
  classNames?: readonly string[];
  title?: string;
  /** Pixels per input pixel (default 4). */
  zoom?: number;
}

/** Whether data of this shape can be drawn as images. */
export function isImageShape(inputShape: readonly number[]): boolean {
  return inputShape.length >= 2 && inputShape[0] > 1 && inputShape[1] > 1 && (inputShape[2] ?? 1) in { 1: 1, 3: 1 };
}

async function tilePng(values: ArrayLike<number>, h: number, w: number, c: number, zoom: number, toByte: (v: number) => number): Promise<Uint8Array> {
  const { PNG } = await import('pngjs');
  const png = new PNG({ width: w * zoom, height: h * zoom });
  for (let y = 0; y < h * zoom; y++) {
    for (let x = 0; x < w * zoom; x++) {
      const src = (Math.floor(y / zoom) * w + Math.floor(x / zoom)) * c;
      const o = (y * w * zoom + x) * 4;
      for (let k = 0; k < 3; k++) png.data[o + k] = toByte(values[src + (c === 3 ? k : 0)]);
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

function base64(bytes: Uint8Array): string {
  const B = (globalThis as { Buffer?: { from(b: Uint8Array): { toString(enc: string): string } } }).Buffer;
  if (B) return B.from(bytes).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function exampleGridSvg(examples: readonly GridExample[], opts: GridOptions): Promise<string> {
  if (!isImageShape(opts.inputShape)) throw new AttackError(`an example grid needs image data ([H, W] or [H, W, 1|3]); this data set's inputShape is [${opts.inputShape.join(', ')}]`);
  const [h, w, c = 1] = opts.inputShape;
  const zoom = opts.zoom ?? 4;
  const { lo, hi } = opts.featureRange;
  const eps = opts.epsilon > 0 ? opts.epsilon : 1;
  const byte = (v: number) => Math.round(255 * Math.min(1, Math.max(0, (v - lo) / (hi - lo))));
  const names = opts.classNames ?? [];
  const name = (k: number) => names[k] ?? String(k);
  const tw = w * zoom;
  const th = h * zoom;
  const pad = 12;
  const caption = 30;
  const head = opts.title ? 34 : 8;
  const colHead = 18;
  const width = pad + 3 * (tw + pad);
  const height = head + colHead + examples.length * (th + caption + pad);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (opts.title) parts.push(`<text x="${width / 2}" y="22" font-size="14" text-anchor="middle">${esc(opts.title)}</text>`);
  ['original', `perturbation (±${opts.epsilon})`, 'adversarial'].forEach((t, k) =>
    parts.push(`<text x="${pad + k * (tw + pad) + tw / 2}" y="${head + 12}" font-size="11" text-anchor="middle">${esc(t)}</text>`),
  );
  for (let i = 0; i < examples.length; i++) {
    const e = examples[i];
    const delta = Array.from({ length: e.original.length }, (_, j) => e.adversarial[j] - e.original[j]);
    const tiles = await Promise.all([
      tilePng(e.original, h, w, c, zoom, byte),
      tilePng(delta, h, w, c, zoom, (v) => Math.round(255 * Math.min(1, Math.max(0, 0.5 + v / (2 * eps))))),
      tilePng(e.adversarial, h, w, c, zoom, byte),
    ]);
    const y = head + colHead + i * (th + caption + pad);
    tiles.forEach((t, k) => {
      const uri = `data:image/png;base64,${base64(t)}`;
      parts.push(`<image x="${pad + k * (tw + pad)}" y="${y}" width="${tw}" height="${th}" xlink:href="${uri}" href="${uri}"/>`);
    });
    const fooled = e.predAdv !== e.label;
    parts.push(`<text x="${pad + tw / 2}" y="${y + th + 14}" font-size="11" text-anchor="middle">label ${esc(name(e.label))}, pred ${esc(name(e.predClean))}</text>`);
    parts.push(
      `<text x="${pad + 2 * (tw + pad) + tw / 2}" y="${y + th + 14}" font-size="11" text-anchor="middle" fill="${fooled ? '#c0392b' : '#1e7b34'}">pred ${esc(name(e.predAdv))}${fooled ? ' (fooled)' : ''}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** The grid as SVG text and PNG bytes. */
export async function exampleGrid(examples: readonly GridExample[], opts: GridOptions): Promise<{ svg: string; png: Uint8Array }> {
  const svg = await exampleGridSvg(examples, opts);
  return { svg, png: await svgToPng(svg, 1) };
}
