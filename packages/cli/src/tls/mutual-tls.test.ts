import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, type DevelopmentCa, loadOrCreateDevelopmentCa, startCloudServer } from '@fieldproof/cloud';
import {
  createDeviceClient,
  createHttpPublisher,
  createMemorySeqStore,
  createMqttPublisher,
  type FramePublisher,
  PublishError,
} from '@fieldproof/device';
import { type EdgeGateway, startEdgeGateway } from '@fieldproof/edge';
import {
  createTlsFetch,
  type FetchLike,
  generateKeyPair,
  keyPairSigner,
  type TlsMaterial,
  toBase64,
  topics,
} from '@fieldproof/protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../../_test/test-store.ts';
import { waitFor } from '../../_test/wait-for.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../mqtt-broker.ts';

// The store this file's cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}

const folder = mkdtempSync(join(tmpdir(), 'fieldproof-mtls-'));
let ca: DevelopmentCa;
let otherCa: DevelopmentCa;
let broker: EmbeddedBroker;
let cloud: CloudServer;
let edge: EdgeGateway;
let send: FetchLike;
const publishers: FramePublisher[] = [];

const keyA = generateKeyPair('ed25519');
const keyB = generateKeyPair('ecdsa-p256');
const deviceA = createDeviceClient({
  deviceId: 'dev-a',
  signer: keyPairSigner(keyA),
  seqStore: createMemorySeqStore(1),
});
const deviceB = createDeviceClient({
  deviceId: 'dev-b',
  signer: keyPairSigner(keyB),
  seqStore: createMemorySeqStore(1),
});
const reading = (value: number) => [{ kind: 'weight', value, unit: 'kg' }];

/** A client's TLS: the CA to trust, and a certificate of `issuer` naming `deviceId` (none if undefined). */
async function material(deviceId: string | undefined, issuer: DevelopmentCa = ca): Promise<TlsMaterial> {
  const trust = { ca: readFileSync(ca.caFile) };
  if (deviceId === undefined) return trust;
  const issued = await issuer.clientCertificate('device', deviceId);
  return { ...trust, cert: readFileSync(issued.certFile), key: readFileSync(issued.keyFile) };
}

function http(tls: TlsMaterial): FramePublisher {
  const publisher = createHttpPublisher({ url: `${edge.httpUrl}/v1/frames`, tls, timeoutMs: 5_000 });
  publishers.push(publisher);
  return publisher;
}

async function mqttPublisher(deviceId: string, tls: TlsMaterial): Promise<FramePublisher> {
  const publisher = await createMqttPublisher({
    url: broker.url,
    clientId: `device-${deviceId}-${publishers.length}`,
    tls,
    connectTimeoutMs: 3_000,
  });
  publishers.push(publisher);
  return publisher;
}

