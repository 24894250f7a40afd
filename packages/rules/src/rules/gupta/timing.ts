// The latency code and the pairwise STDP window of the Gupta-2020 reconstruction
// (docs/rules/gupta.md §2, research note shared/research/gupta.md §2(a)). Every unit fires once
// in a window of length T; a stronger unit fires earlier: t = T(1 − a).

/** Spike time of a unit with activity a ∈ [0, 1] in a window of length T. */
export function spikeTime(a: number, window: number): number {
  return window * (1 - a);
}

/** Activity of a unit that fires at time t (the inverse of spikeTime). */
export function activityOf(t: number, window: number): number {
  return 1 - t / window;
}

export interface StdpWindow {
  /** Window length T. */
  window: number;
  /** Potentiation amplitude A₊ (pre before post). */
  aPlus: number;
  /** Depression amplitude A₋ (post before pre). */
  aMinus: number;
  /** τ₊ and τ₋ as fractions of T. */
  tauPlus: number;
  tauMinus: number;
}

/**
 * K(Δt), Δt = t_post − t_pre (Bi & Poo 1998 shape): A₊·e^{−Δt/τ₊} for Δt ≥ 0 (pre fired first:
 * potentiate), −A₋·e^{Δt/τ₋} for Δt < 0 (post fired first: depress). τ's are in units of T.
 */
export function stdpKernel(dt: number, w: StdpWindow): number {
  return dt >= 0 ? w.aPlus * Math.exp(-dt / (w.tauPlus * w.window)) : -w.aMinus * Math.exp(dt / (w.tauMinus * w.window));
}

/** K for a synapse read through the latency code: Δt = t_post − t_pre = T(a_pre − a_post). */
export function stdpOfActivities(aPre: number, aPost: number, w: StdpWindow): number {
  return stdpKernel(w.window * (aPre - aPost), w);
}
