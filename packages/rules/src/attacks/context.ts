// What every attack receives: the model, where its gradient comes from, the clean rows and
// the declared feature range they live in, and the validated config.
import type { AttackConfig } from './config.js';
import type { AttackModel, GradientOptions } from './model.js';

export interface AttackContext {
  readonly model: AttackModel;
  readonly gradient: GradientOptions;
  /** Clean rows, n·d, inside [lo, hi]. */
  readonly x: Float32Array;
  readonly y: Int32Array;
  /** Targeted attacks: the class each row is pushed towards; else null. */
  readonly targets: Int32Array | null;
  readonly n: number;
  readonly d: number;
  readonly lo: number;
  readonly hi: number;
  readonly inputShape: readonly number[];
  readonly cfg: AttackConfig;
  readonly batchSize: number;
  /** Called between units of work: throws when aborted, reports progress, yields to the event loop now and then. */
  readonly tick: (done: number, total: number) => Promise<void>;
}

export const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

/** The rows an attack still works on, as a compact copy (rows of x picked by idx). */
export function gatherRows(x: ArrayLike<number>, idx: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) {
    const o = idx[r] * d;
    for (let j = 0; j < d; j++) out[r * d + j] = x[o + j];
  }
  return out;
}

export function gatherLabels(y: ArrayLike<number>, idx: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: idx.length }, (_, r) => y[idx[r]]);
}
