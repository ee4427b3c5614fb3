import type { Kysely } from 'kysely';
import type { CloudDatabase } from './cloud-database.ts';
import type { CloudStore } from './cloud-store.ts';

/** A cloud store's Kysely instance and dialect, for module stores built on the same connection(s). */
export interface StoreKysely {
  /** The migrated Kysely instance the store runs on. */
  db: Kysely<CloudDatabase>;
  /** Which backend. */
  dialect: 'sqlite' | 'postgres';
}

const kyselyOfStore = new WeakMap<CloudStore, StoreKysely>();

/** Remember the Kysely instance a store was opened on (called by the open functions). */
export function registerStoreKysely(store: CloudStore, db: Kysely<CloudDatabase>): void {
  kyselyOfStore.set(store, { db, dialect: store.dialect });
}

/**
 * The Kysely instance of a store opened by openSqliteCloudStore or openPostgresCloudStore, so that a
 * module (finance, events) keeps its tables on the same connection(s), migrated by the same
 * numbered files. Throws for a store opened some other way.
 */
export function storeKysely(store: CloudStore): StoreKysely {
  const found = kyselyOfStore.get(store);
  if (!found) throw new Error('this cloud store was not opened by openSqliteCloudStore or openPostgresCloudStore');
  return found;
}

/**
 * The events/alerts branch's name for registerStoreKysely (both registries are this one map):
 * record the Kysely instance a store runs on and return the store.
 */
export function attachKysely(store: CloudStore, db: Kysely<CloudDatabase>): CloudStore {
  registerStoreKysely(store, db);
  return store;
}

/** The Kysely instance under a store opened by openSqliteCloudStore or openPostgresCloudStore (see storeKysely). */
export function kyselyOf(store: CloudStore): Kysely<CloudDatabase> {
  return storeKysely(store).db;
}
