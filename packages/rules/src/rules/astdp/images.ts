// Image grids of generated samples: a PNG (pngjs, grey or RGB tiles with a 1-pixel border) and
// the same grid as block characters for terminals.
// pngjs (zlib, streams) is imported on first use, so browser and edge bundles of the package
// never load it.
import { writeFileAtomic } from '../../model/files.js';

export interface ImageGridOptions {
  /** Tile shape: [H, W] or [H, W, C] with C = 1 or 3, channels last (default [28, 28]). */
  shape?: readonly number[];
  /** Tiles per row (default ⌈√count⌉). */
  cols?: number;
  /** Pixels per input pixel (default 4). */
  zoom?: number;
  /** Values mapped to black and white (default [0, 1]). */
  range?: { lo: number; hi: number };
}

function layout(images: ArrayLike<number>, o: ImageGridOptions) {
  const shape = o.shape ?? [28, 28];
  const [h, w, c = 1] = shape;
  if (!(shape.length === 2 || shape.length === 3) || !(c === 1 || c === 3) || !(h > 0 && w > 0)) {
    throw new RangeError(`image grid: shape [${shape.join(', ')}] is not [H, W] or [H, W, 1|3]`);
  }
  const size = h * w * c;
  if (images.length === 0 || images.length % size !== 0) {
    throw new RangeError(`image grid: ${images.length} values are not a whole number of ${h}×${w}×${c} images`);
  }
  const count = images.length / size;
  const cols = o.cols ?? Math.ceil(Math.sqrt(count));
  if (!Number.isInteger(cols) || cols < 1) throw new RangeError(`image grid: cols must be a positive integer, got ${cols}`);
  const { lo, hi } = o.range ?? { lo: 0, hi: 1 };
  if (!(hi > lo)) throw new RangeError(`image grid: range [${lo}, ${hi}] is empty`);
  const level = (v: number) => Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
  return { h, w, c, size, count, cols, rows: Math.ceil(count / cols), level };
}

/** The grid as PNG bytes: tiles left to right, top to bottom, on a mid-grey 1-pixel border. */
export async function imageGridPng(images: ArrayLike<number>, o: ImageGridOptions = {}): Promise<Uint8Array> {
  const { h, w, c, size, count, cols, rows, level } = layout(images, o);
  const zoom = o.zoom ?? 4;
  if (!Number.isInteger(zoom) || zoom < 1 || zoom > 32) throw new RangeError(`image grid: zoom must be an integer in [1, 32], got ${zoom}`);
  const th = h * zoom + 1;
  const tw = w * zoom + 1;
  const { PNG } = await import('pngjs');
  const png = new PNG({ width: cols * tw + 1, height: rows * th + 1 });
  png.data.fill(128);
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  for (let n = 0; n < count; n++) {
    const oy = Math.floor(n / cols) * th + 1;
    const ox = (n % cols) * tw + 1;
    for (let y = 0; y < h * zoom; y++) {
      for (let x = 0; x < w * zoom; x++) {
        const src = n * size + (Math.floor(y / zoom) * w + Math.floor(x / zoom)) * c;
        const o4 = ((oy + y) * png.width + ox + x) * 4;
        for (let k = 0; k < 3; k++) png.data[o4 + k] = Math.round(255 * level(images[src + (c === 3 ? k : 0)]));
      }
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** Writes the grid PNG to `path` atomically. */
export async function writeImageGrid(path: string, images: ArrayLike<number>, o: ImageGridOptions = {}): Promise<void> {
  await writeFileAtomic(path, await imageGridPng(images, o));
}

const SHADES = [' ', '░', '▒', '▓', '█'];

/**
 * The grid as lines of block characters: each character covers `scale` pixels across and
 * 2·`scale` down (terminal cells are about twice as tall as wide), shaded by their mean level.
 */
export function imageGridBlocks(images: ArrayLike<number>, o: ImageGridOptions & { scale?: number } = {}): string[] {
  const { h, w, c, size, count, cols, rows, level } = layout(images, o);
  const sx = o.scale ?? 1;
  if (!Number.isInteger(sx) || sx < 1) throw new RangeError(`image blocks: scale must be a positive integer, got ${sx}`);
  const sy = 2 * sx;
  const cw = Math.ceil(w / sx);
  const ch = Math.ceil(h / sy);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let cy = 0; cy < ch; cy++) {
      let line = '';
      for (let col = 0; col < cols; col++) {
        const n = r * cols + col;
        if (n >= count) break;
        if (col > 0) line += ' ';
        for (let cx = 0; cx < cw; cx++) {
          let sum = 0;
          let m = 0;
          for (let y = cy * sy; y < Math.min(h, (cy + 1) * sy); y++) {
            for (let x = cx * sx; x < Math.min(w, (cx + 1) * sx); x++) {
              for (let k = 0; k < c; k++) sum += level(images[n * size + (y * w + x) * c + k]);
              m += c;
            }
          }
          line += SHADES[Math.min(SHADES.length - 1, Math.round((sum / m) * (SHADES.length - 1)))];
        }
      }
      lines.push(line.trimEnd());
    }
    if (r < rows - 1) lines.push('');
  }
  return lines;
}
