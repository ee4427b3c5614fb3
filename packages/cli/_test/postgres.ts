/**
 * PostgreSQL for CLI tests (the cloud's own helpers are not importable across packages): the
 * server at FIELDPROOF_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test, trust auth),
 * a fresh schema `fp_<random>` per test file, dropped afterwards. Under CI=true an unreachable
 * server fails the file; elsewhere its PostgreSQL tests skip with a printed warning.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server's URL. */
export const postgresTestUrl = process.env.FIELDPROOF_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers; under CI=true throws instead of answering false. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresTestUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const message = `PostgreSQL at ${postgresTestUrl} is unreachable (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${message}; CI=true requires it`);
    console.warn(`WARNING: ${message}: skipping the PostgreSQL tests of this file`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name for one test file. */
export function freshSchemaName(): string {
  return `fp_${randomBytes(6).toString('hex')}`;
}

/** A pg client on the test server with `schema` first on the search path (to tamper in tests). */
export async function connectToSchema(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: postgresTestUrl, options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

/** Drop a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  if (!/^fp_[0-9a-f]+$/.test(schema)) throw new Error(`refusing to drop schema ${schema}`);
  const client = new pg.Client({ connectionString: postgresTestUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
