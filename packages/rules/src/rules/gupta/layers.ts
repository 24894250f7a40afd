// One layer's update of the `gupta` rule, computed from that layer's own signals only: its
// presynaptic activities (spike times t = T(1 − a)), its postsynaptic activities, its own
// weights (stdp), its fixed association (PA's B^l, CA's unit classes), the label and the
// teacher's class-balanced amplitude s_y. Nothing here can see another layer: a LayerUpdater
// gets a plan and these inputs, and the same code runs on the main thread (sequential mode)
// and on a worker thread (parallel: 'layers').
// Equations: docs/rules/gupta.md §3; research/gupta/NOTE.md §3 (rule (b), PA, CA, H-assoc)
// and shared/research/gupta.md §2(c) (H-stdp).
import type { Backend, StdpParams, Tensor } from '@plasticity/core-wasm';
import type { GuptaOptions, HiddenVariant } from './options.js';

export type LayerKind = 'output' | HiddenVariant;

/** What a layer's update reads besides this step's activities: fixed when the rule starts. */
export interface LayerPlan {
  readonly layer: number;
  readonly kind: LayerKind;
  readonly inSize: number;
  readonly outSize: number;
  /** Class units K of the output (the teacher's classes). */
  readonly classes: number;
  /** η of this layer. */
  readonly rate: number;
  /** PA: the fixed association matrix B^l, classes × outSize, row-major. */
  readonly association?: Float64Array;
  /** CA, assoc: the class each unit is associated with. */
  readonly unitClass?: Int32Array;
  /** stdp: every row's L2 norm when the rule started. */
  readonly rowNorms?: Float64Array;
  readonly options: GuptaOptions;
}

/** One step's inputs of one layer. */
export interface LayerInputs {
  readonly n: number;
  /** n × inSize presynaptic activities (the input, or the layer below's activities). */
  readonly pre: Tensor;
  /** n × outSize: postsynaptic activities of a hidden layer; the output layer's drive z (a = σ(z)). */
  readonly post: Tensor;
  readonly labels: Int32Array;
  /** s_i per sample, the teacher's class-balanced amplitude (1 without balancing). */
  readonly amplitude: Float64Array;
  /** stdp only: this layer's weights. */
  readonly W?: Tensor;
}

export interface LayerResult {
  /**
   * Threshold shifts (spike-frequency adaptation) added straight to the bias, outside the
   * optimiser and its schedule (note §7.2), or null.
   */
  shift: Float64Array | null;
}

/** Whether a layer's update reads its own weights (and so needs them each step). */
export const readsWeights = (kind: LayerKind): boolean => kind === 'stdp';

interface Scratch {
  /** n × classes */
  k1: Tensor;
  k2: Tensor;
  k3: Tensor;
  /** n × outSize */
  h1: Tensor;
  h2: Tensor;
  host: Float64Array;
}

/** Computes one layer's descent directions (dW, db ← −η·ΔW, −η·Δb) with a backend. */
export class LayerUpdater {
  private scratch = new Map<number, Scratch>();

  constructor(
    private readonly be: Backend,
    readonly plan: LayerPlan,
  ) {}

  compute(inp: LayerInputs, dW: Tensor, db: Tensor): LayerResult {
    switch (this.plan.kind) {
      case 'output':
        return this.output(inp, dW, db);
      case 'pa':
        return this.pa(inp, dW, db);
      case 'ca':
      case 'assoc':
        return this.association(inp, dW, db);
      case 'stdp':
        return this.stdp(inp, dW, db);
    }
  }

  dispose(): void {
    for (const s of this.scratch.values()) for (const t of [s.k1, s.k2, s.k3, s.h1, s.h2]) this.be.dispose(t);
    this.scratch.clear();
    if (this.bTensor) this.be.dispose(this.bTensor);
    this.bTensor = null;
    for (const t of Object.values(this.stdpState ?? {})) this.be.dispose(t);
    this.stdpState = null;
  }

