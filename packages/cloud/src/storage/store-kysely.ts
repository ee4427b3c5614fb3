import { assert } from '@fieldproof/protocol';
import type { Kysely } from 'kysely';
import type { CloudDatabase } from './cloud-database.ts';
import type { CloudStore } from './cloud-store.ts';

const kyselyByStore = new WeakMap<CloudStore, Kysely<CloudDatabase>>();

/**
 * Record the Kysely instance a store runs on, so module stores (alerts, events, finance) can be
 * built on the same connection or pool and migrations (see docs/storage.md). Called by the openers.
 */
export function attachKysely(store: CloudStore, db: Kysely<CloudDatabase>): CloudStore {
  kyselyByStore.set(store, db);
  return store;
}

/**
 * The Kysely instance under a store opened by openSqliteCloudStore or openPostgresCloudStore.
 * Precondition: the store came from one of them (anything else is a programmer error).
 */
export function kyselyOf(store: CloudStore): Kysely<CloudDatabase> {
  const db = kyselyByStore.get(store);
  assert(
    db !== undefined,
    'a module store is built on a store opened by openSqliteCloudStore or openPostgresCloudStore',
  );
  return db;
}
