import type { CryptoSuiteName } from '@fieldproof/protocol';
import type { CloudStore } from '../storage/cloud-store.ts';
import { storeKysely } from '../storage/store-kysely.ts';

/** What a data key encrypts; one current key per purpose, so a leaked key exposes one kind of value. */
export type DataKeyPurpose = 'webhook_secret' | 'party_identity';

/** Every purpose, in the order rotations walk them. */
export const dataKeyPurposes: readonly DataKeyPurpose[] = ['webhook_secret', 'party_identity'];

/** A data key as stored: wrapped, never in clear. */
export interface StoredDataKey {
  /** `dk-<16 hex>`. */
  dataKeyId: string;
  /** What it encrypts. */
  purpose: DataKeyPurpose;
  /** Suite of the values it encrypts. */
  suite: CryptoSuiteName;
  /** The master key that wraps it now. */
  masterKeyId: string;
  /** The wrapped key bytes. */
  wrappedKey: Buffer;
  /** When made, UTC ms; the newest of a purpose is its current key. */
  createdAtMs: number;
}

interface DataKeyDatabase {
  data_key: {
    data_key_id: string;
    purpose: string;
    suite: string;
    master_key_id: string;
    wrapped_key: string;
    created_at_ms: number;
  };
}

/** The data_key table (migration 0013). */
export interface DataKeyStore {
  /** Insert a new data key. */
  insert(key: StoredDataKey): Promise<void>;
  /** The key with this id. */
  get(dataKeyId: string): Promise<StoredDataKey | undefined>;
  /** The newest key of a purpose and suite (the one new values are sealed with). */
  current(purpose: DataKeyPurpose, suite: CryptoSuiteName): Promise<StoredDataKey | undefined>;
  /** Every key, oldest first. */
  list(): Promise<StoredDataKey[]>;
  /** Replace a key's wrapping if it is still wrapped by `expectedMasterKeyId`; false otherwise. */
  rewrap(dataKeyId: string, expectedMasterKeyId: string, masterKeyId: string, wrappedKey: Buffer): Promise<boolean>;
}

const toKey = (row: DataKeyDatabase['data_key']): StoredDataKey => ({
  dataKeyId: row.data_key_id,
  purpose: row.purpose as DataKeyPurpose,
  suite: row.suite as CryptoSuiteName,
  masterKeyId: row.master_key_id,
  wrappedKey: Buffer.from(row.wrapped_key, 'base64'),
  createdAtMs: Number(row.created_at_ms),
});

/** The data key store of a cloud store (SQLite or PostgreSQL). */
export function createDataKeyStore(store: CloudStore): DataKeyStore {
  const db = storeKysely<DataKeyDatabase>(store);
  return {
    async insert(key) {
      await db
        .insertInto('data_key')
        .values({
          data_key_id: key.dataKeyId,
          purpose: key.purpose,
          suite: key.suite,
          master_key_id: key.masterKeyId,
          wrapped_key: key.wrappedKey.toString('base64'),
          created_at_ms: key.createdAtMs,
        })
        .execute();
    },
    async get(dataKeyId) {
      const row = await db.selectFrom('data_key').selectAll().where('data_key_id', '=', dataKeyId).executeTakeFirst();
      return row && toKey(row);
    },
    async current(purpose, suite) {
      const row = await db
        .selectFrom('data_key')
        .selectAll()
        .where('purpose', '=', purpose)
        .where('suite', '=', suite)
        .orderBy('created_at_ms', 'desc')
        .orderBy('data_key_id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toKey(row);
    },
    async list() {
      const rows = await db
        .selectFrom('data_key')
        .selectAll()
        .orderBy('created_at_ms')
        .orderBy('data_key_id')
        .execute();
      return rows.map(toKey);
    },
    async rewrap(dataKeyId, expectedMasterKeyId, masterKeyId, wrappedKey) {
      const result = await db
        .updateTable('data_key')
        .set({ master_key_id: masterKeyId, wrapped_key: wrappedKey.toString('base64') })
        .where('data_key_id', '=', dataKeyId)
        .where('master_key_id', '=', expectedMasterKeyId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
