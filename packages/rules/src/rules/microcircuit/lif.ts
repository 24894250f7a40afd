// Discrete-time leaky integrate-and-fire network on the shared dense layers: every layer's
// principal cells integrate I_l[t] = s_{l−1}[t] W_lᵀ + b_l, fire at θ and reset to zero
// (Backend.lifStep, one fused op per layer and step), and keep a presynaptic trace
// x̄[t] = λ x̄[t−1] + s[t]. The input is either a direct current (the pixel values, every step)
// or Poisson spikes with probability x per step. Batched over the mini-batch.
import type { Backend, LifParams, Tensor } from '@plasticity/core-wasm';
import type { Network, Workspace } from '../../network/network.js';

export interface LifDynamics {
  /** Time steps T of one presentation. */
  steps: number;
  /** Membrane decay β = e^{−dt/τ_m}. */
  beta: number;
  threshold: number;
  /** Presynaptic trace decay λ. */
  traceDecay: number;
  surrogateAlpha: number;
  encoding: 'current' | 'poisson';
}

/** Buffers for one batch size. `record` keeps every step's surrogate and traces for the learning pass. */
export interface LifBuffers {
  readonly batchSize: number;
  readonly record: boolean;
  readonly v: Tensor[];
  readonly s: Tensor[];
  /** Spike counts over the window, per layer. */
  readonly count: Tensor[];
  readonly current: Tensor[];
  /** The running trace of each layer (not recording, and the output layer, whose trace nobody reads). */
  readonly trace: Tensor[];
  /** traceAt[l][t]: the trace of hidden layer l after step t (presynaptic to layer l+1); recording only. */
  readonly traceAt: Tensor[][];
  /** surrogateAt[l][t]: σ′(v_l[t]) on the pre-reset potential; recording only. */
  readonly surrogateAt: Tensor[][];
  /** Poisson input spikes of the current step. */
  readonly inputSpikes: Tensor | null;
  /** inputTraceAt[t]: the trace of the Poisson input after step t; recording only. */
  readonly inputTraceAt: Tensor[];
}

export function makeLifBuffers(net: Network, batchSize: number, dyn: LifDynamics, record: boolean): LifBuffers {
  const be = net.backend;
  const L = net.depth;
  const per = (f: (n: number) => Tensor) => net.layers.map((l) => f(l.outSize));
  const z = (n: number) => be.zeros(batchSize, n);
  const poisson = dyn.encoding === 'poisson';
  const T = dyn.steps;
  return {
    batchSize,
    record,
    v: per(z),
    s: per(z),
    count: per(z),
    current: per(z),
    trace: per(z),
    traceAt: record ? net.layers.slice(0, L - 1).map((l) => Array.from({ length: T }, () => z(l.outSize))) : [],
    surrogateAt: record ? net.layers.map((l) => Array.from({ length: T }, () => z(l.outSize))) : [],
    inputSpikes: poisson ? z(net.inputSize) : null,
    inputTraceAt: poisson && record ? Array.from({ length: T }, () => z(net.inputSize)) : [],
  };
}

export function disposeLifBuffers(be: Backend, b: LifBuffers): void {
  const all = [...b.v, ...b.s, ...b.count, ...b.current, ...b.trace, ...b.traceAt.flat(), ...b.surrogateAt.flat(), ...b.inputTraceAt];
  if (b.inputSpikes) all.push(b.inputSpikes);
  for (const t of all) be.dispose(t);
}

/** Poisson spike trains from intensities in [0, 1] (clipped), with a small seeded generator (mulberry32) on the host. */
export class PoissonEncoder {
  private state: number;
  private p: Float64Array = new Float64Array(0);
  private out: Float32Array = new Float32Array(0);

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Take this batch's inputs (one host read per batch). */
  load(x: ArrayLike<number>): void {
    if (this.p.length !== x.length) {
      this.p = new Float64Array(x.length);
      this.out = new Float32Array(x.length);
    }
    for (let i = 0; i < x.length; i++) this.p[i] = Math.min(1, Math.max(0, x[i]));
  }

