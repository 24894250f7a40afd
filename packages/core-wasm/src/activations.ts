// Scalar definitions of every activation and its derivative. The reference backend runs
// them directly; the other backends are tested against them.
import type { Activation } from './backend.js';

export const DEFAULT_LEAKY_SLOPE = 0.01;

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function activate(kind: Activation, x: number, param = DEFAULT_LEAKY_SLOPE): number {
  switch (kind) {
    case 'linear': return x;
    case 'relu': return x > 0 ? x : 0;
    case 'leaky-relu': return x >= 0 ? x : param * x;
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return sigmoid(x);
    // log(1 + eˣ) without overflow for large x or loss of precision for very negative x.
    case 'softplus': return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }
}

/** f′(z) for the pre-activation z. At 0, relu′ = 0 and leaky-relu′ = 1 (the GAIT-prop convention). */
export function derivative(kind: Activation, z: number, param = DEFAULT_LEAKY_SLOPE): number {
  switch (kind) {
    case 'linear': return 1;
    case 'relu': return z > 0 ? 1 : 0;
    case 'leaky-relu': return z >= 0 ? 1 : param;
    case 'tanh': { const t = Math.tanh(z); return 1 - t * t; }
    case 'sigmoid': { const s = sigmoid(z); return s * (1 - s); }
    case 'softplus': return sigmoid(z);
  }
}
