import { createPublicKey } from 'node:crypto';
import { FieldproofError, IdSchema } from '@fieldproof/protocol';
// Importing the development CA sets @peculiar/x509's crypto provider (node's webcrypto) and Reflect metadata.
import '../tls/development-ca.ts';
import * as x509 from '@peculiar/x509';

/** What a verified PKCS#10 request yields. */
export interface CertificateRequestIdentity {
  /** The device id, from the subject CN (`dev-1` or `urn:fieldproof:device:dev-1`). */
  deviceId: string;
  /** The key's algorithm in our terms. */
  alg: 'ed25519' | 'ecdsa-p256';
  /** The raw public key (Ed25519 32 bytes, P-256 65-byte uncompressed point). */
  publicKey: Uint8Array;
  /** The request's public key, for the certificate the CA issues. */
  certificateKey: x509.PublicKey;
}

/** Largest CSR PEM accepted (a P-256 or Ed25519 request is well under 1 KiB). */
export const certificateRequestBytesMax = 8_192;

const fail = (message: string): never => {
  throw new FieldproofError('provisioning_request_invalid', message);
};

/**
 * Read a PKCS#10 certificate request (PEM): check its self-signature (proof that the requester holds
 * the private key), take the device id from its subject CN and its P-256 or Ed25519 key. Throws
 * `provisioning_request_invalid` naming what is wrong.
 */
export async function readCertificateRequest(pem: string): Promise<CertificateRequestIdentity> {
  if (pem.length > certificateRequestBytesMax) fail(`the CSR is over ${certificateRequestBytesMax} bytes`);
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(pem);
  } catch (error) {
    return fail(`the CSR is not a PKCS#10 request in PEM: ${(error as Error).message}`);
  }
  let verified = false;
  try {
    verified = await request.verify();
  } catch (error) {
    return fail(`the CSR's signature cannot be checked: ${(error as Error).message}`);
  }
  if (!verified) fail("the CSR's self-signature does not verify with its public key");
  const commonName = request.subjectName.getField('CN')[0];
  const deviceId = commonName?.replace(/^urn:fieldproof:device:/, '');
  if (!deviceId || !IdSchema.safeParse(deviceId).success) {
    fail(`the CSR's subject CN (${commonName ?? 'none'}) is not a device id`);
  }
  const jwk = createPublicKey({
    key: Buffer.from(request.publicKey.rawData),
    format: 'der',
    type: 'spki',
  }).export({ format: 'jwk' });
  let alg: CertificateRequestIdentity['alg'];
  let publicKey: Uint8Array;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x) {
    alg = 'ed25519';
    publicKey = new Uint8Array(Buffer.from(jwk.x, 'base64url'));
  } else if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x && jwk.y) {
    alg = 'ecdsa-p256';
    publicKey = new Uint8Array(
      Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]),
    );
  } else {
    return fail(`the CSR's key is ${jwk.kty}/${jwk.crv ?? '?'}; devices use P-256 or Ed25519`);
  }
  return { deviceId: deviceId as string, alg, publicKey, certificateKey: request.publicKey };
}

/** The X.509 public key of a raw P-256 or Ed25519 key (for a certificate of a device provisioned by key). */
export function certificateKeyOf(alg: 'ed25519' | 'ecdsa-p256', publicKey: Uint8Array): x509.PublicKey {
  const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  const key =
    alg === 'ed25519'
      ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(publicKey) }, format: 'jwk' })
      : createPublicKey({
          key: { kty: 'EC', crv: 'P-256', x: b64url(publicKey.subarray(1, 33)), y: b64url(publicKey.subarray(33, 65)) },
          format: 'jwk',
        });
  const der = key.export({ format: 'der', type: 'spki' });
  return new x509.PublicKey(new Uint8Array(der));
}
