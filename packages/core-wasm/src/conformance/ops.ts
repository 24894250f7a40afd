// Every Backend op that takes tensors, as data: its tensor arguments (named as the op's error
// messages name them), valid shapes for a small call, and the call itself. The bad-argument
// tests loop over this table, so a new op added here is checked for every kind of misuse.
import type { Backend, Tensor } from '../index.js';

export interface OpArg {
  /** The name the op's error messages use for this argument. */
  name: string;
  rows: number;
  cols: number;
  /** A shape that is wrong for this argument only, and the argument names the error may mention (any one). */
  wrong: { rows: number; cols: number; mentions: readonly string[] };
}

export interface OpCase {
  op: string;
  args: readonly OpArg[];
  /** Tensor arguments the op writes (their contents must not change when the call is refused). */
  writes: readonly string[];
  call(be: Backend, t: readonly Tensor[]): unknown;
}

// m×k·k×n with m = 3, k = 5, n = 4: no two sizes equal, so a swapped size is always caught.
const arg = (name: string, rows: number, cols: number, wrong?: Partial<OpArg['wrong']>): OpArg => ({
  name, rows, cols, wrong: { rows: wrong?.rows ?? rows + 1, cols: wrong?.cols ?? cols, mentions: wrong?.mentions ?? [name] },
});
const mat = (name: string) => arg(name, 3, 4);

const ADAM = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, correction1: 0.1, correction2: 0.001 };

export const OPS: readonly OpCase[] = [
  { op: 'read', args: [mat('tensor')], writes: [], call: (be, [t]) => be.read(t) },
  { op: 'write', args: [mat('tensor')], writes: ['tensor'], call: (be, [t]) => be.write(t, new Float64Array(12)) },
  { op: 'copy', args: [mat('src'), mat('dst')], writes: ['dst'], call: (be, [s, d]) => be.copy(s, d) },
  { op: 'dispose', args: [mat('tensor')], writes: [], call: (be, [t]) => be.dispose(t) },
  {
    op: 'gemm',
    args: [arg('A', 3, 5, { rows: 3, cols: 6 }), arg('B', 5, 4), arg('C', 3, 4)],
    writes: ['C'],
    call: (be, [a, b, c]) => be.gemm(a, b, c, { alpha: 0.5, beta: 1 }),
  },
  {
    op: 'gemm',
    args: [arg('A', 5, 3, { rows: 6, cols: 3 }), arg('B', 5, 4), arg('C', 3, 4)],
    writes: ['C'],
    call: (be, [a, b, c]) => be.gemm(a, b, c, { transA: true }),
  },
  {
    op: 'gemm',
    args: [arg('A', 3, 5, { rows: 3, cols: 6 }), arg('B', 4, 5, { rows: 4, cols: 6 }), arg('C', 3, 4)],
    writes: ['C'],
    call: (be, [a, b, c]) => be.gemm(a, b, c, { transB: true }),
  },
  {
    op: 'addRowVector',
    args: [mat('x'), arg('bias', 1, 4), mat('out')],
    writes: ['out'],
    call: (be, [x, b, o]) => be.addRowVector(x, b, o),
  },
  {
    op: 'sumRows',
    args: [arg('x', 3, 4, { rows: 3, cols: 5, mentions: ['out'] }), arg('out', 1, 4)],
    writes: ['out'],
    call: (be, [x, o]) => be.sumRows(x, o, 1, 0.5),
  },
  { op: 'activation', args: [mat('x'), mat('out')], writes: ['out'], call: (be, [x, o]) => be.activation('tanh', x, o) },
  {
    op: 'activationGrad',
    args: [mat('z'), mat('dy'), mat('out')],
    writes: ['out'],
    call: (be, [z, d, o]) => be.activationGrad('sigmoid', z, d, o),
  },
  {
    op: 'softmaxCrossEntropy',
    args: [mat('logits'), mat('targets'), mat('probs'), mat('grad')],
    writes: ['probs', 'grad'],
    call: (be, [z, t, p, g]) => be.softmaxCrossEntropy(z, t, p, g),
  },
  { op: 'mul', args: [mat('a'), mat('b'), mat('out')], writes: ['out'], call: (be, [a, b, o]) => be.mul(a, b, o) },
  { op: 'add', args: [mat('a'), mat('b'), mat('out')], writes: ['out'], call: (be, [a, b, o]) => be.add(a, b, o) },
  { op: 'sub', args: [mat('a'), mat('b'), mat('out')], writes: ['out'], call: (be, [a, b, o]) => be.sub(a, b, o) },
  { op: 'axpy', args: [mat('x'), mat('y')], writes: ['y'], call: (be, [x, y]) => be.axpy(0.5, x, y) },
  { op: 'scale', args: [mat('x'), mat('out')], writes: ['out'], call: (be, [x, o]) => be.scale(x, 2, o) },
  { op: 'clip', args: [mat('x'), mat('out')], writes: ['out'], call: (be, [x, o]) => be.clip(x, -0.5, 0.5, o) },
  { op: 'sign', args: [mat('x'), mat('out')], writes: ['out'], call: (be, [x, o]) => be.sign(x, o) },
  { op: 'fill', args: [mat('tensor')], writes: ['tensor'], call: (be, [t]) => be.fill(t, 3) },
  {
    op: 'traceDecay',
    args: [mat('tr'), mat('x')],
    writes: ['tr'],
    call: (be, [tr, x]) => be.traceDecay(tr, x, 0.9),
  },
  {
    op: 'adamStep',
    args: [mat('w'), mat('g'), mat('m'), mat('v')],
    writes: ['w', 'm', 'v'],
    call: (be, [w, g, m, v]) => be.adamStep(w, g, m, v, ADAM),
  },
  { op: 'argmaxRows', args: [mat('tensor')], writes: [], call: (be, [t]) => be.argmaxRows(t) },
  { op: 'sumSquares', args: [mat('tensor')], writes: [], call: (be, [t]) => be.sumSquares(t) },
  { op: 'dot', args: [mat('a'), mat('b')], writes: [], call: (be, [a, b]) => be.dot(a, b) },
];

/** A label for an op case ("gemm Aᵀ·B" for the gemm forms). */
export function caseLabel(c: OpCase, i: number): string {
  if (c.op !== 'gemm') return c.op;
  const forms = ['A·B', 'Aᵀ·B', 'A·Bᵀ'];
  return `gemm ${forms[OPS.slice(0, i).filter((o) => o.op === 'gemm').length]}`;
}
