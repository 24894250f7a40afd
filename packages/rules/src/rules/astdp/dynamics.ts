// The relaxation dynamics of aSTDP: a layered net of rate neurons with symmetric weights
// between neighbouring layers (the network's W_k forward, W_kᵀ top-down, never copied),
// ds/dt = ρ(u) − s with ρ(u) = clip(u, 0, 1) and u the neuron's net input (the Hopfield /
// equilibrium-propagation neuron, Scellier & Bengio 2017 eq. 3 with the hard sigmoid),
// relaxed to a steady state as batched GEMMs on the Backend. Layers are numbered k = 0 (the
// input) … L (the output); layer k ≥ 1 is the network's layer k − 1.
import type { Backend, Tensor } from '@plasticity/core-wasm';
import type { Network } from '../../network/network.js';
import type { Rng } from '../../rng.js';

/**
 * 'target': every neuron jumps to the point its derivative points at, s ← ρ(u), odd and even
 * layers in turn (no two connected neurons jump at once, which is what made the synchronous
 * extrapolation oscillate). 'euler': the plain discretised ODE, s ← s + α(ρ(u) − s), all
 * layers at once.
 */
export type Relaxation = 'target' | 'euler';

/** How the output layer is held during a phase. */
export type TopMode = 'free' | 'clamp' | 'nudge';

export interface PhaseOptions {
  relaxation: Relaxation;
  /** Euler step α (ignored by 'target', whose step is 1). */
  alpha: number;
  /** At most this many steps. */
  steps: number;
  /** Stop once the root-mean-square change per free neuron in one step is ≤ tol (0: run every step). */
  tol: number;
  /** The input layer relaxes too (generation, the dream phase); else it holds its state. */
  inputFree: boolean;
  top: TopMode;
  /** Nudge strength β ∈ (0, 1]: the output's target is (1 − β)ρ(u) + β·label (1 is a hard clamp). */
  beta?: number;
  /** B × n_L labels for 'clamp' and 'nudge'. */
  targets?: Tensor;
  /** Annealed Gaussian noise on the free layers' targets, σ·(1 − t/steps) (generation only). */
  noise?: { sigma: number; rng: Rng };
  /** Record each update's net input for backprop through the steps (feedbackInputGrad). */
  tape?: Tape;
}

export interface PhaseResult {
  /** Steps run. */
  steps: number;
  /** Whether the tolerance was met (always false with tol 0). */
  converged: boolean;
  /** RMS change per free neuron in the last step. */
  rms: number;
}

/** Per-batch-size buffers: states s_k, net inputs u_k, targets t_k, last change d_k. */
export interface Buffers {
  readonly batch: number;
  readonly s: Tensor[];
  readonly u: Tensor[];
  readonly t: Tensor[];
  readonly d: Tensor[];
  /** x W_1ᵀ + b_1 for a clamped input, computed once per phase. */
  readonly drive: Tensor;
  /** Noise draws per layer (host-filled), made on first use. */
  readonly noise: (Tensor | null)[];
}

/** Net inputs recorded during a phase, one entry per layer update, in order; `group` numbers the simultaneous updates. */
export interface Tape {
  entries: { k: number; u: Tensor; group: number; alpha: number }[];
  /** Pool of recorded-u tensors, reused across calls. */
  pool: Map<number, Tensor[]>;
  used: Map<number, number>;
}

/** The symmetric view of a Network plus the input layer's biases (which the Network has no slot for). */
export class SymmetricNet {
  readonly L: number;
  readonly sizes: number[];
  private readonly buffers = new Map<number, Buffers>();

  constructor(
    readonly net: Network,
    /** Input (visible) biases, 1 × n_0. */
    readonly bx: Tensor,
  ) {
    this.L = net.depth;
    this.sizes = [net.inputSize, ...net.layers.map((l) => l.outSize)];
  }

  get backend(): Backend {
    return this.net.backend;
  }

  /** W_k (n_k × n_{k−1}) for k ≥ 1. */
  W(k: number): Tensor {
    return this.net.layers[k - 1].W;
  }

  /** The bias of layer k (b_x for k = 0). */
  bias(k: number): Tensor {
    return k === 0 ? this.bx : this.net.layers[k - 1].b;
  }

