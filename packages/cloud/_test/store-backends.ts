/**
 * The two cloud store backends for `describe.each`: each `open()` gives a fresh, empty, migrated
 * store (a temporary SQLite file, or a fresh PostgreSQL schema) and `cleanUp()` removes them all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudStore } from '../src/storage/cloud-store.ts';
import { openPostgresCloudStore } from '../src/storage/postgres/open-postgres-cloud-store.ts';
import { openSqliteCloudStore } from '../src/storage/sqlite/open-sqlite-cloud-store.ts';
import { dropSchema, freshSchemaName, postgresAvailable, postgresTestUrl } from './postgres-fixture.ts';

/** One backend under test. */
export interface StoreBackend {
  /** `sqlite` or `postgres`. */
  name: 'sqlite' | 'postgres';
  /** Whether the backend can run here (checked once in beforeAll; false only outside CI). */
  available(): Promise<boolean>;
  /** A fresh migrated store. */
  open(): Promise<CloudStore>;
  /** Close every store opened and remove its file or schema. */
  cleanUp(): Promise<void>;
  /** Where an opened store keeps its rows: the SQLite file or the PostgreSQL schema (to read them raw). */
  whereIs(store: CloudStore): { sqlitePath?: string; postgresSchema?: string };
}

/** A SQLite backend in a temporary folder. */
export function sqliteBackend(): StoreBackend {
  const opened: CloudStore[] = [];
  const paths = new Map<CloudStore, string>();
  let folder: string | undefined;
  return {
    name: 'sqlite',
    available: async () => true,
    async open() {
      folder ??= mkdtempSync(join(tmpdir(), 'fieldproof-store-'));
      const path = join(folder, `cloud-${opened.length}.db`);
      const store = await openSqliteCloudStore(path);
      opened.push(store);
      paths.set(store, path);
      return store;
    },
    whereIs: (store) => ({ sqlitePath: paths.get(store) as string }),
    async cleanUp() {
      for (const store of opened.splice(0)) await store.close();
      if (folder) rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL backend: one fresh schema per opened store. */
export function postgresBackend(): StoreBackend {
  const opened: { store: CloudStore | undefined; schema: string }[] = [];
  let availability: Promise<boolean> | undefined;
  return {
    name: 'postgres',
    available: () => {
      availability ??= postgresAvailable();
      return availability;
    },
    async open() {
      // Recorded before opening, so a failed migration's schema is dropped too.
      const entry: { store: CloudStore | undefined; schema: string } = { store: undefined, schema: freshSchemaName() };
      opened.push(entry);
      entry.store = await openPostgresCloudStore({ url: postgresTestUrl, schema: entry.schema, connectionsMax: 4 });
      return entry.store;
    },
    whereIs: (store) => ({ postgresSchema: opened.find((entry) => entry.store === store)?.schema as string }),
    async cleanUp() {
      for (const { store, schema } of opened.splice(0)) {
        await store?.close();
        await dropSchema(schema);
      }
    },
  };
}
