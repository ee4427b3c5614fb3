import type { Kysely } from 'kysely';
import type { CloudStore, CloudStoreTransaction } from './cloud-store.ts';

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

// The Kysely transaction under each open store transaction, so that a module reads its own tables
// inside a transaction of the log's single writer (in its snapshot, behind its locks).
const transactions = new WeakMap<CloudStoreTransaction, Kysely<unknown>>();

/** Record the Kysely transaction under a store transaction (called by the store's transaction()). */
export function registerTransactionKysely(tx: CloudStoreTransaction, db: Kysely<never>): void {
  transactions.set(tx, db as unknown as Kysely<unknown>);
}

/**
 * The Kysely transaction under `tx`, typed with the module's own tables. Precondition: `tx` is an
 * open transaction of a store opened by openSqliteCloudStore or openPostgresCloudStore.
 */
export function transactionKysely<Database>(tx: CloudStoreTransaction): Kysely<Database> {
  const db = transactions.get(tx);
  if (!db) throw new Error('invariant violated: this transaction was not opened by a store of open*CloudStore');
  return db as unknown as Kysely<Database>;
}
