import { ReferenceBackend, type Backend } from '@plasticity/core-wasm';
import { describe, expect, it } from 'vitest';
import { Network, type NetworkSpec } from '../../network/network.js';
import { createRng } from '../../rng.js';
import { fromFlat, type Mat } from '../../testing/plain.js';
import { maxAbsDiff } from '../../testing/step.js';
import { SymmetricNet, type PhaseOptions } from './dynamics.js';
import { copyStates, oneHot, plainNetInput, plainRelax, type PlainNet } from './plain-reference.js';

const spec: NetworkSpec = {
  inputSize: 6,
  layers: [{ size: 5, activation: 'relu' }, { size: 4, activation: 'relu' }, { size: 3, activation: 'linear' }],
};

function setup(seed: number, batch: number, scale = 1, be: Backend = new ReferenceBackend()) {
  const rng = createRng(seed);
  const net = Network.create(be, spec, rng.fork('init'));
  net.layers.forEach((l, i) => {
    const r = rng.fork(`w-${i}`);
    be.write(l.W, Array.from({ length: l.outSize * l.inSize }, () => scale * r.uniform(-1, 1)));
    be.write(l.b, Array.from({ length: l.outSize }, () => r.uniform(-0.2, 0.6)));
  });
  const bx = Array.from({ length: spec.inputSize }, () => rng.uniform(-0.3, 0.3));
  const sym = new SymmetricNet(net, be.fromArray(1, spec.inputSize, bx));
  const plain: PlainNet = {
    W: [[], ...net.layers.map((l) => fromFlat(be.read(l.W), l.outSize, l.inSize))],
    b: [bx, ...net.layers.map((l) => [...be.read(l.b)])],
  };
  const x: Mat = Array.from({ length: batch }, () => Array.from({ length: spec.inputSize }, () => rng.uniform(0, 1)));
  const labels = Array.from({ length: batch }, () => rng.int(3));
  return { be, net, sym, plain, x, labels, rng };
}

/** Loads row-major states (layer by layer) into the buffers. */
function load(be: Backend, sym: SymmetricNet, batch: number, rows: number[][][]): void {
  const buf = sym.buffersFor(batch);
  for (let k = 0; k <= sym.L; k++) be.write(buf.s[k], rows.flatMap((r) => r[k]));
}

function read(be: Backend, sym: SymmetricNet, batch: number): number[][][] {
  const buf = sym.buffersFor(batch);
  const layers = buf.s.map((t, k) => fromFlat(be.read(t), batch, sym.sizes[k]));
  return Array.from({ length: batch }, (_, r) => layers.map((m) => m[r]));
}

function blank(x: Mat, sizes: number[]): number[][][] {
  return x.map((row) => sizes.map((n, k) => (k === 0 ? [...row] : new Array<number>(n).fill(0))));
}

