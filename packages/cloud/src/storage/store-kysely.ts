import type { Kysely } from 'kysely';
import type { CloudStore } from './cloud-store.ts';

// The Kysely instance under each opened store, so that a module (edge operations, events,
// finance) builds its own store file on the same connection(s) and migrations without widening
// the CloudStore interface.
const instances = new WeakMap<CloudStore, Kysely<unknown>>();

/** Record the Kysely instance a store was built on (called by the open-*-cloud-store functions). */
export function registerStoreKysely<Store extends CloudStore>(store: Store, db: Kysely<never>): Store {
  instances.set(store, db as unknown as Kysely<unknown>);
  return store;
}

/**
 * The Kysely instance under `store`, typed with the module's own tables. Precondition: the store
 * was opened by openSqliteCloudStore or openPostgresCloudStore (a programmer error otherwise).
 */
export function storeKysely<Database>(store: CloudStore): Kysely<Database> {
  const db = instances.get(store);
  if (!db) throw new Error('invariant violated: this store was not opened by open*CloudStore');
  return db as unknown as Kysely<Database>;
}