  private buffers(n: number): Scratch {
    let s = this.scratch.get(n);
    if (!s) {
      const { classes: k, outSize: h } = this.plan;
      const be = this.be;
      s = { k1: be.zeros(n, k), k2: be.zeros(n, k), k3: be.zeros(n, k), h1: be.zeros(n, h), h2: be.zeros(n, h), host: new Float64Array(n * Math.max(k, h)) };
      this.scratch.set(n, s);
    }
    return s;
  }

  /** η of a hidden layer, divided by the batch's presynaptic drive ⟨‖a^{l−1}‖²⟩ when driveNorm is on. */
  private hiddenRate(inp: LayerInputs): number {
    const o = this.plan.options;
    if (!o.driveNorm) return this.plan.rate;
    const drive = this.be.sumSquares(inp.pre) / inp.n;
    return drive > 0 ? (this.plan.rate * o.driveRef) / drive : this.plan.rate;
  }

  /** (n × K) matrix with s_i on every column of row i. */
  private amplitudeRows(inp: LayerInputs, s: Scratch, out: Tensor): void {
    const k = this.plan.classes;
    const a = s.host.subarray(0, inp.n * k);
    for (let i = 0; i < inp.n; i++) a.fill(inp.amplitude[i], i * k, (i + 1) * k);
    this.be.write(out, a);
  }

  /**
   * Rule (b), the teacher-timed output: the label's unit should fire at T(1 − early), every
   * other unit at T(1 − late). ΔW_kj = η·s_y·a_j·(t_k − t*_k)/T = η·s_y·a_j·(a*_k − a_k).
   */
  private output(inp: LayerInputs, dW: Tensor, db: Tensor): LayerResult {
    const be = this.be;
    const { n, labels } = inp;
    const { classes: k, rate, options: o } = this.plan;
    const s = this.buffers(n);
    be.activation('sigmoid', inp.post, s.k1); // a_k = σ(z_k): t_k = T(1 − a_k)
    const t = s.host.subarray(0, n * k);
    t.fill(o.teacherLate);
    for (let i = 0; i < n; i++) t[i * k + labels[i]] = o.teacherEarly;
    be.write(s.k2, t);
    be.sub(s.k1, s.k2, s.k1); // a − a* = (t* − t)/T
    this.amplitudeRows(inp, s, s.k3);
    be.mul(s.k1, s.k3, s.k1);
    be.gemm(s.k1, inp.pre, dW, { transA: true, alpha: rate / n });
    be.sumRows(s.k1, db, rate / n);
    return { shift: null };
  }

  /**
   * PA, population association (Mostafa et al. 2018's local errors read as spike timing): the
   * layer's own population votes p = softmax(B a); the teacher advances unit μ's spike by
   * δ_μ = s_y Σ_k B_kμ (y_k − p_k), weighted by its timing sensitivity a_μ(1 − a_μ).
   * ΔW_μj = η·a_j·δ_μ·a_μ(1 − a_μ).
   */
  private pa(inp: LayerInputs, dW: Tensor, db: Tensor): LayerResult {
    const be = this.be;
    const { n, labels } = inp;
    const { classes: k } = this.plan;
    const s = this.buffers(n);
    const B = this.associationTensor();
    be.gemm(inp.post, B, s.k1, { transB: true }); // B a, n × K
    const y = s.host.subarray(0, n * k);
    y.fill(0);
    for (let i = 0; i < n; i++) y[i * k + labels[i]] = 1;
    be.write(s.k2, y);
    be.softmaxCrossEntropy(s.k1, s.k2, s.k3, s.k1); // k1 ← p − y
    this.amplitudeRows(inp, s, s.k2);
    be.mul(s.k1, s.k2, s.k1); // s(p − y) = −e
    be.gemm(s.k1, B, s.h1); // −δ before the timing sensitivity, n × H
    if (this.plan.options.timingSensitivity) {
      be.mul(inp.post, inp.post, s.h2);
      be.sub(inp.post, s.h2, s.h2); // a(1 − a)
      be.mul(s.h1, s.h2, s.h1);
    }
    const rate = this.hiddenRate(inp);
    be.gemm(s.h1, inp.pre, dW, { transA: true, alpha: rate / n });
    be.sumRows(s.h1, db, rate / n);
    return { shift: null };
  }

