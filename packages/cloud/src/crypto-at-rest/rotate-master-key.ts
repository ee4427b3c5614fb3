import { dataKeyWrapContext, type FieldCipher } from './field-cipher.ts';

export interface RotateMasterKeyParameters {
  /** Called after each data key is re-wrapped. */
  onProgress?: (progress: { rewrapped: number; total: number }) => void;
}

export interface RotateMasterKeyResult {
  /** The new current master key. */
  masterKeyId: string;
  /** Data keys re-wrapped under it. */
  rewrapped: number;
}

/**
 * Make a new master key current and re-wrap every data key under it. No value is re-encrypted:
 * the data keys stay the same, only their wrapping changes. The old master keys stay in the key
 * provider so that a copy of the store taken before (a backup) still opens. Safe to run again after
 * a crash: a key already wrapped by the new master key is left alone.
 */
export async function rotateMasterKey(
  deps: { cipher: FieldCipher },
  parameters: RotateMasterKeyParameters = {},
): Promise<RotateMasterKeyResult> {
  const { keys, dataKeys } = deps.cipher;
  const masterKeyId = await keys.createMasterKey();
  const stored = await dataKeys.list();
  let rewrapped = 0;
  for (const key of stored) {
    if (key.masterKeyId !== masterKeyId) {
      const context = dataKeyWrapContext(key);
      const bytes = await keys.unwrapDataKey({ masterKeyId: key.masterKeyId, wrapped: key.wrappedKey }, context);
      const wrapped = await keys.wrapDataKey(bytes, context);
      bytes.fill(0);
      if (await dataKeys.rewrap(key.dataKeyId, key.masterKeyId, wrapped.masterKeyId, wrapped.wrapped)) rewrapped += 1;
    }
    parameters.onProgress?.({ rewrapped, total: stored.length });
  }
  return { masterKeyId, rewrapped };
}
