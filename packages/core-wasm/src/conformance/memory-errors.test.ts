// Tensor lifetime (read copies, write/read round trips, scratch and dispose, bytesInUse) and
// misuse: every op in ops.ts is called with a disposed handle, a reset scratch handle, a handle
// from another backend and a wrong shape, and must throw a BackendError that names the op and
// the argument, leaving every tensor it would have written unchanged.
import { expect } from 'vitest';
import { BackendError, type Backend, type Tensor } from '../index.js';
import { describeBackends, type BackendContext } from './describe-backends.js';
import { OPS, caseLabel, type OpCase } from './ops.js';
import { inputs } from './random.js';

/** Makes valid tensors for an op, with `replace` standing in for argument `at`. */
function operands(be: Backend, c: OpCase, label: string, at = -1, replace?: Tensor): { ts: Tensor[]; data: Float64Array[] } {
  const r = inputs(label);
  const data = c.args.map((a) => r.matrix(a.rows, a.cols));
  const ts = c.args.map((a, i) => (i === at && replace ? replace : be.fromArray(a.rows, a.cols, data[i], 'scratch')));
  return { ts, data };
}

/** Calls the op and checks the refusal; then checks that no argument it writes has changed. */
function expectRefusal(be: Backend, c: OpCase, label: string, ts: Tensor[], data: Float64Array[], skip: number, names: readonly string[], pattern?: RegExp) {
  let err: unknown = null;
  try {
    c.call(be, ts);
  } catch (e) {
    err = e;
  }
  expect(err, `${label}: no error`).toBeInstanceOf(BackendError);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${c.op}:`), `${label}: message names the op: ${msg}`).toBe(true);
  expect(names.some((n) => new RegExp(`\\b${n}\\b`).test(msg)), `${label}: message names ${names.join(' or ')}: ${msg}`).toBe(true);
  if (pattern) expect(msg, label).toMatch(pattern);
  c.args.forEach((a, i) => {
    if (i !== skip && c.writes.includes(a.name)) {
      expect([...be.read(ts[i])], `${label}: ${a.name} changed by a refused call`).toEqual([...data[i]]);
    }
  });
}

type Spoil = 'disposed' | 'reset scratch' | 'foreign backend' | 'other instance';
const SPOIL_PATTERN: Record<Spoil, RegExp | undefined> = {
  'disposed': /disposed/,
  'reset scratch': /resetScratch/,
  'foreign backend': /backend/,
  'other instance': undefined,
};

/** A handle spoiled in the given way; `source` is the backend that makes foreign handles. */
function spoiled(ctx: BackendContext, how: Spoil, rows: number, cols: number, source: Backend | null): Tensor | null {
  switch (how) {
    case 'disposed': {
      const t = ctx.be.zeros(rows, cols);
      ctx.be.dispose(t);
      return t;
    }
    case 'reset scratch': {
      const t = ctx.be.zeros(rows, cols, 'scratch');
      ctx.be.resetScratch();
      return t;
    }
    case 'foreign backend':
    case 'other instance':
      return source ? source.zeros(rows, cols) : null;
  }
}

describeBackends('bad arguments', (ctx) => {
  for (const how of ['disposed', 'reset scratch', 'foreign backend', 'other instance'] as Spoil[]) {
    const name = how === 'other instance'
      ? 'refuses a handle from another instance of the same backend'
      : `every op refuses a ${how} handle in each argument, naming it`;
    ctx.test(name, async () => {
      // One foreign backend per test: a wasm-simd instance reserves a whole WebAssembly memory.
      const source = how === 'foreign backend' ? await ctx.other() : how === 'other instance' ? await ctx.target.create() : null;
      for (const [ci, c] of OPS.entries()) {
        for (const [ai, a] of c.args.entries()) {
          const label = `${caseLabel(c, ci)} with a ${how} ${a.name}`;
          const bad = spoiled(ctx, how, a.rows, a.cols, source);
          if (!bad) continue;
          const { ts, data } = operands(ctx.be, c, label, ai, bad);
          expectRefusal(ctx.be, c, label, ts, data, ai, [a.name], SPOIL_PATTERN[how]);
        }
      }
    });
  }

  ctx.test('every op refuses a wrong shape in each argument, naming it', () => {
    for (const [ci, c] of OPS.entries()) {
      if (c.args.length < 2) continue;
      for (const [ai, a] of c.args.entries()) {
        const label = `${caseLabel(c, ci)} with ${a.name} ${a.wrong.rows}×${a.wrong.cols}`;
        const wrong = ctx.be.fromArray(a.wrong.rows, a.wrong.cols, inputs(label).matrix(a.wrong.rows, a.wrong.cols), 'scratch');
        const { ts, data } = operands(ctx.be, c, label, ai, wrong);
        expectRefusal(ctx.be, c, label, ts, data, ai, a.wrong.mentions);
      }
    }
  });

  ctx.test('every op still works on the valid operands used above', () => {
    // Guards the table itself: the refusals above must come from the spoiled argument alone.
    for (const [ci, c] of OPS.entries()) {
      const { ts } = operands(ctx.be, c, `valid ${caseLabel(c, ci)}`);
      expect(() => c.call(ctx.be, ts), caseLabel(c, ci)).not.toThrow();
    }
  });

  ctx.test('refuses negative, fractional and NaN sizes', () => {
    for (const [rows, cols] of [[-1, 2], [2, -3], [1.5, 2], [2, 0.5], [Number.NaN, 1], [1, Infinity]]) {
      expect(() => ctx.be.zeros(rows, cols)).toThrow(BackendError);
      expect(() => ctx.be.zeros(rows, cols)).toThrow(new RegExp(`^zeros: shape ${rows}×${cols} is not valid`));
      expect(() => ctx.be.fromArray(rows, cols, [1, 2])).toThrow(/^fromArray: shape .* is not valid/);
    }
  });

  ctx.test('fromArray refuses data of the wrong length, naming fromArray and allocating nothing', () => {
    const before = ctx.be.bytesInUse();
    expect(() => ctx.be.fromArray(2, 3, [1, 2, 3, 4, 5])).toThrow(BackendError);
    expect(() => ctx.be.fromArray(2, 3, [1, 2, 3, 4, 5])).toThrow(/^fromArray: data has 5 values but the tensor is 2×3 \(6 values\)/);
    expect(ctx.be.bytesInUse()).toBe(before);
  });

  ctx.test('write refuses data of the wrong length', () => {
    const [T] = ctx.pair(2, 2, [1, 2, 3, 4]);
    expect(() => ctx.be.write(T, new Float32Array(5))).toThrow(/write: data has 5 values but the tensor is 2×2 \(4 values\)/);
    expect([...ctx.be.read(T)]).toEqual([1, 2, 3, 4]);
  });

  ctx.test('refuses clip bounds with lo > hi or NaN', () => {
    const [X] = ctx.pair(1, 3, [1, 2, 3]);
    const [O] = ctx.pair(1, 3, [9, 9, 9]);
    for (const [lo, hi] of [[1, 0], [Number.NaN, 1], [0, Number.NaN], [Infinity, -Infinity]]) {
      expect(() => ctx.be.clip(X, lo, hi, O)).toThrow(BackendError);
      expect(() => ctx.be.clip(X, lo, hi, O)).toThrow(/^clip: bounds .* are not valid; need lo ≤ hi/);
    }
    expect([...ctx.be.read(O)]).toEqual([9, 9, 9]);
  });

  ctx.test('refuses NaN or infinite scalars in axpy, scale, traceDecay and adamStep', () => {
    const [X] = ctx.pair(2, 2, [1, 2, 3, 4]);
    const [Y] = ctx.pair(2, 2, [5, 6, 7, 8]);
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      expect(() => ctx.be.axpy(bad, X, Y)).toThrow(/^axpy: alpha must be a finite number/);
      expect(() => ctx.be.scale(X, bad, Y)).toThrow(/^scale: alpha must be a finite number/);
      expect(() => ctx.be.traceDecay(Y, X, bad)).toThrow(/^traceDecay: decay must be a finite number/);
      const p = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, correction1: 1, correction2: 1 };
      for (const k of Object.keys(p) as (keyof typeof p)[]) {
        const [M] = ctx.pair(2, 2, [0, 0, 0, 0]);
        const [V] = ctx.pair(2, 2, [0, 0, 0, 0]);
        expect(() => ctx.be.adamStep(Y, X, M, V, { ...p, [k]: bad })).toThrow(new RegExp(`^adamStep: ${k} must be a finite number`));
      }
    }
    expect([...ctx.be.read(Y)]).toEqual([5, 6, 7, 8]);
  });

  ctx.test('refuses NaN or infinite sumRows alpha/beta', () => {
    const [X] = ctx.pair(2, 2, [1, 2, 3, 4]);
    const [O] = ctx.pair(1, 2, [5, 6]);
    expect(() => ctx.be.sumRows(X, O, Number.NaN)).toThrow(/^sumRows: alpha must be a finite number/);
    expect(() => ctx.be.sumRows(X, O, 1, Infinity)).toThrow(/^sumRows: beta must be a finite number/);
    expect([...ctx.be.read(O)]).toEqual([5, 6]);
  });

  ctx.test('refuses a NaN or infinite activation param', () => {
    const [X] = ctx.pair(1, 2, [-1, 1]);
    const [O] = ctx.pair(1, 2, [5, 6]);
    expect(() => ctx.be.activation('leaky-relu', X, O, Number.NaN)).toThrow(/^activation: param must be a finite number/);
    expect(() => ctx.be.activationGrad('leaky-relu', X, X, O, Infinity)).toThrow(/^activationGrad: param must be a finite number/);
    expect([...ctx.be.read(O)]).toEqual([5, 6]);
  });
});

describeBackends('tensor memory', (ctx) => {
  ctx.test('read returns a copy the caller owns', () => {
    const t = ctx.be.fromArray(2, 3, [1, 2, 3, 4, 5, 6]);
    const a = ctx.be.read(t);
    a[0] = 99;
    a.fill(-1);
    expect([...ctx.be.read(t)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ctx.be.read(t)).not.toBe(ctx.be.read(t));
    ctx.be.dispose(t);
  });

  ctx.test('write then read round-trips values the precision can hold, and rounds the rest', () => {
    const r = inputs('round trip');
    const exact = [...r.matrix(7, 9, -1e3, 1e3)];
    exact.push(0, -0, Math.fround(1e-45), -3.4028234663852886e38, Infinity, -Infinity, Number.NaN);
    const t = ctx.be.zeros(1, exact.length);
    ctx.be.write(t, exact);
    const back = [...ctx.be.read(t)];
    expect(back.map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(exact.map((v) => (Number.isNaN(v) ? 'NaN' : v)));
    const inexact = [0.1, 1 / 3, Math.PI, 1e-40];
    const u = ctx.be.fromArray(2, 2, inexact);
    const round = ctx.be.precision === 'f32' ? Math.fround : (v: number) => v;
    expect([...ctx.be.read(u)]).toEqual(inexact.map(round));
    expect(ctx.be.read(u)).toBeInstanceOf(ctx.be.precision === 'f32' ? Float32Array : Float64Array);
    ctx.be.dispose(t);
    ctx.be.dispose(u);
  });

  ctx.test('zeros are zero, fromArray does not keep the caller\'s array, and shapes are as asked', () => {
    const z = ctx.be.zeros(3, 5);
    expect([...ctx.be.read(z)]).toEqual(new Array(15).fill(0));
    expect([z.rows, z.cols, z.backend]).toEqual([3, 5, ctx.be.name]);
    const src = new Float64Array([1, 2, 3, 4]);
    const t = ctx.be.fromArray(2, 2, src);
    src[0] = 42;
    expect([...ctx.be.read(t)]).toEqual([1, 2, 3, 4]);
    const e = ctx.be.zeros(0, 0);
    expect(ctx.be.read(e).length).toBe(0);
    for (const x of [z, t, e]) ctx.be.dispose(x);
  });

  ctx.test('bytesInUse grows with allocations and shrinks with dispose and resetScratch', () => {
    const bytes = ctx.be.precision === 'f32' ? 4 : 8;
    const b0 = ctx.be.bytesInUse();
    const p = ctx.be.zeros(100, 37);
    const b1 = ctx.be.bytesInUse();
    expect(b1 - b0).toBeGreaterThanOrEqual(100 * 37 * bytes);
    const s = [ctx.be.zeros(64, 64, 'scratch'), ctx.be.fromArray(3, 3, new Array(9).fill(1), 'scratch')];
    const b2 = ctx.be.bytesInUse();
    expect(b2 - b1).toBeGreaterThanOrEqual((64 * 64 + 9) * bytes);
    ctx.be.resetScratch();
    const b3 = ctx.be.bytesInUse();
    expect(b3).toBeLessThan(b2);
    expect(b2 - b3).toBeGreaterThanOrEqual((64 * 64 + 9) * bytes);
    ctx.be.dispose(p);
    const b4 = ctx.be.bytesInUse();
    expect(b3 - b4).toBeGreaterThanOrEqual(100 * 37 * bytes);
    expect(b4).toBeLessThanOrEqual(b0);
    void s;
  });

  ctx.test('resetScratch releases scratch tensors only; persistent ones keep their contents', () => {
    const keep = ctx.be.fromArray(2, 2, [1, 2, 3, 4]);
    const s = ctx.be.fromArray(2, 2, [5, 6, 7, 8], 'scratch');
    ctx.be.resetScratch();
    expect([...ctx.be.read(keep)]).toEqual([1, 2, 3, 4]);
    expect(() => ctx.be.read(s)).toThrow(BackendError);
    expect(() => ctx.be.read(s)).toThrow(/^read: tensor \(2×2\) is a scratch tensor from before the last resetScratch\(\)/);
    // A new scratch tensor after the reset is usable and independent of the old handle.
    const s2 = ctx.be.fromArray(2, 2, [9, 9, 9, 9], 'scratch');
    expect([...ctx.be.read(s2)]).toEqual([9, 9, 9, 9]);
    expect(() => ctx.be.write(s, [0, 0, 0, 0])).toThrow(/scratch tensor from before/);
    expect([...ctx.be.read(s2)]).toEqual([9, 9, 9, 9]);
    ctx.be.dispose(keep);
  });

  ctx.test('a disposed tensor cannot be used or disposed again', () => {
    const t = ctx.be.zeros(2, 3);
    ctx.be.dispose(t);
    expect(() => ctx.be.read(t)).toThrow(/^read: tensor \(2×3\) was disposed/);
    expect(() => ctx.be.dispose(t)).toThrow(/^dispose: tensor \(2×3\) was disposed/);
  });

  ctx.test('copy copies: later writes to either side do not show in the other', () => {
    const a = ctx.be.fromArray(2, 2, [1, 2, 3, 4]);
    const b = ctx.be.zeros(2, 2);
    ctx.be.copy(a, b);
    ctx.be.fill(a, 0);
    expect([...ctx.be.read(b)]).toEqual([1, 2, 3, 4]);
    ctx.be.write(b, [5, 6, 7, 8]);
    expect([...ctx.be.read(a)]).toEqual([0, 0, 0, 0]);
    ctx.be.copy(b, b);
    expect([...ctx.be.read(b)]).toEqual([5, 6, 7, 8]);
    ctx.be.dispose(a);
    ctx.be.dispose(b);
  });

  ctx.test('contents survive growth of the backing memory, and reused memory comes back zeroed', () => {
    // ≈ 26 MB of f32 in 100 tensors: more than a 16 MiB initial WebAssembly memory, so an arena grows.
    const r = inputs('growth');
    const first = r.matrix(64, 48);
    const p0 = ctx.be.fromArray(64, 48, first);
    const made: { t: Tensor; fill: number }[] = [];
    for (let i = 0; i < 100; i++) {
      const scope = i % 3 === 0 ? 'scratch' : 'persistent';
      const t = i % 2 === 0 ? ctx.be.zeros(256, 256, scope) : ctx.be.fromArray(256, 256, new Float32Array(65536).fill(i), scope);
      if (i % 2 === 0) ctx.be.fill(t, i);
      made.push({ t, fill: i });
    }
    expect([...ctx.be.read(p0)]).toEqual([...first].map(ctx.be.precision === 'f32' ? Math.fround : (v) => v));
    for (const { t, fill } of made) {
      const d = ctx.be.read(t);
      expect(d[0] === fill && d[65535] === fill && d.every((v) => v === fill), `tensor filled with ${fill}`).toBe(true);
    }
    // A kernel on a tensor made before the growth and one made after it.
    const c = ctx.be.zeros(64, 256);
    ctx.be.gemm(ctx.be.fromArray(64, 256, new Float32Array(64 * 256).fill(1)), made[99].t, c);
    expect(ctx.be.read(c).every((v) => v === 256 * 99)).toBe(true);
    // Free in a scrambled order, then allocate again: zeros must be zero even in reused blocks.
    const persistent = made.filter((_, i) => i % 3 !== 0);
    for (let i = 0; i < persistent.length; i += 2) ctx.be.dispose(persistent[i].t);
    for (let i = 1; i < persistent.length; i += 2) ctx.be.dispose(persistent[i].t);
    ctx.be.resetScratch();
    for (let i = 0; i < 40; i++) {
      const z = ctx.be.zeros(300, 200, i % 2 ? 'scratch' : 'persistent');
      expect(ctx.be.read(z).every((v) => v === 0), `zeros #${i} after reuse`).toBe(true);
      if (i % 2 === 0) ctx.be.dispose(z);
    }
    ctx.be.resetScratch();
    expect(ctx.be.read(p0)[5]).toBe(ctx.be.precision === 'f32' ? Math.fround(first[5]) : first[5]);
    ctx.be.dispose(p0);
    ctx.be.dispose(c);
  });

  ctx.test('scratch tensors of several steps, some larger than one scratch chunk, never overlap persistent ones', () => {
    const keep: { t: Tensor; v: number }[] = [];
    for (let step = 0; step < 6; step++) {
      const scratch: { t: Tensor; v: number }[] = [];
      // 2 MB and 4 MB scratch tensors next to small ones, and a persistent tensor made mid-step.
      for (const [rows, cols] of [[3, 5], [512, 1024], [7, 9], [1024, 1024], [1, 1]] as const) {
        const v = step * 10 + scratch.length + 1;
        scratch.push({ t: ctx.be.fromArray(rows, cols, new Float32Array(rows * cols).fill(v), 'scratch'), v });
        if (scratch.length === 2) keep.push({ t: ctx.be.fromArray(33, 17, new Float32Array(33 * 17).fill(-v)), v: -v });
      }
      for (const { t, v } of scratch) expect(ctx.be.read(t).every((x) => x === v), `step ${step} scratch ${v}`).toBe(true);
      ctx.be.resetScratch();
      for (const { t, v } of keep) expect(ctx.be.read(t).every((x) => x === v), `persistent ${v} after step ${step}`).toBe(true);
    }
    for (const { t } of keep) ctx.be.dispose(t);
  });

  ctx.test('many allocate/use/dispose cycles leave bytesInUse where it started', () => {
    const b0 = ctx.be.bytesInUse();
    for (let i = 0; i < 200; i++) {
      const a = ctx.be.fromArray(8, 8, new Array(64).fill(i));
      const s = ctx.be.zeros(8, 8, 'scratch');
      ctx.be.add(a, a, s);
      ctx.be.dispose(a);
      if (i % 10 === 9) ctx.be.resetScratch();
    }
    ctx.be.resetScratch();
    expect(ctx.be.bytesInUse()).toBe(b0);
  });
});