  /** One step of spikes: 1 with probability p, else 0. */
  next(): Float32Array {
    const p = this.p;
    const out = this.out;
    let s = this.state;
    for (let i = 0; i < p.length; i++) {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      out[i] = u < p[i] ? 1 : 0;
    }
    this.state = s;
    return out;
  }
}

/**
 * Runs T steps on ws.x and leaves spike counts in buf.count. Recording buffers also keep every
 * step's surrogate σ′(v[t]) and presynaptic traces. `onStep` sees the buffers after each step
 * (tests read spike times there).
 */
export function simulate(
  net: Network, ws: Workspace, buf: LifBuffers, dyn: LifDynamics, encoder: PoissonEncoder | null,
  onStep?: (t: number, buf: LifBuffers) => void,
): void {
  const be = net.backend;
  const L = net.depth;
  const p: LifParams = { beta: dyn.beta, threshold: dyn.threshold, traceDecay: dyn.traceDecay, surrogateAlpha: dyn.surrogateAlpha };
  for (let l = 0; l < L; l++) {
    be.fill(buf.v[l], 0);
    be.fill(buf.count[l], 0);
    be.fill(buf.trace[l], 0);
  }
  const poisson = dyn.encoding === 'poisson';
  if (poisson) {
    if (!encoder || !buf.inputSpikes) throw new RangeError("Poisson encoding needs an encoder and an input-spike buffer");
    encoder.load(be.read(ws.x));
  } else {
    // A direct current is the same every step: one GEMM per presentation.
    be.gemm(ws.x, net.layers[0].W, buf.current[0], { transB: true });
    be.addRowVector(buf.current[0], net.layers[0].b, buf.current[0]);
  }
  for (let t = 0; t < dyn.steps; t++) {
    if (poisson) {
      const sIn = buf.inputSpikes!;
      be.write(sIn, encoder!.next());
      be.gemm(sIn, net.layers[0].W, buf.current[0], { transB: true });
      be.addRowVector(buf.current[0], net.layers[0].b, buf.current[0]);
      if (buf.record) {
        const tr = buf.inputTraceAt[t];
        if (t === 0) be.fill(tr, 0);
        else be.copy(buf.inputTraceAt[t - 1], tr);
        be.traceDecay(tr, sIn, dyn.traceDecay);
      }
    }
    for (let l = 0; l < L; l++) {
      if (l > 0) {
        be.gemm(buf.s[l - 1], net.layers[l].W, buf.current[l], { transB: true });
        be.addRowVector(buf.current[l], net.layers[l].b, buf.current[l]);
      }
      let trace = buf.trace[l];
      if (buf.record && l < L - 1) {
        trace = buf.traceAt[l][t];
        if (t === 0) be.fill(trace, 0);
        else be.copy(buf.traceAt[l][t - 1], trace);
      }
      be.lifStep(buf.v[l], buf.current[l], buf.s[l], trace, p, buf.record ? buf.surrogateAt[l][t] : undefined);
      be.axpy(1, buf.s[l], buf.count[l]);
    }
    onStep?.(t, buf);
  }
}

/** c_t = Σ_{k≤t} λ^{t−k}: the trace a constant presynaptic activity of 1 (a bias, a direct current) has after step t (1-based). */
export function constantTrace(lambda: number, t: number): number {
  return lambda === 1 ? t : (1 - lambda ** t) / (1 - lambda);
}

/** The readout: output rates normalised by the target rate, r/ν, into ws.h[L−1] (and ws.z[L−1]). */
export function readout(net: Network, ws: Workspace, buf: LifBuffers, dyn: LifDynamics, targetRate: number): void {
  const be = net.backend;
  const L = net.depth - 1;
  be.scale(buf.count[L], 1 / (dyn.steps * targetRate), ws.h[L]);
  be.copy(ws.h[L], ws.z[L]);
}
