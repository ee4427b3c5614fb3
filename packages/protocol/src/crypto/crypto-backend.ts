import type { CryptoSuiteName, SignatureAlgorithm } from './types.ts';

/** Default SM2 signer ID (GB/T 35276 and most deployments). */
export const SM2_DEFAULT_USER_ID = '1234567812345678';

/** Options of a signature verification. */
export interface VerifyOptions {
  /** SM2 signer ID for the Z_A digest; `SM2_DEFAULT_USER_ID` when absent. Ignored by other algorithms. */
  sm2UserId?: string;
}

/**
 * The two primitives a verifier needs, so one verifier can run on Node's OpenSSL (`nodeCrypto`)
 * or on pure JavaScript that also runs in a browser (`portableCrypto`). Both give the same
 * answer for every input the tests know of.
 */
export interface CryptoBackend {
  /**
   * Verify a signature (see SignatureAlgorithm for the encodings). Returns false, never throws,
   * for a wrong signature, a malformed key, a signature of the wrong length or an unknown `alg`.
   */
  verify(
    alg: SignatureAlgorithm,
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
    options?: VerifyOptions,
  ): boolean;
  /** The suite's hash of the concatenation of `parts`: SHA-256 for `intl`, SM3 for `sm`. */
  suiteHash(suite: CryptoSuiteName, ...parts: Uint8Array[]): Uint8Array;
}