  private bTensor: Tensor | null = null;
  private associationTensor(): Tensor {
    if (!this.bTensor) this.bTensor = this.be.fromArray(this.plan.classes, this.plan.outSize, this.plan.association!);
    return this.bTensor;
  }

  /**
   * CA, competitive association: only the winners of the layer's first-spike race learn. The
   * k₊ earliest units associated with the label are advanced to T(1 − early), the k₋ earliest
   * units associated with another class are delayed to T(1 − late); rule (b)'s form,
   * ΔW_μj = η·s_y·1[μ ∈ P ∪ N]·a_j·(a*_μ − a_μ). The adaptive threshold moves the bias by
   * η_b(ρ − fraction of the batch on which μ fired before T/2).
   * assoc (H-assoc): every unit is taught, a*_μ = early if its class is the label, else late.
   */
  private association(inp: LayerInputs, dW: Tensor, db: Tensor): LayerResult {
    const be = this.be;
    const { n, labels, amplitude } = inp;
    const { outSize: h, unitClass, options: o } = this.plan;
    const s = this.buffers(n);
    const a = be.read(inp.post);
    const e = s.host.subarray(0, n * h);
    e.fill(0);
    const ca = this.plan.kind === 'ca';
    let fired: Float64Array | null = null;
    if (ca) {
      fired = new Float64Array(h);
      const pos = new Int32Array(o.kPos);
      const neg = new Int32Array(o.kNeg);
      for (let i = 0; i < n; i++) {
        const row = i * h;
        const y = labels[i];
        const np = topK(a, row, h, (m) => unitClass![m] === y, pos);
        const nn = topK(a, row, h, (m) => unitClass![m] !== y, neg);
        for (let q = 0; q < np; q++) e[row + pos[q]] = amplitude[i] * (a[row + pos[q]] - o.teacherEarly);
        for (let q = 0; q < nn; q++) e[row + neg[q]] = amplitude[i] * (a[row + neg[q]] - o.teacherLate);
        for (let m = 0; m < h; m++) if (a[row + m] > 0.5) fired[m]++;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const row = i * h;
        for (let m = 0; m < h; m++) {
          const target = unitClass![m] === labels[i] ? o.teacherEarly : o.teacherLate;
          e[row + m] = amplitude[i] * (a[row + m] - target);
        }
      }
    }
    be.write(s.h1, e);
    const rate = this.hiddenRate(inp);
    be.gemm(s.h1, inp.pre, dW, { transA: true, alpha: rate / n });
    be.sumRows(s.h1, db, rate / n);
    if (!fired || o.homeostasisRate === 0) return { shift: null };
    for (let m = 0; m < h; m++) fired[m] = o.homeostasisRate * (o.homeostasisTarget - fired[m] / n);
    return { shift: fired };
  }

