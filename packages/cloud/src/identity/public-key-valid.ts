import { createPublicKey } from 'node:crypto';
import type { SignatureAlgorithm } from '@fieldproof/protocol';

/**
 * Whether `publicKey` is a raw public key of `alg` (Ed25519: 32 bytes on the curve; P-256 and SM2:
 * a 65-byte uncompressed point, on the curve for P-256). Checked where a key enters the registry so
 * that a typo is refused there, not found later as frames that never verify.
 */
export function publicKeyValid(alg: SignatureAlgorithm, publicKey: Uint8Array): boolean {
  const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  try {
    if (alg === 'ed25519') {
      if (publicKey.length !== 32) return false;
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(publicKey) }, format: 'jwk' });
      return true;
    }
    if (publicKey.length !== 65 || publicKey[0] !== 4) return false;
    if (alg === 'sm2') return true;
    createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64url(publicKey.subarray(1, 33)), y: b64url(publicKey.subarray(33, 65)) },
      format: 'jwk',
    });
    return true;
  } catch {
    return false;
  }
}
