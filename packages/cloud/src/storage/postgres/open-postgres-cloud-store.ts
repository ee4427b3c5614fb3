import { assert, FieldproofError } from '@fieldproof/protocol';
import { Kysely } from 'kysely';
import pg from 'pg';
import type { CloudDatabase } from '../cloud-database.ts';
import type { CloudStore } from '../cloud-store.ts';
import { createKyselyCloudStore } from '../kysely-cloud-store.ts';
import { migrateCloudStore } from '../migrate-cloud-store.ts';
import { registerStoreKysely } from '../store-kysely.ts';
import { SchemaScopedPostgresDialect } from './schema-scoped-dialect.ts';

/** Options of the scale-out store. */
export interface OpenPostgresCloudStoreOptions {
  /** A postgres:// connection URL. */
  url: string;
  /** The schema to keep the tables in (created if missing); default the role's search_path. */
  schema?: string;
  /** Pool size; default 10. */
  connectionsMax?: number;
}

const int8Oid = 20;

/** int8 as a number: every id, index, size and time of ours fits in 2^53; anything larger is a bug. */
function parseInt8(text: string): number {
  const value = Number(text);
  assert(Number.isSafeInteger(value), `an int8 from PostgreSQL (${text}) is above Number.MAX_SAFE_INTEGER`);
  return value;
}

/** The pool's type parsers: int8 as a checked number. */
export const postgresTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === int8Oid && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** A schema name we are willing to splice into SQL. */
export const schemaNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** The URL with any password replaced, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Open (and migrate) the cloud's PostgreSQL store. Throws a FieldproofError `store_unavailable`
 * when the server cannot be reached or refuses us, naming the (redacted) URL.
 */
export async function openPostgresCloudStore(options: OpenPostgresCloudStoreOptions): Promise<CloudStore> {
  if (options.schema !== undefined) {
    assert(schemaNamePattern.test(options.schema), `schema name ${options.schema} is checked by the config`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.connectionsMax ?? 10,
    types: postgresTypes,
    connectionTimeoutMillis: 10_000,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle client that loses its server emits here; the next query reports it.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      if (options.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw new FieldproofError(
      'store_unavailable',
      `cannot reach the PostgreSQL store at ${redact(options.url)}: ${(error as Error).message}`,
    );
  }
  const db = new Kysely<CloudDatabase>({ dialect: new SchemaScopedPostgresDialect({ pool }, options.schema) });
  try {
    await migrateCloudStore(db as Kysely<unknown>, new URL('./migrations/', import.meta.url), options.schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return registerStoreKysely(createKyselyCloudStore(db, { dialect: 'postgres' }), db as never);
}
