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
  'packages/cli/src/embedded-keyless.test.ts',
  'packages/cli/src/events-ingest.test.ts',
  'packages/cli/src/finance-demo.test.ts',
  'packages/cli/src/low-bandwidth.test.ts',
  'packages/cli/src/rejects.test.ts',
  'packages/cli/src/tls/mutual-tls.test.ts',
  'packages/cli/src/witness/cloud-cosigner.test.ts',
  'packages/cli/src/commands/keys.test.ts',
  'packages/cli/src/commands/reexecute.test.ts',
  'packages/cli/src/commands/witness.test.ts',
];

/**
 * Route through the test store but failing on PostgreSQL today, so kept out of the pass until fixed
 * (they pass on SQLite; each is a real PostgreSQL bug, not a test problem):
 * - edge-operations.test.ts: a key approval and a batch upload race. ingest-batch reads the edge's
 *   key history before its transaction and approveKey reads last_batch_seq in its own, so under
 *   READ COMMITTED a batch signed with the old key lands at the seq the approval just gave the new
 *   key (approval fromBatchSeq 13, head 13); the later cases of the file follow from it.
 * - embedded.test.ts: after a restart on the same schema the edge's outbox keeps one batch that
 *   never drains (outbox.batches 1, expected 0).
 * Run them with FIELDPROOF_TEST_STORE=postgres npx vitest run <file>.
 */
export const failingOnPostgresFiles = ['packages/cli/src/edge-operations.test.ts', 'packages/cli/src/embedded.test.ts'];

// Not mergeConfig: it would append these files to the first pass's include globs instead of replacing them.
export default defineConfig({
  ...base,
  test: { ...base.test, include: postgresPassFiles, env: { FIELDPROOF_TEST_STORE: 'postgres' } },
});
