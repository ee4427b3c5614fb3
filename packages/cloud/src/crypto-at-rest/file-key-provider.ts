import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CryptoSuiteName, FieldproofError } from '@fieldproof/protocol';
import * as z from 'zod';
import type { KeyProvider, MasterKeyInfo, WrappedDataKey } from './key-provider.ts';
import { openBytes, sealBytes, sealKeyBytes } from './seal-bytes.ts';

/** Most master keys one file keeps (each rotation adds one; old ones stay for unwrapping). */
export const masterKeysMax = 64;

const MasterKeysFileSchema = z
  .object({
    version: z.literal(1),
    /** Suite the keys wrap with. */
    suite: z.enum(['intl', 'sm']),
    currentKeyId: z.string().min(1),
    keys: z
      .array(
        z
          .object({
            keyId: z.string().regex(/^mk-[0-9a-f]{16}$/),
            createdAtMs: z.number().int().min(0),
            /** The 32-byte key, base64. */
            key: z.string().refine((value) => Buffer.from(value, 'base64').length === sealKeyBytes),
          })
          .strict(),
      )
      .min(1)
      .max(masterKeysMax),
  })
  .strict();
type MasterKeysFile = z.infer<typeof MasterKeysFileSchema>;

/** Where the file provider keeps its keys inside a cloud's data folder. */
export function masterKeysPath(dataDir: string): string {
  return join(dataDir, 'keys', 'master-keys.json');
}

function newMasterKey(clock: () => number): MasterKeysFile['keys'][number] {
  return {
    keyId: `mk-${randomBytes(8).toString('hex')}`,
    createdAtMs: clock(),
    key: randomBytes(sealKeyBytes).toString('base64'),
  };
}

/** Write the file whole, mode 0600, through a rename so a crash never leaves half a key file. */
function writeKeysFile(path: string, file: MasterKeysFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
  chmodSync(path, 0o600);
}

function readKeysFile(path: string): MasterKeysFile {
  const parsed = MasterKeysFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  // The message names the file and the field, never a value: the values are keys.
  if (!parsed.success) {
    throw new Error(`${path} is not a master key file: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}

/**
 * The default key provider: master keys in `<dataDir>/keys/master-keys.json` (mode 0600), made on
 * first open. It wraps data keys with the suite's authenticated cipher (AES-256-GCM or
 * SM4-CTR + HMAC-SM3) under the current master key, the context as associated data. When asked
 * for a master key it does not hold it reads the file again once, so a cloud keeps unwrapping
 * after `fieldproof keys rotate` ran beside it.
 * Precondition: the data folder is private to this cloud; the file is never logged nor committed.
 */
export function openFileKeyProvider(parameters: {
  /** The cloud's data folder. */
  dataDir: string;
  /** Suite of a new key file (an existing file keeps its own). */
  suite: CryptoSuiteName;
  /** UTC ms. */
  clock?: () => number;
}): KeyProvider {
  const clock = parameters.clock ?? Date.now;
  const path = masterKeysPath(parameters.dataDir);
  if (!existsSync(path)) {
    const first = newMasterKey(clock);
    writeKeysFile(path, { version: 1, suite: parameters.suite, currentKeyId: first.keyId, keys: [first] });
  }
  let file = readKeysFile(path);
  const keyOf = (keyId: string): Buffer | undefined => {
    let entry = file.keys.find((key) => key.keyId === keyId);
    if (!entry) {
      file = readKeysFile(path);
      entry = file.keys.find((key) => key.keyId === keyId);
    }
    return entry && Buffer.from(entry.key, 'base64');
  };
  const associatedData = (masterKeyId: string, context: string) =>
    Buffer.from(JSON.stringify(['fieldproof/data-key-wrap/v1', masterKeyId, context]), 'utf8');
  return {
    async currentKeyId() {
      return file.currentKeyId;
    },
    async wrapDataKey(dataKey, context): Promise<WrappedDataKey> {
      const masterKeyId = file.currentKeyId;
      const masterKey = keyOf(masterKeyId);
      if (!masterKey) throw new Error(`invariant violated: the current master key ${masterKeyId} is in the file`);
      return { masterKeyId, wrapped: sealBytes(file.suite, masterKey, dataKey, associatedData(masterKeyId, context)) };
    },
    async unwrapDataKey(wrapped, context) {
      const masterKey = keyOf(wrapped.masterKeyId);
      if (!masterKey) {
        throw new FieldproofError('data_key_unknown', `master key ${wrapped.masterKeyId} is not in ${path}`);
      }
      return openBytes(file.suite, masterKey, wrapped.wrapped, associatedData(wrapped.masterKeyId, context));
    },
    async listKeys(): Promise<MasterKeyInfo[]> {
      file = readKeysFile(path);
      return file.keys.map(({ keyId, createdAtMs }) => ({ keyId, createdAtMs, current: keyId === file.currentKeyId }));
    },
    async createMasterKey() {
      file = readKeysFile(path);
      if (file.keys.length >= masterKeysMax) {
        throw new Error(`${path} holds ${masterKeysMax} master keys (masterKeysMax); retire old ones first`);
      }
      const next = newMasterKey(clock);
      file = { ...file, currentKeyId: next.keyId, keys: [...file.keys, next] };
      writeKeysFile(path, file);
      return next.keyId;
    },
  };
}
