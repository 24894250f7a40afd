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
];

export function exclusionFor(backend: BackendName, suite: string, test: string): Exclusion | undefined {
  return EXCLUSIONS.find((e) => e.backend === backend && e.suite === suite && e.test === test);
}
