import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FieldproofError } from '@fieldproof/protocol';
import Database from 'better-sqlite3';
import pg from 'pg';
import { postgresTypes, redact, schemaNamePattern } from '../storage/postgres/open-postgres-cloud-store.ts';
import { openSqliteCloudStore } from '../storage/sqlite/open-sqlite-cloud-store.ts';

/** The tables copied, each with the key that orders its pages. */
const snapshotTables = [
  ['meta', 'key'],
  ['edge', 'edge_id'],
  ['device', 'device_id'],
  ['device_key', 'device_id, key_id'],
  ['batch', 'id'],
  ['frame', 'id'],
  ['log_entry', 'leaf_index'],
  ['log_hash', 'idx'],
  ['checkpoint', 'size'],
  ['quarantine', 'id'],
  ['cosignature', 'size, witness'],
  ['decision', 'decision_id'],
  ['anchor', 'chain_id, contract, origin_hash, size'],
] as const;

/** Rows read per page. */
const snapshotPageRowsMax = 5_000;

/** A PostgreSQL store copied into a temporary SQLite file for an audit. */
export interface PostgresSnapshot {
  /** The SQLite file (same schema as the embedded store), to open with openAuditStore. */
  path: string;
  /** Delete the file. */
  remove(): void;
}

/**
 * Copy every row an audit reads from a PostgreSQL cloud store into a temporary SQLite file, in one
 * REPEATABLE READ, READ ONLY transaction, so the audit sees one consistent state and the existing
 * SQLite audit runs on it unchanged. Rows are copied as they are, tampered or not (foreign keys are
 * not enforced on the copy). Throws `store_unavailable` when PostgreSQL cannot be reached.
 *
 * This is the interim path for `fieldproof audit --store postgres://…`: it costs a copy of the
 * store on local disk; reading PostgreSQL directly in the audit is the planned replacement.
 */
export async function snapshotPostgresStore(url: string, schema?: string): Promise<PostgresSnapshot> {
  if (schema !== undefined && !schemaNamePattern.test(schema)) {
    throw new FieldproofError('request_invalid', `schema ${schema} is not a lower-case SQL identifier`);
  }
  const folder = mkdtempSync(join(tmpdir(), 'fieldproof-audit-pg-'));
  const path = join(folder, 'cloud.db');
  const remove = () => rmSync(folder, { recursive: true, force: true });
  const client = new pg.Client({
    connectionString: url,
    types: postgresTypes,
    connectionTimeoutMillis: 10_000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  try {
    await client.connect();
  } catch (error) {
    remove();
    throw new FieldproofError(
      'store_unavailable',
      `cannot reach the PostgreSQL store at ${redact(url)}: ${(error as Error).message}`,
    );
  }
  try {
    await (await openSqliteCloudStore(path)).close();
    const target = new Database(path);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for (const [table, key] of snapshotTables) {
        for (let offset = 0; ; offset += snapshotPageRowsMax) {
          const page = await client.query(
            `SELECT * FROM ${table} ORDER BY ${key} LIMIT ${snapshotPageRowsMax} OFFSET ${offset}`,
          );
          if (page.rows.length === 0) break;
          const columns = page.fields.map((field) => field.name);
          const insert = target.prepare(
            `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
          );
          target.transaction(() => {
            for (const row of page.rows) insert.run(columns.map((column) => row[column]));
          })();
          if (page.rows.length < snapshotPageRowsMax) break;
        }
      }
      await client.query('COMMIT');
    } finally {
      target.close();
    }
    return { path, remove };
  } catch (error) {
    remove();
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
