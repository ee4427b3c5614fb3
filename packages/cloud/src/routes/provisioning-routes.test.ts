import { X509Certificate as NodeX509Certificate, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, type KeyPair, toBase64 } from '@fieldproof/protocol';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchPoster, signWeightFrame } from '../../_test/signed-batch.ts';
import { type TestCloudStore, testCloudStore } from '../../_test/test-store.ts';
import { type CloudServer, startCloudServer } from '../server.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const root = mkdtempSync(join(tmpdir(), 'fieldproof-provisioning-'));
const provisioningBatchMax = 4;
let cloud: CloudServer;
const edgeKey = generateKeyPair('ed25519');

/** The WebCrypto keys of one of our raw key pairs, so the CSR is signed by the key the device signs frames with. */
async function cryptoKeys(
  keyPair: KeyPair,
): Promise<{ privateKey: webcrypto.CryptoKey; publicKey: webcrypto.CryptoKey }> {
  const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  const algorithm = keyPair.alg === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const publicJwk =
    keyPair.alg === 'ed25519'
      ? { kty: 'OKP', crv: 'Ed25519', x: b64url(keyPair.publicKey) }
      : {
          kty: 'EC',
          crv: 'P-256',
          x: b64url(keyPair.publicKey.subarray(1, 33)),
          y: b64url(keyPair.publicKey.subarray(33, 65)),
        };
  const privateKey = await webcrypto.subtle.importKey(
    'jwk',
    { ...publicJwk, d: b64url(keyPair.privateKey) },
    algorithm,
    true,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey('jwk', publicJwk, algorithm, true, ['verify']);
  return { privateKey, publicKey };
}

async function csrFor(keyPair: KeyPair, commonName: string): Promise<string> {
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys: await cryptoKeys(keyPair),
    signingAlgorithm: keyPair.alg === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' },
  });
  return request.toString('pem');
}

/** The same CSR with one bit of its signature flipped. */
function withBadSignature(pem: string): string {
  const der = Buffer.from(new x509.Pkcs10CertificateRequest(pem).rawData);
  der[der.length - 5] = (der[der.length - 5] as number) ^ 0x01;
  return new x509.Pkcs10CertificateRequest(der).toString('pem');
}

async function provision(devices: unknown[]) {
  const response = await fetch(`${cloud.url}/v1/provisioning/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cloud.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ devices }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field.
  return { status: response.status, body: (await response.json()) as any };
}

let testStore: TestCloudStore | undefined;
beforeAll(async () => {
  testStore = await testCloudStore();
  cloud = await startCloudServer({
    ...testStore.config,
    dataDir: join(root, 'cloud'),
    http: { port: 0 },
    limits: { provisioningBatchMax },
  });
  const response = await fetch(`${cloud.url}/v1/edges`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cloud.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ edgeId: 'edge-1', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) }),
  });
  expect(response.status).toBe(201);
});
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

describe('POST /v1/provisioning/devices', () => {
  it('registers devices from real CSRs (P-256, Ed25519) and a public key, with certificates from the dev CA; refuses a bad signature per item', async () => {
    const p256 = generateKeyPair('ecdsa-p256');
    const ed25519 = generateKeyPair('ed25519');
    const byKey = generateKeyPair('ed25519');
    const forged = withBadSignature(await csrFor(generateKeyPair('ecdsa-p256'), 'dev-forged'));
    const answer = await provision([
      { csr: await csrFor(p256, 'dev-csr-p256'), edgeId: 'edge-1' },
      { csr: await csrFor(ed25519, 'urn:fieldproof:device:dev-csr-ed'), edgeId: 'edge-1', activate: false },
      { csr: forged, edgeId: 'edge-1' },
      { deviceId: 'dev-by-key', alg: 'ed25519', publicKey: toBase64(byKey.publicKey), edgeId: 'edge-1' },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ created: 3, failed: 1 });
    const [first, second, third, fourth] = answer.body.items;
    expect(first).toMatchObject({ index: 0, ok: true, deviceId: 'dev-csr-p256', alg: 'ecdsa-p256', status: 'active' });
    expect(second).toMatchObject({ index: 1, ok: true, deviceId: 'dev-csr-ed', alg: 'ed25519', status: 'registered' });
    expect(third).toMatchObject({ index: 2, ok: false, code: 'provisioning_request_invalid' });
    expect(third.message).toContain('self-signature');
    expect(fourth).toMatchObject({ index: 3, ok: true, deviceId: 'dev-by-key', status: 'active' });

    // Each certificate chains to the development CA and certifies the device's own key.
    const ca = new NodeX509Certificate(readFileSync(join(root, 'cloud', 'tls', 'ca.pem')));
    for (const [item, keyPair] of [
      [first, p256],
      [second, ed25519],
      [fourth, byKey],
    ] as const) {
      const certificate = new NodeX509Certificate(item.certificate);
      expect(certificate.verify(ca.publicKey)).toBe(true);
      expect(certificate.checkIssued(ca)).toBe(true);
      expect(certificate.subjectAltName).toBe(`URI:urn:fieldproof:device:${item.deviceId}`);
      const jwk = certificate.publicKey.export({ format: 'jwk' });
      const raw =
        keyPair.alg === 'ed25519'
          ? Buffer.from(jwk.x as string, 'base64url')
          : Buffer.concat([
              Buffer.from([4]),
              Buffer.from(jwk.x as string, 'base64url'),
              Buffer.from(jwk.y as string, 'base64url'),
            ]);
      expect(raw.equals(Buffer.from(keyPair.publicKey))).toBe(true);
    }

    // The device registered from its CSR signs frames with the same key, and they land.
    const edge = createBatchPoster(cloud.url, edgeKey, 'edge-1');
    const landed = await edge.post([
      signWeightFrame(p256, 'dev-csr-p256', 1, 1_700_000_000_000),
      signWeightFrame(ed25519, 'dev-csr-ed', 1, 1_700_000_000_000),
    ]);
    expect(landed.body.framesStored).toBe(1);
    expect(landed.body.framesRejected).toEqual([expect.objectContaining({ index: 1, code: 'device_inactive' })]);

    // Provisioning the same device again is idempotent; with another key it is refused.
    const again = await provision([
      { csr: await csrFor(p256, 'dev-csr-p256'), edgeId: 'edge-1' },
      { csr: await csrFor(generateKeyPair('ecdsa-p256'), 'dev-csr-p256'), edgeId: 'edge-1' },
      { csr: await csrFor(generateKeyPair('ecdsa-p256'), 'dev-other'), edgeId: 'edge-none' },
      { csr: 'not a csr', edgeId: 'edge-1' },
    ]);
    expect(
      again.body.items.map((item: { ok: boolean; created?: boolean; code?: string }) => item.code ?? item.created),
    ).toEqual([false, 'device_key_invalid', 'edge_unknown', 'provisioning_request_invalid']);
  });

  it('refuses more than provisioningBatchMax items and calls without the admin token', async () => {
    const items = Array.from({ length: provisioningBatchMax + 1 }, (_, index) => ({
      deviceId: `dev-many-${index}`,
      alg: 'ed25519',
      publicKey: toBase64(generateKeyPair('ed25519').publicKey),
      edgeId: 'edge-1',
    }));
    const tooMany = await provision(items);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toContain('provisioningBatchMax');
    const anonymous = await fetch(`${cloud.url}/v1/provisioning/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ devices: items.slice(0, 1) }),
    });
    expect(anonymous.status).toBe(401);
  });
});
