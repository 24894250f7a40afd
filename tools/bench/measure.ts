// Timing helpers and the plain-JS GEMM baseline for the benchmark.

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs fn repeatedly for at least `ms` milliseconds (V8 tiers wasm and JS up from its baseline compilers meanwhile). */
export function warmUp(fn: () => void, ms: number): void {
  const end = performance.now() + ms;
  do fn(); while (performance.now() < end);
}

export type Clock = 'wall' | 'cpu';

/**
 * Milliseconds on the chosen clock. 'cpu' is this process's user + system time: on a machine
 * shared with other busy processes it leaves out the time the scheduler gave to them (but not
 * their effect on the caches), so it is the closer estimate of a dedicated core.
 */
export function clock(kind: Clock): () => number {
  if (kind === 'wall') return () => performance.now();
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
}

/**
 * GFLOP/s of fn (which does `flops` floating-point operations): the median of `samples`
 * samples, each timing enough back-to-back calls to last at least `sampleMs`.
 */
export function gflops(fn: () => void, flops: number, samples = 9, sampleMs = 30, now: () => number = () => performance.now()): number {
  fn();
  const t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(1, Math.ceil(sampleMs / once));
  const rates: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = now();
    for (let r = 0; r < reps; r++) fn();
    const ms = (now() - start) / reps;
    rates.push(flops / ms / 1e6);
  }
  return median(rates);
}

export type Form = 'nn' | 'nt' | 'tn';

/**
 * A plain JS f32 GEMM, C = op(A)·op(B), with the loop order each form reads contiguously in
 * (i-p-j for A·B, i-j-p dot products for A·Bᵀ, p-i-j for Aᵀ·B): what a careful hand-written
 * JS loop gets, without blocking or SIMD.
 */
export function jsGemm(form: Form, m: number, k: number, n: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  if (form === 'nt') {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[i * k + p] * B[j * k + p];
        C[i * n + j] = s;
      }
    }
    return;
  }
  C.fill(0);
  if (form === 'nn') {
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < k; p++) {
        const a = A[i * k + p];
        const o = p * n;
        const c = i * n;
        for (let j = 0; j < n; j++) C[c + j] += a * B[o + j];
      }
    }
  } else {
    for (let p = 0; p < k; p++) {
      for (let i = 0; i < m; i++) {
        const a = A[p * m + i];
        const o = p * n;
        const c = i * n;
        for (let j = 0; j < n; j++) C[c + j] += a * B[o + j];
      }
    }
  }
}
