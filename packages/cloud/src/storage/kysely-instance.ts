import type { Kysely } from 'kysely';
import type { CloudStore } from './cloud-store.ts';

const instances = new WeakMap<CloudStore, Kysely<unknown>>();

/**
 * Remember the Kysely instance under a store, so a module store (webhooks, finance) runs its own
 * queries on the same connection(s): on SQLite the one connection, whose transactions serialise.
 */
export function registerKysely(store: CloudStore, db: Kysely<unknown>): CloudStore {
  instances.set(store, db);
  return store;
}

/** The Kysely instance a store was opened on. Precondition: the store came from openSqliteCloudStore or openPostgresCloudStore. */
export function kyselyOf(store: CloudStore): Kysely<unknown> {
  const db = instances.get(store);
  if (!db) throw new Error('this cloud store was not opened by openSqliteCloudStore or openPostgresCloudStore');
  return db;
}
