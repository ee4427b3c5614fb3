import { randomBytes } from 'node:crypto';
import { type CryptoSuiteName, FieldproofError } from '@fieldproof/protocol';
import type { CloudStore } from '../storage/cloud-store.ts';
import { createDataKeyStore, type DataKeyPurpose, type DataKeyStore, type StoredDataKey } from './data-key-store.ts';
import type { KeyProvider } from './key-provider.ts';
import { openBytes, sealBytes, sealKeyBytes } from './seal-bytes.ts';

/**
 * Version tag that starts every sealed value: `fpenc1.<suite>.<dataKeyId>.<base64url payload>`.
 * A reader knows from the value alone the format version, the cipher suite and the data key.
 */
export const sealedValueVersion = 'fpenc1';

/** Largest plaintext one value may hold, bytes (a party's identity details, a webhook secret). */
export const sealedPlaintextBytesMax = 64 * 1024;

const sealedValuePattern = /^fpenc1\.(intl|sm)\.(dk-[0-9a-f]{16})\.([A-Za-z0-9_-]+)$/;

/** Where a value lives: bound into its ciphertext, so it cannot be moved to another row or column. */
export interface FieldLocation {
  /** Table name. */
  table: string;
  /** Column name. */
  column: string;
  /** The row's id (its primary key as text). */
  rowId: string;
}

/** Encrypts and decrypts the sensitive columns of the cloud store under per-purpose data keys. */
export interface FieldCipher {
  /** The suite new values are sealed with (the cloud's). */
  readonly suite: CryptoSuiteName;
  /** The data keys (wrapped) in the store. */
  readonly dataKeys: DataKeyStore;
  /** The key provider holding the master keys. */
  readonly keys: KeyProvider;
  /** Seal `plaintext` for `at` under the purpose's current data key (made on first use). */
  encrypt(purpose: DataKeyPurpose, at: FieldLocation, plaintext: string): Promise<string>;
  /** The plaintext of a sealed value read from `at`; `ciphertext_invalid` if it was altered or moved. */
  decrypt(at: FieldLocation, sealed: string): Promise<string>;
  /** Make a new current data key for a purpose (values sealed before keep reading); returns its id. */
  createDataKey(purpose: DataKeyPurpose): Promise<string>;
}

/** Whether a stored text is a sealed value (rather than a plaintext row written before encryption at rest). */
export function isSealedValue(stored: string): boolean {
  return stored.startsWith(`${sealedValueVersion}.`);
}

/** The data key id a sealed value names, or undefined when it is not one. */
export function sealedValueDataKeyId(stored: string): string | undefined {
  return sealedValuePattern.exec(stored)?.[2];
}

function associatedData(suite: CryptoSuiteName, dataKeyId: string, at: FieldLocation): Buffer {
  return Buffer.from(JSON.stringify([sealedValueVersion, suite, dataKeyId, at.table, at.column, at.rowId]), 'utf8');
}

/** The wrap context of a data key: its id, purpose and suite, so a wrapped key cannot be swapped for another's. */
export function dataKeyWrapContext(key: Pick<StoredDataKey, 'dataKeyId' | 'purpose' | 'suite'>): string {
  return `${key.dataKeyId}/${key.purpose}/${key.suite}`;
}

/**
 * The field cipher of a cloud store: data keys in its data_key table (wrapped by `keys`), unwrapped
 * ones cached in this process's memory only. AES-256-GCM under `intl`, SM4-CTR + HMAC-SM3 under
 * `sm`; associated data binds each value to its table, column and row id and to the format
 * version, suite and data key id.
 */
export function createFieldCipher(parameters: {
  store: CloudStore;
  keys: KeyProvider;
  suite: CryptoSuiteName;
  clock?: () => number;
}): FieldCipher {
  const { keys, suite } = parameters;
  const clock = parameters.clock ?? Date.now;
  const dataKeys = createDataKeyStore(parameters.store);
  // Unwrapped data keys by id: never logged, never written anywhere.
  const unwrapped = new Map<string, Buffer>();
  const unwrap = async (key: StoredDataKey): Promise<Buffer> => {
    const cached = unwrapped.get(key.dataKeyId);
    if (cached) return cached;
    const bytes = await keys.unwrapDataKey(
      { masterKeyId: key.masterKeyId, wrapped: key.wrappedKey },
      dataKeyWrapContext(key),
    );
    if (bytes.length !== sealKeyBytes) throw new FieldproofError('ciphertext_invalid', 'a data key is not 32 bytes');
    unwrapped.set(key.dataKeyId, bytes);
    return bytes;
  };
  const createDataKey = async (purpose: DataKeyPurpose): Promise<string> => {
    const dataKeyId = `dk-${randomBytes(8).toString('hex')}`;
    const bytes = randomBytes(sealKeyBytes);
    const wrapped = await keys.wrapDataKey(bytes, dataKeyWrapContext({ dataKeyId, purpose, suite }));
    // Strictly after the purpose's newest key, so the new one is current even within one millisecond.
    const newest = await dataKeys.current(purpose, suite);
    await dataKeys.insert({
      dataKeyId,
      purpose,
      suite,
      masterKeyId: wrapped.masterKeyId,
      wrappedKey: wrapped.wrapped,
      createdAtMs: Math.max(clock(), (newest?.createdAtMs ?? -1) + 1),
    });
    unwrapped.set(dataKeyId, bytes);
    return dataKeyId;
  };
  return {
    suite,
    dataKeys,
    keys,
    createDataKey,
    async encrypt(purpose, at, plaintext) {
      const bytes = Buffer.from(plaintext, 'utf8');
      if (bytes.length > sealedPlaintextBytesMax) {
        throw new Error(`invariant violated: a sealed value is at most ${sealedPlaintextBytesMax} bytes`);
      }
      // Read each time (one indexed row) so a rotation made by another process is used at once.
      let current = await dataKeys.current(purpose, suite);
      if (!current) {
        await createDataKey(purpose);
        current = await dataKeys.current(purpose, suite);
      }
      if (!current) throw new Error('invariant violated: a data key exists after it was made');
      const key = await unwrap(current);
      const sealed = sealBytes(suite, key, bytes, associatedData(suite, current.dataKeyId, at));
      return `${sealedValueVersion}.${suite}.${current.dataKeyId}.${sealed.toString('base64url')}`;
    },
    async decrypt(at, stored) {
      const match = sealedValuePattern.exec(stored);
      if (!match) {
        throw new FieldproofError(
          'ciphertext_invalid',
          `${at.table}.${at.column} of ${at.rowId} is not a sealed value`,
        );
      }
      const [, valueSuite, dataKeyId, payload] = match as unknown as [string, CryptoSuiteName, string, string];
      const dataKey = await dataKeys.get(dataKeyId);
      if (!dataKey) throw new FieldproofError('data_key_unknown', `data key ${dataKeyId} is not in the store`);
      if (dataKey.suite !== valueSuite) {
        throw new FieldproofError(
          'ciphertext_invalid',
          `${at.table}.${at.column} of ${at.rowId} names the wrong suite`,
        );
      }
      const key = await unwrap(dataKey);
      try {
        return openBytes(
          valueSuite,
          key,
          Buffer.from(payload, 'base64url'),
          associatedData(valueSuite, dataKeyId, at),
        ).toString('utf8');
      } catch (error) {
        if (error instanceof FieldproofError) {
          throw new FieldproofError(
            'ciphertext_invalid',
            `${at.table}.${at.column} of ${at.rowId} does not authenticate (altered, or moved from another row)`,
          );
        }
        throw error;
      }
    },
  };
}
