import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The second pass of `npm test`: the tests that start a whole cloud, again with the cloud's store on
 * PostgreSQL (FIELDPROOF_TEST_STORE=postgres; a fresh schema per cloud, dropped afterwards), so the
 * same suite runs against both backends. Store contract tests, and tests that already start a cloud
 * on each backend (tlog-tiles, finance-ltv, credit-iot, audit-postgres), run once, in the first pass.
 * Left out on purpose: the audit tests (audit, verify-anchor and the audited log): `fieldproof audit`
 * reads the SQLite file; audit-postgres covers PostgreSQL.
 */
export const postgresPassFiles = [
  'packages/cloud/src/finance/finance-restart.test.ts',
  'packages/cloud/src/finance/routes/finance-routes.test.ts',
  'packages/cloud/src/routes/alert-routes.test.ts',
  'packages/cli/src/back-pressure.test.ts',
  'packages/cli/src/decisions.test.ts',
  'packages/cli/src/edge-attested.test.ts',
  'packages/cli/src/edge-operations.test.ts',
  'packages/cli/src/embedded-keyless.test.ts',
  'packages/cli/src/embedded.test.ts',
  'packages/cli/src/events-ingest.test.ts',
  'packages/cli/src/finance-demo.test.ts',
  'packages/cli/src/low-bandwidth.test.ts',
  'packages/cli/src/rejects.test.ts',
  'packages/cli/src/console.test.ts',
  'packages/cli/src/tls/mutual-tls.test.ts',
  'packages/cli/src/witness/cloud-cosigner.test.ts',
  'packages/cli/src/commands/keys.test.ts',
  'packages/cli/src/commands/reexecute.test.ts',
  'packages/cli/src/commands/witness.test.ts',
];

// Not mergeConfig: it would append these files to the first pass's include globs instead of replacing them.
export default defineConfig({
  ...base,
  test: { ...base.test, include: postgresPassFiles, env: { FIELDPROOF_TEST_STORE: 'postgres' } },
});