async function admin(path: string, body: Record<string, string>): Promise<void> {
  const response = await send(`${cloud.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
    body: JSON.stringify(body),
  });
  expect(response.ok, await response.clone().text()).toBe(true);
}

async function loggedSeqs(deviceId: string): Promise<number[]> {
  const response = await send(`${cloud.url}/v1/frames?deviceId=${deviceId}&limit=100`, {
    headers: { authorization: `Bearer ${cloud.adminToken}` },
  });
  const list = (await response.json()) as { items: { seq: number }[] };
  return list.items.map((item) => item.seq).sort((a, b) => a - b);
}

beforeAll(async () => {
  ca = await loadOrCreateDevelopmentCa({ dir: join(folder, 'tls') });
  otherCa = await loadOrCreateDevelopmentCa({ dir: join(folder, 'other-tls') });
  send = createTlsFetch({ ca: readFileSync(ca.caFile) });
  const listener = async (name: string, clientCertificates: 'none' | 'require') => ({
    ...(await ca.serverCertificate(name)),
    clientCertificates,
  });
  broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, tls: await listener('mqtt', 'require') });
  cloud = await startCloudServer({
    ...(await testStoreConfig()),
    dataDir: join(folder, 'cloud'),
    http: { port: 0 },
    checkpointIntervalMs: 50,
    tls: await listener('cloud', 'none'),
  });
  const edgeCertificate = await ca.clientCertificate('edge', 'edge-1');
  edge = await startEdgeGateway({
    edgeId: 'edge-1',
    dataDir: join(folder, 'edge-1'),
    mqtt: { url: broker.url, tls: edgeCertificate },
    http: { port: 0, tls: await listener('edge', 'require') },
    cloud: { url: cloud.url, retryBaseMs: 50, tls: { caFile: ca.caFile } },
    batch: { intervalMs: 100, framesMax: 100 },
    devices: [
      { deviceId: 'dev-a', alg: 'ed25519', publicKey: toBase64(keyA.publicKey) },
      { deviceId: 'dev-b', alg: 'ecdsa-p256', publicKey: toBase64(keyB.publicKey) },
    ],
  });
  await admin('/v1/edges', { edgeId: 'edge-1', ...edge.publicKey });
  await admin('/v1/devices', {
    deviceId: 'dev-a',
    alg: 'ed25519',
    publicKey: toBase64(keyA.publicKey),
    edgeId: 'edge-1',
  });
  await admin('/v1/devices', {
    deviceId: 'dev-b',
    alg: 'ecdsa-p256',
    publicKey: toBase64(keyB.publicKey),
    edgeId: 'edge-1',
  });
});

afterAll(async () => {
  await Promise.allSettled(publishers.map((publisher) => publisher.close()));
  await edge?.stop();
  await cloud?.stop();
  await testStore?.cleanUp();
  await broker?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('mTLS on the edge HTTPS intake (real sockets)', () => {
  it('accepts a frame with its device certificate, refuses no certificate and another CA at the handshake, and quarantines another device’s certificate as device_certificate_mismatch while good frames land', async () => {
    expect(edge.httpUrl).toMatch(/^https:/);
    const withA = http(await material('dev-a'));
    const a1 = deviceA.buildFrame(reading(1));
    await withA.publish(a1);

    const noCertificate = http(await material(undefined));
    await expect(noCertificate.publish(deviceA.buildFrame(reading(2)))).rejects.toMatchObject({
      code: 'network_error',
    });
    const fromOtherCa = http(await material('dev-a', otherCa));
    // (TLS 1.3 sends the client certificate after the server's Finished, so the refusal arrives
    // as an alert or a reset on the first request; either way nothing reaches the edge, see below.)
    await expect(fromOtherCa.publish(deviceA.buildFrame(reading(3)))).rejects.toMatchObject({ code: 'network_error' });

    // dev-a's certificate carrying dev-b's (validly signed) frame.
    const b1 = deviceB.buildFrame(reading(4));
    const refused = await withA.publish(b1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PublishError);
    expect(refused).toMatchObject({ code: 'device_certificate_mismatch', status: 403 });

    const a2 = deviceA.buildFrame(reading(5));
    await withA.publish(a2);
    const b2 = deviceB.buildFrame(reading(6));
    await http(await material('dev-b')).publish(b2);

    expect(edge.status().rejects).toEqual({ device_certificate_mismatch: 1 });
    const quarantine = (await (
      await createTlsFetch(await material('dev-a'))(`${edge.httpUrl}/v1/quarantine`)
    ).json()) as {
      items: { code: string; deviceId: string; message: string }[];
    };
    expect(quarantine.items).toEqual([
      expect.objectContaining({
        code: 'device_certificate_mismatch',
        deviceId: 'dev-b',
        message: 'a frame of dev-b came with the certificate of dev-a',
      }),
    ]);
    await edge.flush();
    // The frames refused at the handshake never reached the edge; their seqs are gaps, not losses.
    expect(await loggedSeqs('dev-a')).toEqual([a1.frame.seq, a2.frame.seq]);
    expect(await loggedSeqs('dev-b')).toEqual([b2.frame.seq]);
  });
});

describe('mTLS on the mqtts broker (real sockets)', () => {
  it('accepts a device’s own certificate, refuses no certificate and another CA, and reroutes a frame on another device’s topic to quarantine as device_certificate_mismatch', async () => {
    expect(broker.url).toMatch(/^mqtts:/);
    const rejectsBefore = edge.status().rejects.device_certificate_mismatch ?? 0;
    const withA = await mqttPublisher('dev-a', await material('dev-a'));
    const a3 = deviceA.buildFrame(reading(7));
    await withA.publish(a3);

    await expect(mqttPublisher('dev-a', await material(undefined))).rejects.toThrow(/alert certificate required/);
    // Another CA's certificate never gets a CONNACK (the alert comes after the client's handshake ends).
    await expect(mqttPublisher('dev-a', await material('dev-a', otherCa))).rejects.toBeInstanceOf(PublishError);

    // A raw client with dev-a's certificate publishes dev-b's frame on dev-b's topic.
    const impostor = await mqtt.connectAsync(broker.url, { clientId: 'impostor', ...(await material('dev-a')) });
    try {
      const b3 = deviceB.buildFrame(reading(8));
      await impostor.publishAsync(topics.frames('dev-b'), JSON.stringify(b3), { qos: 1 });
      // Nor may a device read other devices' frames.
      // (granted QoS 128, which mqtt.js reports as a subscribe error).
      await expect(impostor.subscribeAsync(topics.framesWildcard, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    } finally {
      await impostor.endAsync();
    }
    const a4 = deviceA.buildFrame(reading(9));
    await withA.publish(a4);
    const b4 = deviceB.buildFrame(reading(10));
    await (await mqttPublisher('dev-b', await material('dev-b'))).publish(b4);

    await waitFor('the rerouted frame in quarantine', () =>
      (edge.status().rejects.device_certificate_mismatch ?? 0) === rejectsBefore + 1 ? true : undefined,
    );
    await waitFor('the good frames at the edge', async () => {
      await edge.flush();
      const seqs = await loggedSeqs('dev-a');
      return seqs.includes(a4.frame.seq) && (await loggedSeqs('dev-b')).includes(b4.frame.seq) ? true : undefined;
    });
    expect(await loggedSeqs('dev-a')).toEqual(expect.arrayContaining([a3.frame.seq, a4.frame.seq]));
    expect(Object.keys(edge.status().rejects)).toEqual(['device_certificate_mismatch']);
  });
});
