// Tests a backend skips, each with the reason (tfjs's describeWithFlags keeps these next to the
// suite too). A skipped test shows up in the report as "excluded on <backend>: <reason>".
import type { BackendName } from '../index.js';

export interface Exclusion {
  backend: BackendName;
  /** The suite title given to describeBackends. */
  suite: string;
  /** The test name, exactly. */
  test: string;
  reason: string;
}

export const EXCLUSIONS: readonly Exclusion[] = [
  {
    backend: 'reference',
    suite: 'bad arguments',
    test: 'refuses a handle from another instance of the same backend',
    reason: 'the reference checks only `instanceof`; its handles carry their own float64 array, so a handle from another instance still reads and writes the right data',
  },
  {
    backend: 'reference',
    suite: 'bad arguments',
    test: 'refuses NaN or infinite sumRows alpha/beta',
    reason: 'the reference does not validate sumRows alpha/beta (reported to the foundation owner)',
  },
  {
    backend: 'reference',
    suite: 'bad arguments',
    test: 'refuses a NaN or infinite activation param',
    reason: 'the reference does not validate the leaky-relu slope (reported to the foundation owner)',
  },
  {
    backend: 'reference',
    suite: 'bad arguments',
    test: 'fromArray refuses data of the wrong length, naming fromArray and allocating nothing',
    reason: "the reference's fromArray allocates first and delegates to write, so the error says 'write:' and the tensor stays counted in bytesInUse (reported to the foundation owner)",
  },
];

export function exclusionFor(backend: BackendName, suite: string, test: string): Exclusion | undefined {
  return EXCLUSIONS.find((e) => e.backend === backend && e.suite === suite && e.test === test);
}
