// Signature verification worker for verify-pool.ts. Plain JavaScript (ES module, JSDoc types) so
// that plain node, tsx and vitest all load it without a TypeScript loader in the worker thread.
//
// One message from the pool is one chunk: { id, buffer } where `buffer` is laid out as
//   u32 count | count × (u32 alg, u32 publicKeyLength, u32 messageLength, u32 signatureLength)
//   | for each item: publicKey bytes, message bytes, signature bytes
// (u32 in the host's byte order: both threads run on the same machine). The reply is
// { id, results } with one byte per item (1 valid, 0 not), or { id, error }.
//
// The checks mirror `verify` in signatures.ts exactly, so the pool and the inline path agree.
// SM2 runs on the native addon (sm2.c) when the pool says the main thread uses it (workerData
// `sm2AddonPath`, see sm2-native.ts), else on sm-crypto-v2.

import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { sm2 } from 'sm-crypto-v2';

/** Algorithm codes on the wire; keep in step with verify-pool.ts. */
const algorithmEd25519 = 1;
const algorithmEcdsaP256 = 2;
const algorithmSm2 = 3;

const sm2DefaultUserId = '1234567812345678';
const sm2DefaultUserIdBytes = new TextEncoder().encode(sm2DefaultUserId);
const signatureLength = 64;

/**
 * The native addon's verify function, or null for sm-crypto-v2. The main thread has loaded and
 * self-checked the same file; should it fail to load here, the pure-JS path gives the same answers.
 * @returns {((publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, id: Uint8Array) => boolean) | null}
 */
function loadNativeSm2Verify() {
  /** @type {unknown} */
  const path = workerData?.sm2AddonPath;
  if (typeof path !== 'string') return null;
  try {
    /** @type {{ sm2Verify?: unknown }} */
    const addon = createRequire(import.meta.url)(path);
    const sm2Verify = addon.sm2Verify;
    if (typeof sm2Verify !== 'function') return null;
    return /** @type {(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, id: Uint8Array) => boolean} */ (
      sm2Verify
    );
  } catch {
    return null;
  }
}

const nativeSm2Verify = loadNativeSm2Verify();

// Building a KeyObject costs about as much as a verification, and devices sign many frames with
// one key. The cache is bounded: when full, the oldest entry goes (Map keeps insertion order).
const publicKeyCacheMax = 20_000;
/** @type {Map<string, import('node:crypto').KeyObject>} */
const publicKeyCache = new Map();

/**
 * @param {Uint8Array} bytes
 * @returns {string}
 */
function toHex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * @param {Uint8Array} bytes
 * @returns {string}
 */
function toBase64Url(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * A public KeyObject for a raw key, or null when the bytes are not a key of that algorithm.
 * @param {number} algorithm
 * @param {Uint8Array} publicKey
 * @returns {import('node:crypto').KeyObject | null}
 */
function nodePublicKey(algorithm, publicKey) {
  const cacheKey = `${algorithm}:${toHex(publicKey)}`;
  const cached = publicKeyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  /** @type {import('node:crypto').KeyObject | null} */
  let key = null;
  try {
    if (algorithm === algorithmEd25519) {
      if (publicKey.length === 32) {
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) }, format: 'jwk' });
      }
    } else if (publicKey.length === 65 && publicKey[0] === 4) {
      key = createPublicKey({
        key: {
          kty: 'EC',
          crv: 'P-256',
          x: toBase64Url(publicKey.subarray(1, 33)),
          y: toBase64Url(publicKey.subarray(33, 65)),
        },
        format: 'jwk',
      });
    }
  } catch {
    return null;
  }
  if (!key) return null;
  if (publicKeyCache.size >= publicKeyCacheMax) {
    const oldest = publicKeyCache.keys().next();
    if (!oldest.done) publicKeyCache.delete(oldest.value);
  }
  publicKeyCache.set(cacheKey, key);
  return key;
}

/**
 * Verify one item; false (never a throw) for anything that is not a valid signature.
 * @param {number} algorithm
 * @param {Uint8Array} publicKey
 * @param {Uint8Array} message
 * @param {Uint8Array} signature
 * @returns {boolean}
 */
function verifyOne(algorithm, publicKey, message, signature) {
  if (signature.length !== signatureLength) return false;
  if (algorithm === algorithmSm2) {
    if (publicKey.length !== 65 || publicKey[0] !== 4) return false;
    try {
      if (nativeSm2Verify) return nativeSm2Verify(publicKey, message, signature, sm2DefaultUserIdBytes);
      return sm2.doVerifySignature(message, toHex(signature), toHex(publicKey), {
        hash: true,
        der: false,
        userId: sm2DefaultUserId,
      });
    } catch {
      return false;
    }
  }
  if (algorithm !== algorithmEd25519 && algorithm !== algorithmEcdsaP256) return false;
  const key = nodePublicKey(algorithm, publicKey);
  if (!key) return false;
  try {
    if (algorithm === algorithmEd25519) return nodeVerify(null, message, key, signature);
    return nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * Verify every item of one chunk.
 * @param {ArrayBuffer} buffer
 * @returns {Uint8Array} one byte per item, 1 when the signature is valid
 */
function verifyChunk(buffer) {
  const count = new Uint32Array(buffer, 0, 1)[0] ?? 0;
  const header = new Uint32Array(buffer, 4, count * 4);
  const results = new Uint8Array(count);
  let offset = 4 + count * 16;
  for (let index = 0; index < count; index++) {
    const algorithm = header[index * 4] ?? 0;
    const publicKeyLength = header[index * 4 + 1] ?? 0;
    const messageLength = header[index * 4 + 2] ?? 0;
    const signatureByteLength = header[index * 4 + 3] ?? 0;
    const publicKey = new Uint8Array(buffer, offset, publicKeyLength);
    offset += publicKeyLength;
    const message = new Uint8Array(buffer, offset, messageLength);
    offset += messageLength;
    const signature = new Uint8Array(buffer, offset, signatureByteLength);
    offset += signatureByteLength;
    results[index] = verifyOne(algorithm, publicKey, message, signature) ? 1 : 0;
  }
  if (offset !== buffer.byteLength) throw new Error(`chunk holds ${buffer.byteLength} bytes, items cover ${offset}`);
  return results;
}

if (!parentPort) throw new Error('verify-worker.js runs only as a worker thread of verify-pool.ts');
const port = parentPort;

port.on(
  'message',
  /** @param {{ id: number, buffer: ArrayBuffer }} request */
  (request) => {
    try {
      const results = verifyChunk(request.buffer);
      port.postMessage({ id: request.id, results: results.buffer }, [results.buffer]);
    } catch (error) {
      port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  },
);