describe('astdp dynamics', () => {
  it('reads both directions of one matrix: u_k = s_{k−1}W_kᵀ + b_k + s_{k+1}W_{k+1}, u_0 = s_1W_1 + b_x', () => {
    const { be, sym, plain, x, rng } = setup(3, 4);
    const rows = x.map((r) => sym.sizes.map((n, k) => (k === 0 ? r : Array.from({ length: n }, () => rng.uniform(0, 1)))));
    load(be, sym, 4, rows);
    const buf = sym.buffersFor(4);
    for (let k = 0; k <= sym.L; k++) {
      sym.netInput(buf, k, false);
      const want = rows.map((s) => plainNetInput(plain, s, k));
      expect(maxAbsDiff(fromFlat(be.read(buf.u[k]), 4, sym.sizes[k]), want)).toBeLessThan(1e-12);
    }
  });

  const phases: [string, Omit<PhaseOptions, 'targets'>][] = [
    ['target, input clamped, output free', { relaxation: 'target', alpha: 1, steps: 7, tol: 0, inputFree: false, top: 'free' }],
    ['euler, input clamped, output clamped', { relaxation: 'euler', alpha: 0.4, steps: 9, tol: 0, inputFree: false, top: 'clamp' }],
    ['target, input free, output nudged', { relaxation: 'target', alpha: 1, steps: 6, tol: 0, inputFree: true, top: 'nudge', beta: 0.3 }],
    ['euler, input free, output free, early stop', { relaxation: 'euler', alpha: 0.5, steps: 400, tol: 1e-6, inputFree: true, top: 'free' }],
  ];
  for (const [name, o] of phases) {
    it(`relaxes as the plain float64 equations do (${name})`, () => {
      const { be, sym, plain, x, labels } = setup(5, 3);
      const targets = oneHot(labels, 3);
      const start = blank(x, sym.sizes);
      load(be, sym, 3, start);
      const tT = be.fromArray(3, 3, targets.flat());
      const r = sym.relax(sym.buffersFor(3), { ...o, targets: tT });
      const want = copyStates(start);
      const steps = plainRelax(plain, want, { ...o, targets });
      expect(r.steps).toBe(steps);
      expect(maxAbsDiff(read(be, sym, 3).flat(), want.flat())).toBeLessThan(1e-12);
    });
  }

  it('estimates each neuron’s derivative numerically: (s(t+K) − s(t))/(Kα) → ρ(u) − s as α → 0', () => {
    const { be, sym, plain, x } = setup(7, 2);
    const rows = x.map((r) => sym.sizes.map((n, k) => (k === 0 ? r : Array.from({ length: n }, (_, i) => 0.2 + (0.6 * i) / n))));
    const alpha = 1e-3;
    const K = 2;
    load(be, sym, 2, rows);
    sym.relax(sym.buffersFor(2), { relaxation: 'euler', alpha, steps: K, tol: 0, inputFree: false, top: 'free' });
    const after = read(be, sym, 2);
    for (let r = 0; r < 2; r++) {
      for (let k = 1; k <= sym.L; k++) {
        const dsdt = plainNetInput(plain, rows[r], k).map((u, i) => Math.min(1, Math.max(0, u)) - rows[r][k][i]);
        const numeric = after[r][k].map((v, i) => (v - rows[r][k][i]) / (K * alpha));
        expect(maxAbsDiff(numeric, dsdt)).toBeLessThan(1e-3);
      }
    }
  });

  it('derivative targets reach the same fixed point as plain relaxation in at least 2× fewer steps', () => {
    // Weights large enough that the layers interact (plain relaxation needs tens of steps), small
    // enough that the steady state is unique. The input clamped (classification) and free (generation).
    for (const inputFree of [false, true]) {
      for (const seed of [11, 12, 13]) {
        const { be, sym, x, labels } = setup(seed, 8, 0.45);
        const targets = be.fromArray(8, 3, oneHot(labels, 3).flat());
        const top = inputFree ? ('clamp' as const) : ('free' as const);
        const run = (relaxation: 'euler' | 'target') => {
          load(be, sym, 8, blank(x, sym.sizes));
          const r = sym.relax(sym.buffersFor(8), { relaxation, alpha: 0.5, steps: 2000, tol: 1e-9, inputFree, top, targets });
          return { r, s: read(be, sym, 8).flat() };
        };
        const plainRun = run('euler');
        const fast = run('target');
        expect(plainRun.r.converged && fast.r.converged).toBe(true);
        expect(maxAbsDiff(fast.s, plainRun.s)).toBeLessThan(1e-6);
        expect(fast.r.steps * 2).toBeLessThanOrEqual(plainRun.r.steps);
      }
    }
  });

  it('adds annealed noise only when asked, reproducibly from the seed', () => {
    const { be, sym, x } = setup(9, 2);
    const o = { relaxation: 'target' as const, alpha: 1, steps: 5, tol: 0, inputFree: true, top: 'free' as const };
    const runWith = (seed: number | null) => {
      load(be, sym, 2, blank(x, sym.sizes));
      sym.relax(sym.buffersFor(2), { ...o, noise: seed === null ? undefined : { sigma: 0.2, rng: createRng(seed) } });
      return read(be, sym, 2).flat(2);
    };
    const clean = runWith(null);
    const a = runWith(1);
    expect(runWith(1)).toEqual(a);
    expect(maxAbsDiff(a, clean)).toBeGreaterThan(1e-3);
    expect(a.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
