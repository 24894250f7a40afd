import { ReferenceBackend } from '@plasticity/core-wasm';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { getRule, parseRuleOptions } from '../../engine/rule.js';
import { Network } from '../../network/network.js';
import { createRng } from '../../rng.js';
import { fromFlat } from '../../testing/plain.js';
import { maxAbsDiff } from '../../testing/step.js';
import '../index.js';
import { generate } from './generate.js';
import { imageGridBlocks, imageGridPng } from './images.js';
import { oneHot, plainRelax, type PlainNet } from './plain-reference.js';
import type { AstdpOptions, AstdpState } from './rule.js';

function model(mode: 'supervised' | 'unsupervised' = 'supervised') {
  const be = new ReferenceBackend();
  const rng = createRng(4);
  const net = Network.create(be, { inputSize: 12, layers: [{ size: 6, activation: 'relu' }, { size: 3, activation: 'linear' }] }, rng.fork('init'));
  net.layers.forEach((l, i) => be.write(l.b, Array.from({ length: l.outSize }, () => rng.fork(`b${i}`).uniform(-0.2, 0.4))));
  const rule = getRule('astdp');
  const options = parseRuleOptions(rule, { mode }) as AstdpOptions;
  const state = rule.init(net, rng.fork('rule'), options) as AstdpState;
  be.write(state.bx, Array.from({ length: 12 }, (_, i) => 0.05 * (i % 5) - 0.05));
  return { be, net, inference: { rule, state, options } };
}

describe('astdp generate', () => {
  it('clamps the label, frees the input and relaxes: the plain float64 equations give the same images', () => {
    const m = model();
    const g = generate(m, { label: 2, count: 3, steps: 9 });
    const { be, net, inference } = m;
    const plain: PlainNet = {
      W: [[], ...net.layers.map((l) => fromFlat(be.read(l.W), l.outSize, l.inSize))],
      b: [[...be.read(inference.state.bx)], ...net.layers.map((l) => [...be.read(l.b)])],
    };
    const rows = Array.from({ length: 3 }, () => [new Array(12).fill(0), new Array(6).fill(0), new Array(3).fill(0)]);
    const o = inference.options;
    const steps = plainRelax(plain, rows, { relaxation: o.relaxation, alpha: o.alpha, steps: 9, tol: 0, inputFree: true, top: 'clamp', targets: oneHot([2, 2, 2], 3).map((r) => r.map((v) => v * o.labelGain)) });
    expect(g.steps).toBe(steps);
    expect(maxAbsDiff(fromFlat(g.images, 3, 12), rows.map((r) => r[0]))).toBeLessThan(1e-6);
    expect(g.label).toBe(2);
    expect(g.images.length).toBe(36);
  });

  it('is reproducible from the seed, varied by noise, and stays in [0, 1]', () => {
    const m = model();
    const a = generate(m, { label: 1, count: 4, seed: 3, noise: 0.3, init: 'noise' });
    const b = generate(m, { label: 1, count: 4, seed: 3, noise: 0.3, init: 'noise' });
    const c = generate(m, { label: 1, count: 4, seed: 4, noise: 0.3, init: 'noise' });
    expect([...a.images]).toEqual([...b.images]);
    expect(maxAbsDiff([...a.images], [...c.images])).toBeGreaterThan(1e-3);
    const rows = fromFlat(a.images, 4, 12);
    expect(maxAbsDiff(rows[0], rows[1])).toBeGreaterThan(1e-3);
    expect([...a.images].every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('refuses what it cannot do, saying what would work', () => {
    const m = model();
    expect(() => generate(m, { count: 2 })).toThrow(/pick a label in 0\.\.2/);
    expect(() => generate(m, { label: 3 })).toThrow(/label 3 is out of range/);
    expect(() => generate(m, { label: 0, count: 0 })).toThrow(/count/);
    expect(() => generate({ net: m.net, inference: { rule: getRule('bp') } }, { label: 0 })).toThrow(/rule 'astdp'.*'bp'/);
    const u = model('unsupervised');
    expect(generate(u, { count: 2 }).label).toBeNull();
  });
});

describe('image grids', () => {
  const images = Float32Array.from({ length: 3 * 4 * 2 }, (_, i) => (i % 8) / 7); // three 4×2 tiles

  it('writes a PNG of tiles on a 1-pixel border, each pixel zoomed', async () => {
    const png = PNG.sync.read(Buffer.from(await imageGridPng(images, { shape: [4, 2], cols: 2, zoom: 3 })));
    expect(png.width).toBe(2 * (2 * 3 + 1) + 1);
    expect(png.height).toBe(2 * (4 * 3 + 1) + 1);
    // Tile 1 (second column), input pixel (row 2, col 1) = value index 8 + 5 → 5/7.
    const px = (x: number, y: number) => png.data[(y * png.width + x) * 4];
    expect(px(1 + 7 + 1 * 3 + 1, 1 + 2 * 3 + 2)).toBe(Math.round((255 * 5) / 7));
    expect(px(0, 0)).toBe(128);
  });

  it('draws the same grid in block characters', () => {
    const white = new Float32Array(28 * 28).fill(1);
    const black = new Float32Array(28 * 28);
    const lines = imageGridBlocks(Float32Array.from([...white, ...black]), { cols: 2, scale: 2 });
    expect(lines.length).toBe(7);
    expect(lines[0]).toBe('█'.repeat(14));
    expect(() => imageGridBlocks(new Float32Array(5))).toThrow(/whole number of 28×28×1 images/);
  });
});
