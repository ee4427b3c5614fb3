/**
 * The one place that decides which store a test cloud runs on: `FIELDPROOF_TEST_STORE=sqlite`
 * (the default: `<dataDir>/cloud.db`, as the embedded start) or `postgres` (a fresh schema on the
 * machine's server, `FIELDPROOF_TEST_PG_URL`, dropped by `cleanUp`). `npm test` runs the files
 * that start a cloud once per value. Only tests read this variable; production code never does.
 */
import type { CloudConfigInput } from '../src/config.ts';
import { dropSchema, freshSchemaName, postgresAvailable, postgresTestUrl } from './postgres-fixture.ts';

/** The store a test cloud runs on. */
export type TestStoreKind = 'sqlite' | 'postgres';

/** A test cloud's store. */
export interface TestCloudStore {
  /** Which backend. */
  kind: TestStoreKind;
  /** Spread into startCloudServer's config: `{}` for SQLite, `{ store: {kind: 'postgres', …} }` otherwise. */
  config: Pick<CloudConfigInput, 'store'>;
  /** The PostgreSQL schema, when on PostgreSQL. */
  schema: string | undefined;
  /** Drop the schema (PostgreSQL); the SQLite file goes with the test's data folder. Call after the cloud stopped. */
  cleanUp(): Promise<void>;
}

/** The backend `FIELDPROOF_TEST_STORE` names (sqlite when unset); throws on another value. */
export function testStoreKind(): TestStoreKind {
  const value = process.env.FIELDPROOF_TEST_STORE ?? 'sqlite';
  if (value !== 'sqlite' && value !== 'postgres') {
    throw new Error(`FIELDPROOF_TEST_STORE must be sqlite or postgres, not ${value}`);
  }
  return value;
}

/**
 * A store for one test cloud (call again for each cloud that must not share rows). On PostgreSQL
 * an unreachable server fails the test: asking for postgres and running on SQLite instead would
 * pass for the wrong reason.
 */
export async function testCloudStore(kind: TestStoreKind = testStoreKind()): Promise<TestCloudStore> {
  if (kind === 'sqlite') return { kind, config: {}, schema: undefined, cleanUp: async () => {} };
  if (!(await postgresAvailable())) {
    throw new Error(`FIELDPROOF_TEST_STORE=postgres but PostgreSQL at ${postgresTestUrl} is unreachable`);
  }
  const schema = freshSchemaName();
  return {
    kind,
    config: { store: { kind: 'postgres', url: postgresTestUrl, schema, connectionsMax: 4 } },
    schema,
    cleanUp: () => dropSchema(schema),
  };
}
