import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  hash as oneShotHash,
} from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { toHex } from '../encoding.ts';
import { type CryptoBackend, SM2_DEFAULT_USER_ID, type VerifyOptions } from './crypto-backend.ts';
import { nativeSm2 } from './sm2-native.ts';
import type { KeyPair, SignatureAlgorithm, Signer } from './types.ts';

export { SM2_DEFAULT_USER_ID };

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const fromB64url = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'));

// Public KeyObjects are cached: building one costs about as much as a verification.
const publicKeyCacheMax = 100_000;
const publicKeyCache = new Map<string, KeyObject>();

function nodePublicKey(alg: 'ed25519' | 'ecdsa-p256', publicKey: Uint8Array): KeyObject | undefined {
  const cacheKey = `${alg}:${toHex(publicKey)}`;
  const cached = publicKeyCache.get(cacheKey);
  if (cached) return cached;
  let key: KeyObject;
  try {
    if (alg === 'ed25519') {
      if (publicKey.length !== 32) return undefined;
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(publicKey) }, format: 'jwk' });
    } else {
      if (publicKey.length !== 65 || publicKey[0] !== 4) return undefined;
      key = createPublicKey({
        key: { kty: 'EC', crv: 'P-256', x: b64url(publicKey.subarray(1, 33)), y: b64url(publicKey.subarray(33, 65)) },
        format: 'jwk',
      });
    }
  } catch {
    return undefined;
  }
  if (publicKeyCache.size >= publicKeyCacheMax) publicKeyCache.clear();
  publicKeyCache.set(cacheKey, key);
  return key;
}

function nodePrivateKey(alg: 'ed25519' | 'ecdsa-p256', privateKey: Uint8Array, publicKey: Uint8Array): KeyObject {
  if (alg === 'ed25519') {
    return createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: b64url(privateKey), x: b64url(publicKey) },
      format: 'jwk',
    });
  }
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: b64url(privateKey),
      x: b64url(publicKey.subarray(1, 33)),
      y: b64url(publicKey.subarray(33, 65)),
    },
    format: 'jwk',
  });
}

/** Generate a fresh key pair from the operating system's CSPRNG. */
export function generateKeyPair(alg: SignatureAlgorithm): KeyPair {
  if (alg === 'sm2') {
    const pair = sm2.generateKeyPairHex();
    return {
      alg,
      publicKey: new Uint8Array(Buffer.from(pair.publicKey, 'hex')),
      privateKey: new Uint8Array(Buffer.from(pair.privateKey.padStart(64, '0'), 'hex')),
    };
  }
  if (alg === 'ed25519') {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    return { alg, publicKey: fromB64url(jwk.x as string), privateKey: fromB64url(jwk.d as string) };
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const publicKey = new Uint8Array(65);
  publicKey[0] = 4;
  publicKey.set(fromB64url(jwk.x as string), 1);
  publicKey.set(fromB64url(jwk.y as string), 33);
  return { alg, publicKey, privateKey: fromB64url(jwk.d as string) };
}

/**
 * Sign `message` with a raw private key. Precondition: the key pair matches `alg`. SM2 signs on the
 * native addon when it is built (see sm2-native.ts), else on sm-crypto-v2; both give signatures
 * that either verifies.
 */
export function sign(keyPair: KeyPair, message: Uint8Array, options: { sm2UserId?: string } = {}): Uint8Array {
  if (keyPair.alg === 'sm2') {
    const userId = options.sm2UserId ?? SM2_DEFAULT_USER_ID;
    if (nativeSm2) return nativeSm2.sign(keyPair.privateKey, keyPair.publicKey, message, userId);
    const signatureHex = sm2.doSignature(message, toHex(keyPair.privateKey), {
      hash: true,
      der: false,
      publicKey: toHex(keyPair.publicKey),
      userId,
    });
    return new Uint8Array(Buffer.from(signatureHex.padStart(128, '0'), 'hex'));
  }
  const key = nodePrivateKey(keyPair.alg, keyPair.privateKey, keyPair.publicKey);
  if (keyPair.alg === 'ed25519') return new Uint8Array(nodeSign(null, message, key));
  return new Uint8Array(nodeSign('sha256', message, { key, dsaEncoding: 'ieee-p1363' }));
}

/**
 * Verify a signature. Returns false (never throws) for a wrong signature, a malformed key or
 * a signature of the wrong length, so callers can map every failure to one reject code. SM2
 * verifies on the native addon when it is built (see sm2-native.ts), else on sm-crypto-v2, with
 * the same answer.
 */
export function verify(
  alg: SignatureAlgorithm,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): boolean {
  if (signature.length !== 64) return false;
  if (alg === 'sm2') {
    if (publicKey.length !== 65 || publicKey[0] !== 4) return false;
    const userId = options.sm2UserId ?? SM2_DEFAULT_USER_ID;
    if (nativeSm2) return nativeSm2.verify(publicKey, message, signature, userId);
    try {
      return sm2.doVerifySignature(message, toHex(signature), toHex(publicKey), {
        hash: true,
        der: false,
        userId,
      });
    } catch {
      return false;
    }
  }
  // Data from the wire may name an algorithm outside the union: never fall through to P-256.
  if (alg !== 'ed25519' && alg !== 'ecdsa-p256') return false;
  const key = nodePublicKey(alg, publicKey);
  if (!key) return false;
  try {
    if (alg === 'ed25519') return nodeVerify(null, message, key, signature);
    return nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** A Signer over an in-memory key pair (the file-based key provider's signer). */
export function keyPairSigner(keyPair: KeyPair): Signer {
  // Build the private KeyObject once: it is reused for every signature.
  if (keyPair.alg === 'sm2') {
    return { alg: keyPair.alg, publicKey: keyPair.publicKey, sign: (message) => sign(keyPair, message) };
  }
  const key = nodePrivateKey(keyPair.alg, keyPair.privateKey, keyPair.publicKey);
  const alg = keyPair.alg;
  return {
    alg,
    publicKey: keyPair.publicKey,
    sign: (message) =>
      alg === 'ed25519'
        ? new Uint8Array(nodeSign(null, message, key))
        : new Uint8Array(nodeSign('sha256', message, { key, dsaEncoding: 'ieee-p1363' })),
  };
}

/** The suite's hash: SHA-256 for `intl`, SM3 for `sm`. Both from the platform's OpenSSL. */
export function suiteHash(suite: 'intl' | 'sm', ...parts: Uint8Array[]): Uint8Array {
  // One-shot hashing (crypto.hash) of the joined parts is ~10 % faster than a Hash object with
  // an update per part for the short inputs of a Merkle tree (a prefix byte and 32 to 64 bytes),
  // and the log's append rate is mostly hashing. The result is a plain Uint8Array view.
  const data = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
  const digest = oneShotHash(suite === 'intl' ? 'sha256' : 'sm3', data, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}

/**
 * The crypto backend on Node's OpenSSL (SM2 on the native addon over that OpenSSL, or sm-crypto-v2
 * when the addon is not built): the default on servers.
 */
export const nodeCrypto: CryptoBackend = { verify, suiteHash };
