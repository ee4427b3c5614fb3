import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { CloudDatabase } from '../cloud-database.ts';
import type { CloudStore } from '../cloud-store.ts';
import { createKyselyCloudStore } from '../kysely-cloud-store.ts';
import { migrateCloudStore } from '../migrate-cloud-store.ts';
import { registerStoreKysely } from '../store-kysely.ts';

/** Options of the embedded store. */
export interface OpenSqliteCloudStoreOptions {
  /** SQLite `synchronous`: NORMAL (default; WAL keeps it crash-safe) or FULL (each commit fsyncs). */
  synchronous?: 'normal' | 'full';
}

/**
 * Open (and migrate) the cloud's SQLite database at `path`. WAL mode. The store has one
 * connection, and Kysely's SQLite driver holds it for the whole of a transaction, so transactions
 * run one at a time and no other query of this process sees a transaction's rows before it
 * commits (other processes read the last commit, as WAL gives them).
 */
export async function openSqliteCloudStore(
  path: string,
  options: OpenSqliteCloudStoreOptions = {},
): Promise<CloudStore> {
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<CloudDatabase>({ dialect: new SqliteDialect({ database }) });
  try {
    await migrateCloudStore(db as Kysely<unknown>, new URL('./migrations/', import.meta.url));
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const store = createKyselyCloudStore(db, { dialect: 'sqlite', sqliteDatabase: database });
  registerStoreKysely(store, db);
  return store;
}
