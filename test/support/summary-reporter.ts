import type { Reporter, TestModule } from 'vitest/node';
import type { SerializedError } from 'vitest';

/**
 * Prints one closing line `vitest: N passed, N failed, N skipped` that CI can read.
 * A file that failed to load and every unhandled error count as failures, so a broken
 * suite can never look green.
 */
export default class SummaryReporter implements Reporter {
  /** Counts the finished run and prints the closing line. */
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const mod of testModules) {
      if (mod.errors().length > 0) failed += 1;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
    }
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
