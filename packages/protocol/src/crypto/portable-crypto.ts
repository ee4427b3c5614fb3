// Signature verification and suite hashing in pure JavaScript, for the browser build of the
// verifier: no node:crypto, no Buffer. Node uses signatures.ts (OpenSSL); the tests hold both
// to the same vectors and to each other on random valid and tampered signatures.
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { sm2, sm3 } from 'sm-crypto-v2';
import { bytesEqual, fromHex, toHex } from '../encoding.ts';
import { type CryptoBackend, SM2_DEFAULT_USER_ID, type VerifyOptions } from './crypto-backend.ts';
import type { CryptoSuiteName, SignatureAlgorithm } from './types.ts';

function concatenate(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  let length = 0;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

const ed25519Point = ed25519.Point;
const ed25519Order = ed25519Point.Fn.ORDER;

/**
 * Ed25519 verification exactly as OpenSSL 3 does it (crypto/ec/curve25519.c, ossl_ed25519_verify),
 * on noble-curves' point arithmetic: S < L; A decoded without the canonical-encoding and
 * small-order checks; k = SHA-512(R ‖ A ‖ M) mod L over the bytes as given; accept when the
 * canonical encoding of [S]B − [k]A equals R byte for byte (the cofactorless equation).
 * noble's own `verify(…, { zip215: false })` differs from OpenSSL on crafted signatures: it
 * rejects small-order keys that OpenSSL accepts, and its cofactored equation accepts
 * mixed-order signatures that OpenSSL rejects (the small- and mixed-order ed25519-speccheck cases).
 * Neither difference lets anyone forge a signature of an honest key; they would only make
 * Node and the browser disagree about one bundle, which a verifier must never do.
 */
function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const encodedR = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32, 64));
  if (s >= ed25519Order) return false;
  const a = ed25519Point.fromBytes(publicKey, true);
  const k = ed25519Point.Fn.create(bytesToNumberLE(sha512(concatenate([encodedR, publicKey, message]))));
  const r = ed25519Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
  return bytesEqual(r.toBytes(), encodedR);
}

/**
 * Verify a signature like signatures.ts `verify` does with OpenSSL: Ed25519 per RFC 8032 with
 * OpenSSL's exact acceptance rules (see verifyEd25519), ECDSA P-256 over SHA-256 of the message with a
 * 64-byte r‖s and high S accepted (OpenSSL does not require low S), SM2 with the Z_A digest of
 * `options.sm2UserId`. Returns false, never throws, for a wrong signature, a malformed key, a
 * signature of the wrong length or an algorithm outside the union.
 */
export function verify(
  alg: SignatureAlgorithm,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): boolean {
  if (signature.length !== 64) return false;
  try {
    if (alg === 'ed25519') {
      if (publicKey.length !== 32) return false;
      return verifyEd25519(publicKey, message, signature);
    }
    if (alg === 'ecdsa-p256') {
      // Only the uncompressed SEC1 form is a P-256 key here, as in signatures.ts.
      if (publicKey.length !== 65 || publicKey[0] !== 4) return false;
      return p256.verify(signature, message, publicKey, { prehash: true, lowS: false, format: 'compact' });
    }
    if (alg === 'sm2') {
      if (publicKey.length !== 65 || publicKey[0] !== 4) return false;
      return sm2.doVerifySignature(message, toHex(signature), toHex(publicKey), {
        hash: true,
        der: false,
        userId: options.sm2UserId ?? SM2_DEFAULT_USER_ID,
      });
    }
  } catch {
    return false;
  }
  // Data from the wire may name an algorithm outside the union: never fall through to another one.
  return false;
}

/** The suite's hash of the concatenation of `parts`: SHA-256 for `intl`, SM3 for `sm`. */
export function suiteHash(suite: CryptoSuiteName, ...parts: Uint8Array[]): Uint8Array {
  const data = concatenate(parts);
  if (suite === 'intl') return sha256(data);
  const digest = fromHex(sm3(data));
  if (digest?.length !== 32) throw new Error('sm-crypto-v2 returned an SM3 digest that is not 32 bytes of hex');
  return digest;
}

/** The pure-JavaScript crypto backend: runs in Node and in any browser with ES2022. */
export const portableCrypto: CryptoBackend = { verify, suiteHash };
