import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/** The tables an audit reads; a file without them is not a cloud store. */
const auditTables = ['meta', 'edge', 'device', 'batch', 'frame', 'log_entry', 'log_hash', 'checkpoint', 'quarantine'];

/** A cloud database opened read-only for an audit. */
export interface AuditStore {
  /** The read-only connection to pass to auditLog. */
  db: Database.Database;
  /** The suite the cloud stored in its meta table, if any (a stored row: the checkpoints confirm it). */
  storedSuite: string | undefined;
  /** The origin the cloud stored in its meta table, if any. */
  storedOrigin: string | undefined;
  /** Frame rows in the store (to size the signature work). */
  frameCount: number;
  /** Close the connection. */
  close(): void;
}

/**
 * Open a cloud database read-only for an audit and check that it has the cloud's tables; it
 * never migrates or writes. Throws an Error naming the path when the file is missing, is not
 * SQLite, or lacks a table.
 */
export function openAuditStore(path: string): AuditStore {
  if (!existsSync(path)) throw new Error(`cannot read database ${path}: no such file`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`cannot open database ${path}: ${(error as Error).message}`);
  }
  try {
    for (const table of auditTables) db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get();
    const meta = (key: string) =>
      (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    const frameCount = (db.prepare('SELECT count(*) AS n FROM frame').get() as { n: number }).n;
    return {
      db,
      storedSuite: meta('suite'),
      storedOrigin: meta('origin'),
      frameCount,
      close: () => db.close(),
    };
  } catch (error) {
    db.close();
    throw new Error(`cannot read database ${path} as a Fieldproof cloud store: ${(error as Error).message}`);
  }
}