  /**
   * H-stdp as written (shared/research/gupta.md §2(c)): the k earliest-firing units of the layer
   * learn by the pairwise window, ΔW_μj = η·⟨K(t_μ − t_j)⟩·(w_max − W_μj)(W_μj + w_max), then
   * W is clipped to ±w_max and each row rescaled to its initial norm; every win raises the
   * unit's threshold. The update handed on is W − W_new (exact with SGD at lr 1). All of it
   * runs on the backend: the fused window kernel, then elementwise ops and a row rescale.
   */
  private stdp(inp: LayerInputs, dW: Tensor, db: Tensor): LayerResult {
    const be = this.be;
    const { n } = inp;
    const { outSize: h, rowNorms, options: o } = this.plan;
    if (!inp.W) throw new Error(`gupta: layer ${this.plan.layer} (stdp) needs its weights`);
    const W = inp.W;
    const s = this.buffers(n);
    const a = be.read(inp.post);
    const gate = s.host.subarray(0, n * h);
    gate.fill(0);
    const k = Math.max(1, Math.min(h, Math.round(o.wta * h)));
    const winners = new Int32Array(k);
    const wins = new Float64Array(h);
    for (let i = 0; i < n; i++) {
      const c = topK(a, i * h, h, () => true, winners);
      for (let q = 0; q < c; q++) {
        gate[i * h + winners[q]] = 1;
        wins[winners[q]]++;
      }
    }
    be.write(s.h1, gate);
    const t = this.stdpTensors();
    const w = o.wMax;
    be.stdpOuter(inp.pre, inp.post, s.h1, t.window, this.stdpParams(1 / n)); // ⟨K(t_μ − t_j)⟩ over the batch
    be.mul(W, W, t.tmp);
    be.fill(t.next, w * w);
    be.sub(t.next, t.tmp, t.tmp); // (w − W)(W + w) = w² − W²
    be.mul(t.window, t.tmp, t.tmp);
    be.copy(W, t.next);
    be.axpy(this.plan.rate, t.tmp, t.next);
    be.clip(t.next, -w, w, t.next);
    if (o.weightNorm === 'row') {
      be.mul(t.next, t.next, t.tmp);
      be.gemm(t.tmp, t.ones, t.rowSq); // ‖row‖²
      const sq = be.read(t.rowSq);
      const f = new Float64Array(h);
      for (let m = 0; m < h; m++) f[m] = sq[m] > 0 ? rowNorms![m] / Math.sqrt(sq[m]) : 1;
      be.write(t.factor, f);
      be.scaleRows(t.next, t.factor, t.next);
    }
    be.sub(W, t.next, dW);
    be.fill(db, 0);
    if (o.thresholdStep === 0) return { shift: null };
    for (let m = 0; m < h; m++) wins[m] = (-o.thresholdStep * wins[m]) / n;
    return { shift: wins };
  }

  private stdpState: { window: Tensor; next: Tensor; tmp: Tensor; ones: Tensor; rowSq: Tensor; factor: Tensor } | null = null;
  private stdpTensors() {
    if (!this.stdpState) {
      const be = this.be;
      const { outSize: h, inSize: d } = this.plan;
      this.stdpState = {
        window: be.zeros(h, d), next: be.zeros(h, d), tmp: be.zeros(h, d),
        ones: be.fromArray(d, 1, new Float64Array(d).fill(1)), rowSq: be.zeros(h, 1), factor: be.zeros(h, 1),
      };
    }
    return this.stdpState;
  }

  stdpParams(alpha: number): StdpParams {
    const o = this.plan.options;
    return { window: o.window, aPlus: o.aPlus, aMinus: o.aMinus, tauPlus: o.tauPlus * o.window, tauMinus: o.tauMinus * o.window, alpha, beta: 0 };
  }
}

/**
 * Indices of the (up to) out.length largest a[row + m] among units m with keep(m) — the units
 * that fire first — earliest first; ties go to the lower index. Returns how many were found.
 */
export function topK(a: ArrayLike<number>, row: number, h: number, keep: (m: number) => boolean, out: Int32Array): number {
  const k = out.length;
  let c = 0;
  for (let m = 0; m < h; m++) {
    if (!keep(m)) continue;
    const v = a[row + m];
    if (c === k && !(v > a[row + out[c - 1]])) continue;
    let p = c < k ? c++ : k - 1;
    while (p > 0 && v > a[row + out[p - 1]]) {
      out[p] = out[p - 1];
      p--;
    }
    out[p] = m;
  }
  return c;
}
