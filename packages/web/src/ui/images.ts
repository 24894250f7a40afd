// Pixels to canvases: input images (grey), signed maps (perturbations, weights) on a diverging
// blue–white–red scale, and grids of first-layer receptive fields.
import { h } from './dom.js';

/** Whether an input shape is drawn as a picture ([H, W] or [H, W, 1|3]). */
export function isImage(shape: readonly number[]): boolean {
  return shape.length >= 2 && shape[0] > 1 && shape[1] > 1 && (shape[2] === undefined || shape[2] === 1 || shape[2] === 3);
}

function diverging(t: number): [number, number, number] {
  // t in [-1, 1]: -1 blue, 0 white, +1 red.
  const a = Math.min(1, Math.abs(t));
  return t >= 0 ? [255, Math.round(255 * (1 - a)), Math.round(255 * (1 - a))] : [Math.round(255 * (1 - a)), Math.round(255 * (1 - a)), 255];
}

/** Draws one image (values in [lo, hi]) into a canvas of `zoom`× its size. */
export function drawImage(canvas: HTMLCanvasElement, x: ArrayLike<number>, shape: readonly number[], range = { lo: 0, hi: 1 }, zoom = 4): void {
  const [hgt, wid, ch = 1] = shape;
  canvas.width = wid * zoom;
  canvas.height = hgt * zoom;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(wid, hgt);
  const span = range.hi - range.lo || 1;
  for (let p = 0; p < hgt * wid; p++) {
    for (let c = 0; c < 3; c++) {
      const v = x[p * ch + (ch === 3 ? c : 0)];
      img.data[p * 4 + c] = Math.round(255 * Math.min(1, Math.max(0, (v - range.lo) / span)));
    }
    img.data[p * 4 + 3] = 255;
  }
  blit(ctx, img, zoom);
}

/** A signed map (e.g. δ = x′ − x) scaled by `scale` (|v| = scale is full colour). */
export function drawSigned(canvas: HTMLCanvasElement, v: ArrayLike<number>, hgt: number, wid: number, scale: number, zoom = 4): void {
  canvas.width = wid * zoom;
  canvas.height = hgt * zoom;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(wid, hgt);
  const s = scale > 0 ? scale : 1;
  for (let p = 0; p < hgt * wid; p++) {
    const [r, g, b] = diverging(v[p] / s);
    img.data.set([r, g, b, 255], p * 4);
  }
  blit(ctx, img, zoom);
}

function blit(ctx: CanvasRenderingContext2D, img: ImageData, zoom: number): void {
  const tmp = document.createElement('canvas');
  tmp.width = img.width;
  tmp.height = img.height;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, img.width * zoom, img.height * zoom);
  ctx.drawImage(tmp, 0, 0, img.width * zoom, img.height * zoom);
}

/**
 * First-layer weights as pictures: for image data one tile per hidden unit (its 784 input
 * weights as 28×28, each tile scaled by its own largest |w|); for tabular data a units ×
 * features heat map.
 */
export function drawFields(canvas: HTMLCanvasElement, w0: Float32Array, units: number, d: number, shape: readonly number[]): void {
  const ctx = canvas.getContext('2d')!;
  if (isImage(shape) && (shape[2] ?? 1) === 1) {
    const [hgt, wid] = shape;
    const cols = Math.ceil(Math.sqrt(units));
    const rows = Math.ceil(units / cols);
    const zoom = 2;
    const gap = 2;
    canvas.width = cols * (wid * zoom + gap) + gap;
    canvas.height = rows * (hgt * zoom + gap) + gap;
    ctx.fillStyle = '#444';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const tile = document.createElement('canvas');
    tile.width = wid;
    tile.height = hgt;
    const tctx = tile.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    for (let u = 0; u < units; u++) {
      const row = w0.subarray(u * d, (u + 1) * d);
      let m = 0;
      for (let j = 0; j < d; j++) m = Math.max(m, Math.abs(row[j]));
      const img = tctx.createImageData(wid, hgt);
      for (let p = 0; p < hgt * wid; p++) img.data.set([...diverging(m > 0 ? row[p] / m : 0), 255], p * 4);
      tctx.putImageData(img, 0, 0);
      const cx = gap + (u % cols) * (wid * zoom + gap);
      const cy = gap + Math.floor(u / cols) * (hgt * zoom + gap);
      ctx.drawImage(tile, cx, cy, wid * zoom, hgt * zoom);
    }
    return;
  }
  const cell = Math.max(4, Math.min(24, Math.floor(480 / Math.max(d, 1))));
  canvas.width = d * cell;
  canvas.height = units * Math.max(3, Math.min(cell, 8));
  const rh = canvas.height / units;
  let m = 0;
  for (let i = 0; i < units * d; i++) m = Math.max(m, Math.abs(w0[i]));
  for (let u = 0; u < units; u++) {
    for (let j = 0; j < d; j++) {
      const [r, g, b] = diverging(m > 0 ? w0[u * d + j] / m : 0);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(j * cell, u * rh, cell, rh);
    }
  }
}

/** A small legend for the diverging scale. */
export function divergingLegend(negative: string, positive: string): HTMLElement {
  return h('p', { className: 'legend' }, h('span', { className: 'swatch neg' }), ` ${negative}  `, h('span', { className: 'swatch zero' }), ' 0  ', h('span', { className: 'swatch pos' }), ` ${positive}`);
}