  /** Buffers for a batch of `batch` rows, made once per size and reused. */
  buffersFor(batch: number): Buffers {
    let b = this.buffers.get(batch);
    if (!b) {
      const be = this.backend;
      const make = () => this.sizes.map((n) => be.zeros(batch, n));
      b = { batch, s: make(), u: make(), t: make(), d: make(), drive: be.zeros(batch, this.sizes[1]), noise: this.sizes.map(() => null) };
      this.buffers.set(batch, b);
    }
    return b;
  }

  /** u_k ← s_{k−1} W_kᵀ + b_k + s_{k+1} W_{k+1} (u_0 ← s_1 W_1 + b_x): both directions of one matrix. */
  netInput(buf: Buffers, k: number, inputClamped: boolean): void {
    const be = this.backend;
    const { s, u } = buf;
    if (k === 0) {
      be.gemm(s[1], this.W(1), u[0]);
      be.addRowVector(u[0], this.bx, u[0]);
      return;
    }
    if (k === 1 && inputClamped) {
      be.copy(buf.drive, u[1]);
    } else {
      be.gemm(s[k - 1], this.W(k), u[k], { transB: true });
      be.addRowVector(u[k], this.bias(k), u[k]);
    }
    if (k < this.L) be.gemm(s[k + 1], this.W(k + 1), u[k], { beta: 1 });
  }

  /** Which layers update together, in order, for one step. */
  schedule(o: Pick<PhaseOptions, 'relaxation' | 'inputFree' | 'top'>): number[][] {
    const free: number[] = [];
    for (let k = o.inputFree ? 0 : 1; k <= this.L; k++) if (!(k === this.L && o.top === 'clamp')) free.push(k);
    if (o.relaxation === 'euler') return [free];
    // Odd layers first: from a blank start they are the ones the clamped input drives.
    return [free.filter((k) => k % 2 === 1), free.filter((k) => k % 2 === 0)].filter((g) => g.length > 0);
  }

  /**
   * Relaxes the free layers of `buf` from their current states. The caller sets the clamped
   * layers' states (s_0 = x, s_L = labels when clamped) and the starting states of the rest.
   */
  relax(buf: Buffers, o: PhaseOptions): PhaseResult {
    const be = this.backend;
    const { s, u, t, d } = buf;
    const L = this.L;
    if ((o.top === 'clamp' || o.top === 'nudge') && !o.targets) throw new RangeError(`a '${o.top}' phase needs targets`);
    const beta = o.top === 'nudge' ? (o.beta ?? 1) : 1;
    if (o.top === 'clamp') be.copy(o.targets!, s[L]);
    if (!o.inputFree) {
      be.gemm(s[0], this.W(1), buf.drive, { transB: true });
      be.addRowVector(buf.drive, this.bias(1), buf.drive);
    }
    const groups = this.schedule(o);
    const step = o.relaxation === 'target' ? 1 : o.alpha;
    const count = groups.flat().reduce((a, k) => a + buf.batch * this.sizes[k], 0);
    let rms = Infinity;
    let n = 0;
    for (; n < o.steps; n++) {
      let ss = 0;
      for (let gi = 0; gi < groups.length; gi++) {
        const g = groups[gi];
        for (const k of g) {
          this.netInput(buf, k, !o.inputFree);
          be.clip(u[k], 0, 1, t[k]);
          if (k === L && o.top === 'nudge') {
            be.scale(t[k], 1 - beta, t[k]);
            be.axpy(beta, o.targets!, t[k]);
          }
          if (o.noise && o.noise.sigma > 0) {
            this.addNoise(buf, k, o.noise.sigma * (1 - n / o.steps), o.noise.rng);
            be.clip(t[k], 0, 1, t[k]);
          }
          if (o.tape) record(be, o.tape, k, u[k], n * groups.length + gi, step);
        }
        for (const k of g) {
          be.sub(t[k], s[k], d[k]);
          if (step === 1) {
            be.copy(t[k], s[k]);
          } else {
            be.scale(d[k], step, d[k]);
            be.add(s[k], d[k], s[k]);
          }
          ss += be.sumSquares(d[k]);
        }
      }
      rms = Math.sqrt(ss / Math.max(1, count));
      if (o.tol > 0 && rms <= o.tol) return { steps: n + 1, converged: true, rms };
    }
    return { steps: n, converged: false, rms };
  }

