import { join } from 'node:path';
import { CryptoSuiteNameSchema } from '@fieldproof/protocol';
import type * as z from 'zod';
import { StoreConfigSchema } from '../config.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { openPostgresCloudStore } from '../storage/postgres/open-postgres-cloud-store.ts';
import { openSqliteCloudStore } from '../storage/sqlite/open-sqlite-cloud-store.ts';
import { createFieldCipher, type FieldCipher } from './field-cipher.ts';
import { openFileKeyProvider } from './file-key-provider.ts';
import type { KeyProvider } from './key-provider.ts';

export interface OpenCloudFieldCipherParameters {
  /** The cloud's data folder (its `keys/master-keys.json`, and `cloud.db` for SQLite). */
  dataDir: string;
  /** The cloud's store; SQLite `<dataDir>/cloud.db` by default. */
  store?: z.input<typeof StoreConfigSchema>;
  /** A KMS or HSM adapter instead of the file provider. */
  keyProvider?: KeyProvider;
}

export interface OpenCloudFieldCipherResult {
  /** The opened (migrated) store. */
  store: CloudStore;
  /** Its field cipher, in the suite the log was created with. */
  cipher: FieldCipher;
  /** Close the store. */
  close(): Promise<void>;
}

/**
 * Open a cloud's store and field cipher outside the server, for `fieldproof keys`: the suite comes
 * from the store (a log keeps one suite), so a rotation seals with the cipher the cloud reads with.
 * Throws when the store holds no log yet (nothing to rotate).
 */
export async function openCloudFieldCipher(
  parameters: OpenCloudFieldCipherParameters,
): Promise<OpenCloudFieldCipherResult> {
  const config = StoreConfigSchema.parse(parameters.store ?? { kind: 'sqlite' });
  const store =
    config.kind === 'postgres'
      ? await openPostgresCloudStore({
          url: config.url,
          connectionsMax: config.connectionsMax,
          ...(config.schema === undefined ? {} : { schema: config.schema }),
        })
      : await openSqliteCloudStore(config.path ?? join(parameters.dataDir, 'cloud.db'));
  const suite = CryptoSuiteNameSchema.safeParse(await store.getMeta('suite'));
  if (!suite.success) {
    await store.close();
    throw new Error('the store holds no cloud yet (no suite in its meta table): start the cloud once first');
  }
  const keys = parameters.keyProvider ?? openFileKeyProvider({ dataDir: parameters.dataDir, suite: suite.data });
  return { store, cipher: createFieldCipher({ store, keys, suite: suite.data }), close: () => store.close() };
}
