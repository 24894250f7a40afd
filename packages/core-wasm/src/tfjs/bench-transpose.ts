// Speed of the three BP gemm forms on tfjs-wasm at 128×784×256 (batch × inputs × hidden), with
// tfjs's own transposeA/transposeB flags and with the explicit transpose the backend uses.
// Run: npx tsx --conditions=source packages/core-wasm/src/tfjs/bench-transpose.ts [seconds per case]
// Writes reports/bench/tfjs-transpose.json (atomically) and prints a table.
import * as tf from '@tensorflow/tfjs-core';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTfjsWasmBackend } from './backend.js';

const seconds = Number(process.argv[2] ?? 3);
const [B, IN, H] = [128, 784, 256];

function timeIt(f: () => void): { medianMs: number; runs: number } {
  const warmEnd = performance.now() + 1500; // V8 tiers wasm up after ~1 s (stack notes)
  while (performance.now() < warmEnd) f();
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end || times.length < 5) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[times.length >> 1], runs: times.length };
}

const be = await createTfjsWasmBackend();
const rnd = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
const X = be.fromArray(B, IN, rnd(B * IN));
const W = be.fromArray(IN, H, rnd(IN * H));
const D = be.fromArray(B, H, rnd(B * H));
const Y = be.zeros(B, H);
const dW = be.zeros(IN, H);
const dX = be.zeros(B, IN);
const tx = tf.tensor2d(be.read(X), [B, IN]);
const tw = tf.tensor2d(be.read(W), [IN, H]);
const td = tf.tensor2d(be.read(D), [B, H]);
const flops = 2 * B * IN * H;

const cases: { name: string; form: string; f: () => void }[] = [
  { name: 'forward X·W', form: 'NN', f: () => be.gemm(X, W, Y) },
  { name: 'weight grad Xᵀ·D, tfjs transposeA', form: 'TN', f: () => tf.tidy(() => void tf.matMul(tx, td, true, false)) },
  { name: 'weight grad Xᵀ·D, explicit transpose (backend)', form: 'TN', f: () => be.gemm(X, D, dW, { transA: true }) },
  { name: 'input grad D·Wᵀ, tfjs transposeB', form: 'NT', f: () => tf.tidy(() => void tf.matMul(td, tw, false, true)) },
  { name: 'input grad D·Wᵀ, explicit transpose (backend)', form: 'NT', f: () => be.gemm(D, W, dX, { transB: true }) },
];

const results = cases.map((c) => {
  const { medianMs, runs } = timeIt(c.f);
  return { case: c.name, form: c.form, m_k_n: c.form === 'TN' ? [IN, B, H] : c.form === 'NT' ? [B, H, IN] : [B, IN, H], medianMs, gflops: flops / medianMs / 1e6, runs };
});
for (const r of results) console.log(`${r.case.padEnd(48)} ${r.medianMs.toFixed(2).padStart(8)} ms ${r.gflops.toFixed(1).padStart(6)} GFLOP/s  (${r.runs} runs)`);

const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../reports/bench/tfjs-transpose.json');
await mkdir(dirname(out), { recursive: true });
const report = { date: new Date().toISOString(), backend: be.build, cpu: cpus()[0]?.model, loadavg: loadavg(), secondsPerCase: seconds, results };
await writeFile(`${out}.tmp`, JSON.stringify(report, null, 2));
await rename(`${out}.tmp`, out);
console.log(`wrote ${out}`);
