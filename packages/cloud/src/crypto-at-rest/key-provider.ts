/** A master key as a key provider lists it (never the key itself). */
export interface MasterKeyInfo {
  /** Stable id, stored beside every data key it wraps. */
  keyId: string;
  /** When it was made, UTC ms. */
  createdAtMs: number;
  /** True for the one key new data keys are wrapped under. */
  current: boolean;
}

/** A data key wrapped by a master key. */
export interface WrappedDataKey {
  /** The master key that wrapped it. */
  masterKeyId: string;
  /** The wrapped bytes (opaque: a KMS's ciphertext blob, or our sealed bytes). */
  wrapped: Buffer;
}

/**
 * Where the master keys live and the only code that touches them. The file-based default keeps
 * them in `<dataDir>/keys/master-keys.json`; a KMS or HSM implements the same four calls (AWS KMS
 * Encrypt/Decrypt with an encryption context, a PKCS#11 wrap/unwrap, a Chinese cloud's KMS with
 * SM4), so master keys need never leave it. `context` is bound to the wrap (KMS "encryption
 * context", our associated data): a wrapped key only unwraps under the same context.
 */
export interface KeyProvider {
  /** The master key new data keys are wrapped under. */
  currentKeyId(): Promise<string>;
  /** Wrap a data key under the current master key. */
  wrapDataKey(dataKey: Buffer, context: string): Promise<WrappedDataKey>;
  /** Unwrap a data key; throws `data_key_unknown` for a master key not held, `ciphertext_invalid` when altered. */
  unwrapDataKey(wrapped: WrappedDataKey, context: string): Promise<Buffer>;
  /** Every master key held, oldest first. */
  listKeys(): Promise<MasterKeyInfo[]>;
  /** Make a new master key the current one, keeping the old ones for unwrapping; returns its id. */
  createMasterKey(): Promise<string>;
}
