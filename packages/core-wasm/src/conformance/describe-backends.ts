// Tests written once and run for every registered backend (tfjs's describeWithFlags, for our
// registry): `describeBackends(title, ctx => { ctx.test(name, () => ...) })` makes one vitest
// suite per backend in `listBackends()` (wasm-simd, tfjs-wasm, reference) and per extra build in
// variants.ts, each with a fresh backend instance and a float64 ReferenceBackend to compare against.
import { afterEach, beforeAll, describe, it } from 'vitest';
import { listBackends, ReferenceBackend, type Backend, type Tensor } from '../index.js';
import { exclusionFor } from './exclusions.js';
import { tolerancesFor, type Tolerances } from './tolerances.js';
import { VARIANTS, type Variant } from './variants.js';

export interface BackendContext {
  /** What is under test: a registered backend (label = its name) or a build from variants.ts. */
  readonly target: Variant;
  /** The backend under test (created once per suite, before its first test). */
  readonly be: Backend;
  /** The float64 oracle. */
  readonly ref: ReferenceBackend;
  readonly tol: Tolerances;
  /** The same data as a scratch tensor on the backend under test and on the reference. */
  pair(rows: number, cols: number, data: ArrayLike<number>): [Tensor, Tensor];
  /** A backend of another kind (for foreign-handle tests); null when no other can run here. */
  other(): Promise<Backend | null>;
  /** Declares a test, or a skipped one where exclusions.ts excludes it for this backend. */
  test(name: string, body: () => void | Promise<void>): void;
}

/** Every registered backend, then the extra builds. */
export function targets(): Variant[] {
  return [
    ...listBackends().map((f) => ({
      name: f.name, label: f.name, description: f.description, available: () => f.available(), create: () => f.create(),
    })),
    ...VARIANTS,
  ];
}

export function describeBackends(title: string, fn: (ctx: BackendContext) => void): void {
  for (const target of targets()) {
    describe(`${title} [${target.label}]`, () => {
      let backend: Backend | undefined;
      let unavailable = '';
      const ref = new ReferenceBackend();

      beforeAll(async () => {
        if (await target.available()) backend = await target.create();
        else unavailable = `${target.label} cannot run here (${target.description})`;
      });
      // Tests allocate through pair() in the scratch scope, so memory stays bounded per suite.
      afterEach(() => {
        backend?.resetScratch();
        ref.resetScratch();
      });

      const ctx: BackendContext = {
        target,
        get be(): Backend {
          if (!backend) throw new Error(`backend '${target.label}' was not created: ${unavailable}`);
          return backend;
        },
        ref,
        get tol(): Tolerances {
          return tolerancesFor(ctx.be.precision);
        },
        pair(rows, cols, data) {
          return [ctx.be.fromArray(rows, cols, data, 'scratch'), ref.fromArray(rows, cols, data, 'scratch')];
        },
        async other() {
          if (target.name !== 'reference') return new ReferenceBackend();
          for (const f of listBackends()) {
            if (f.name !== target.name && (await f.available())) return f.create();
          }
          return null;
        },
        test(name, body) {
          const ex = exclusionFor(target.name, title, name);
          if (ex) {
            it.skip(`${name} (excluded on ${target.label}: ${ex.reason})`, () => {});
            return;
          }
          it(name, async (t) => {
            if (!backend) t.skip(unavailable);
            await body();
          });
        },
      };
      fn(ctx);
    });
  }
}
