// Where one backprop epoch (epoch.ts) spends its time on the wasm-simd backend: every
// Backend call is timed by process CPU time (a shared machine's other jobs are left out)
// and grouped by op and shape; GEMMs also get their GFLOP/s. Prints a table, writes nothing.
//
//   npx nx run core-wasm:build && npx tsx --conditions=source tools/bench/profile-epoch.ts [--build relaxed-simd|simd]
//
// The wrapper adds about two getrusage calls per op (~30 ms per epoch), so the column sum
// runs a little above an unwrapped epoch.
import { parseArgs } from 'node:util';
import { createWasmSimdBackend, type Backend, type Tensor, type WasmBuild } from '@plasticity/core-wasm';
import { randomData, timeEpochs } from './epoch.js';

const { values: args } = parseArgs({ options: { build: { type: 'string', default: 'relaxed-simd' } } });
if (args.build !== 'simd' && args.build !== 'relaxed-simd') throw new Error(`--build ${args.build}: expected simd or relaxed-simd`);
const build = args.build as WasmBuild;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'rows' in x && 'cols' in x;
}

/** "gemm nt 128×784×256" (C's rows × inner × C's cols) or "op rows×cols" of the first tensor argument. */
function label(op: string, args: unknown[]): string {
  if (op === 'gemm') {
    const [a, , c, o] = args as [Tensor, Tensor, Tensor, { transA?: boolean; transB?: boolean } | undefined];
    const k = o?.transA ? a.rows : a.cols;
    return `gemm ${o?.transA ? 't' : 'n'}${o?.transB ? 't' : 'n'} ${c.rows}×${k}×${c.cols}`;
  }
  const t = args.find(isTensor);
  return t ? `${op} ${t.rows}×${t.cols}` : op;
}

const inner = await createWasmSimdBackend({ build });
const totals = new Map<string, { ms: number; calls: number }>();
let recording = false;
const timed = new Proxy(inner, {
  get(target, prop, receiver) {
    const v: unknown = Reflect.get(target, prop, receiver);
    if (typeof v !== 'function') return v;
    return (...a: unknown[]) => {
      if (!recording) return v.apply(target, a);
      const t0 = cpuMs();
      const r: unknown = v.apply(target, a);
      const ms = cpuMs() - t0;
      const key = label(String(prop), a);
      const e = totals.get(key) ?? { ms: 0, calls: 0 };
      e.ms += ms;
      e.calls++;
      totals.set(key, e);
      return r;
    };
  },
}) as Backend;

const data = randomData(60_000, 7);
// Warm-up: V8 tiers wasm and JS up from its baseline compilers.
timeEpochs(timed, data, { batch: 128, lr: 0.05, epochs: 1, warmSteps: 200, seed: 11, now: cpuMs });
recording = true;
const [epoch] = timeEpochs(timed, data, { batch: 128, lr: 0.05, epochs: 1, warmSteps: 0, seed: 11, now: cpuMs });
recording = false;

const totalMs = epoch.seconds * 1000;
const rows = [...totals].sort((x, y) => y[1].ms - x[1].ms);
const lines = [`wasm-simd/${build}: epoch ${epoch.seconds.toFixed(3)} s CPU (wrapped)`, ''];
lines.push(`${'op'.padEnd(26)}${'calls'.padStart(7)}${'ms'.padStart(9)}${'share'.padStart(8)}  GFLOP/s`);
let opsMs = 0;
for (const [key, { ms, calls }] of rows) {
  opsMs += ms;
  const m = /^gemm \w\w (\d+)×(\d+)×(\d+)$/.exec(key);
  const rate = m ? ((2 * Number(m[1]) * Number(m[2]) * Number(m[3]) * calls) / ms / 1e6).toFixed(1) : '';
  lines.push(`${key.padEnd(26)}${String(calls).padStart(7)}${ms.toFixed(1).padStart(9)}${`${((100 * ms) / totalMs).toFixed(1)}%`.padStart(8)}  ${rate}`);
}
lines.push('', `outside Backend calls (JS loop, batch slicing, timer): ${(totalMs - opsMs).toFixed(1)} ms`);
console.log(lines.join('\n'));
