// A layer's worker thread for the `gupta` rule's parallel: 'layers' mode (see parallel.ts): it
// makes a backend of the main thread's kind and build, then computes its layer's update with the
// same LayerUpdater as the sequential mode each time the main thread bumps the sequence number.
import { createBackend, type Tensor } from '@plasticity/core-wasm';
import { LayerUpdater, readsWeights } from './layers.js';
import { CMD, CTL, reportError, STATUS, viewsOf, type WorkerData } from './parallel.js';

export async function serve(data: WorkerData): Promise<void> {
  const v = viewsOf(data);
  const { ctl } = v;
  const be = await createBackend(data.backend);
  if (be.build !== data.build) {
    throw new Error(`the worker's ${data.backend} backend runs build '${be.build}', the main thread '${data.build}'; results would differ`);
  }
  const { plan } = data;
  const updater = new LayerUpdater(be, plan);
  const dW = be.zeros(plan.outSize, plan.inSize);
  const db = be.zeros(1, plan.outSize);
  const W = readsWeights(plan.kind) ? be.zeros(plan.outSize, plan.inSize) : undefined;
  const perRows = new Map<number, { pre: Tensor; post: Tensor }>();
  Atomics.store(ctl, CTL.STATUS, STATUS.READY);
  Atomics.notify(ctl, CTL.STATUS);
  let seen = 0;
  for (;;) {
    if (Atomics.wait(ctl, CTL.SEQ, seen, data.idleExitMs) === 'timed-out' && Atomics.load(ctl, CTL.SEQ) === seen) {
      Atomics.store(ctl, CTL.STATUS, STATUS.EXITED);
      return;
    }
    seen = Atomics.load(ctl, CTL.SEQ);
    if (Atomics.load(ctl, CTL.CMD) === CMD.EXIT) return;
    try {
      const n = Atomics.load(ctl, CTL.ROWS);
      let t = perRows.get(n);
      if (!t) perRows.set(n, (t = { pre: be.zeros(n, plan.inSize), post: be.zeros(n, plan.outSize) }));
      be.write(t.pre, v.pre.subarray(0, n * plan.inSize));
      be.write(t.post, v.post.subarray(0, n * plan.outSize));
      if (W) be.write(W, v.W!);
      const { shift } = updater.compute({ n, pre: t.pre, post: t.post, labels: v.labels.subarray(0, n), amplitude: v.amplitude, W }, dW, db);
      v.dW.set(be.read(dW));
      v.db.set(be.read(db));
      if (shift) v.shift.set(shift);
      Atomics.store(ctl, CTL.SHIFT, shift ? 1 : 0);
    } catch (e) {
      reportError(ctl, v.err, e);
      return;
    }
    Atomics.store(ctl, CTL.DONE, seen);
    Atomics.notify(ctl, CTL.DONE);
  }
}
