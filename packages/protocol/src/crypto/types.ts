/** A log, a batch tree and its checkpoints use one suite throughout. */
export type CryptoSuiteName = 'intl' | 'sm';

/**
 * Signature algorithms.
 * - `ed25519`: RFC 8032 pure Ed25519; public key 32 raw bytes, private key 32-byte seed, signature 64 bytes.
 * - `ecdsa-p256`: ECDSA over P-256 with SHA-256; public key 65-byte uncompressed SEC1 point,
 *   private key 32-byte scalar, signature 64 bytes r‖s (IEEE P1363), low-S not required.
 * - `sm2`: SM2 with SM3 over Z_A‖M (GB/T 32918.2), signer ID `1234567812345678` unless given;
 *   public key 65-byte uncompressed point, private key 32-byte scalar, signature 64 bytes r‖s.
 */
export type SignatureAlgorithm = 'ed25519' | 'ecdsa-p256' | 'sm2';

/** A key pair as raw bytes (see SignatureAlgorithm for the encodings). */
export interface KeyPair {
  /** The algorithm these keys are for. */
  alg: SignatureAlgorithm;
  /** Raw public key bytes. */
  publicKey: Uint8Array;
  /** Raw private key bytes. Never logged, never sent. */
  privateKey: Uint8Array;
}

/** Something that can sign; lets a KMS or HSM stand in for a key file. */
export interface Signer {
  /** The algorithm of this signer's key. */
  alg: SignatureAlgorithm;
  /** Raw public key bytes. */
  publicKey: Uint8Array;
  /** Sign a message (the whole message; hashing is part of the algorithm). */
  sign(message: Uint8Array): Uint8Array;
}
