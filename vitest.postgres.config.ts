import { defineConfig } from 'vitest/config';
import {
  knownFailingOnPostgres,
  readFixtures,
  readTestFiles,
  selectPostgresPassFiles,
} from './scripts/postgres-pass.ts';
import base from './vitest.config.ts';

/**
 * The second pass of `npm test`: every test file that takes its cloud's store from `testCloudStore()`
 * (itself or through a `_test/` fixture), again with FIELDPROOF_TEST_STORE=postgres (a fresh schema
 * per cloud, dropped afterwards), so the same suite runs against both backends. Found by reading the
 * files' text when the config loads (scripts/postgres-pass.ts); files that choose their store
 * themselves, or must stay on SQLite, are listed there with the reason, and the guard
 * scripts/postgres-pass.test.ts fails on a file that starts a cloud and is on neither side.
 */
export const postgresPassFiles = selectPostgresPassFiles(readTestFiles(), readFixtures());

/** Take the test store but fail on PostgreSQL today: kept out of the pass, a product bug each (path → why). */
export { knownFailingOnPostgres };

// Not mergeConfig: it would append these files to the first pass's include globs instead of replacing them.
export default defineConfig({
  ...base,
  test: { ...base.test, include: postgresPassFiles, env: { FIELDPROOF_TEST_STORE: 'postgres' } },
});