  private addNoise(buf: Buffers, k: number, sigma: number, rng: Rng): void {
    const be = this.backend;
    const x = buf.t[k];
    const noise = (buf.noise[k] ??= be.zeros(x.rows, x.cols));
    const host = new Float64Array(x.rows * x.cols);
    for (let i = 0; i < host.length; i++) host[i] = sigma * rng.normal();
    be.write(noise, host);
    be.add(x, noise, x);
  }

  dispose(): void {
    const be = this.backend;
    for (const b of this.buffers.values()) {
      for (const x of [...b.s, ...b.u, ...b.t, ...b.d, b.drive]) be.dispose(x);
      for (const x of b.noise) if (x) be.dispose(x);
    }
    this.buffers.clear();
  }
}

export function newTape(): Tape {
  return { entries: [], pool: new Map(), used: new Map() };
}

function record(be: Backend, tape: Tape, k: number, u: Tensor, group: number, alpha: number): void {
  const key = u.rows * 1_000_003 + u.cols;
  const pool = tape.pool.get(key) ?? [];
  tape.pool.set(key, pool);
  const used = tape.used.get(key) ?? 0;
  if (used === pool.length) pool.push(be.zeros(u.rows, u.cols));
  const copy = pool[used];
  tape.used.set(key, used + 1);
  be.copy(u, copy);
  tape.entries.push({ k, u: copy, group, alpha });
}

/** Forget the recorded entries (the pooled tensors stay for the next recording). */
export function clearTape(tape: Tape): void {
  tape.entries.length = 0;
  tape.used.clear();
}

export function disposeTape(be: Backend, tape: Tape): void {
  for (const list of tape.pool.values()) for (const x of list) be.dispose(x);
  tape.pool.clear();
  clearTape(tape);
}

/** Adjoint buffers for backprop through recorded steps, per batch size. */
export interface Adjoint {
  readonly g: Tensor[];
  readonly gu: Tensor[];
  readonly tmp: Tensor[];
  readonly ones: Tensor[];
  /** dLoss/du_L of the output drive (B × n_L). */
  readonly drive: Tensor;
}

export function makeAdjoint(be: Backend, sizes: number[], batch: number): Adjoint {
  return {
    g: sizes.map((n) => be.zeros(batch, n)),
    gu: sizes.map((n) => be.zeros(batch, n)),
    tmp: sizes.map((n) => be.zeros(batch, n)),
    ones: sizes.map((n) => be.fromArray(1, n, new Float64Array(n).fill(1))),
    drive: be.zeros(batch, sizes[sizes.length - 1]),
  };
}

export function disposeAdjoint(be: Backend, a: Adjoint): void {
  for (const x of [...a.g, ...a.gu, ...a.tmp, ...a.ones, a.drive]) be.dispose(x);
}

/**
 * Reverse-mode pass through the updates on `tape` (s_k ← s_k + α(ρ(u_k) − s_k), simultaneous
 * within a group). On entry adj.g[k] holds dLoss/ds_k at the end of the phase; on exit adj.g[0]
 * holds dLoss/dx for a clamped input: the input's gradient through the dynamics.
 */
export function backpropThroughTape(sym: SymmetricNet, tape: Tape, adj: Adjoint): void {
  const be = sym.backend;
  const { g, gu, tmp, ones } = adj;
  const L = sym.L;
  const e = tape.entries;
  for (let end = e.length; end > 0; ) {
    let start = end - 1;
    while (start > 0 && e[start - 1].group === e[end - 1].group) start--;
    const group = e.slice(start, end);
    for (const { k, u, alpha } of group) {
      // ρ′(u) = 1 on (0, 1): relu′(u)·relu′(1 − u).
      be.scale(u, -1, tmp[k]);
      be.addRowVector(tmp[k], ones[k], tmp[k]);
      be.activationGrad('relu', u, g[k], gu[k]);
      be.activationGrad('relu', tmp[k], gu[k], gu[k]);
      be.scale(gu[k], alpha, gu[k]);
      be.scale(g[k], 1 - alpha, g[k]);
    }
    for (const { k } of group) {
      if (k >= 1) be.gemm(gu[k], sym.W(k), g[k - 1], { beta: 1 });
      if (k < L) be.gemm(gu[k], sym.W(k + 1), g[k + 1], { transB: true, beta: 1 });
    }
    end = start;
  }
}
