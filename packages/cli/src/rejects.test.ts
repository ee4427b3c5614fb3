import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { type EdgeGateway, startEdgeGateway } from '@fieldproof/edge';
import { hashLeaf, verifyFrameBundle } from '@fieldproof/ledger';
import {
  canonicalize,
  fromBase64,
  GENESIS_BATCH_HASH,
  generateKeyPair,
  keyPairSigner,
  type SignedFrame,
  sign,
  type TrustFile,
  toBase64,
  topics,
  utf8,
} from '@fieldproof/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch } from '../_test/signed-batch.ts';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt-broker.ts';

// The store this file's cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-rejects-'));
const frameBytesMax = 2048;
let broker: EmbeddedBroker;
let cloud: CloudServer;
let edge: EdgeGateway;
let client: MqttClient;

const deviceA = generateKeyPair('ed25519');
const deviceB = generateKeyPair('ecdsa-p256');
const deviceForeign = generateKeyPair('ed25519'); // registered to edge-2, but edge-1 forwards it
const deviceUnknown = generateKeyPair('ed25519'); // known to nobody
const clientA = createDeviceClient({
  deviceId: 'dev-a',
  signer: keyPairSigner(deviceA),
  seqStore: createMemorySeqStore(1),
});
const clientB = createDeviceClient({
  deviceId: 'dev-b',
  signer: keyPairSigner(deviceB),
  seqStore: createMemorySeqStore(1),
});
const clientForeign = createDeviceClient({
  deviceId: 'dev-x',
  signer: keyPairSigner(deviceForeign),
  seqStore: createMemorySeqStore(1),
});
const clientUnknown = createDeviceClient({
  deviceId: 'dev-u',
  signer: keyPairSigner(deviceUnknown),
  seqStore: createMemorySeqStore(1),
});

async function admin(path: string, body: Record<string, string>): Promise<void> {
  const response = await fetch(`${cloud.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
    body: JSON.stringify(body),
  });
  expect(response.ok, await response.clone().text()).toBe(true);
}

async function publish(topic: string, payload: string | Buffer): Promise<void> {
  await client.publishAsync(topic, payload, { qos: 1 });
}

beforeAll(async () => {
  broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  cloud = await startCloudServer({
    ...(await testStoreConfig()),
    dataDir: join(dataDir, 'cloud'),
    http: { port: 0 },
    checkpointIntervalMs: 50,
  });
  edge = await startEdgeGateway({
    edgeId: 'edge-1',
    dataDir: join(dataDir, 'edge-1'),
    mqtt: { url: broker.url },
    http: { port: 0 },
    cloud: { url: cloud.url, retryBaseMs: 50 },
    batch: { intervalMs: 100, framesMax: 100 },
    limits: { frameBytesMax },
    devices: [
      { deviceId: 'dev-a', alg: 'ed25519', publicKey: toBase64(deviceA.publicKey) },
      { deviceId: 'dev-b', alg: 'ecdsa-p256', publicKey: toBase64(deviceB.publicKey) },
      { deviceId: 'dev-x', alg: 'ed25519', publicKey: toBase64(deviceForeign.publicKey) },
    ],
  });
  await admin('/v1/edges', { edgeId: 'edge-1', ...edge.publicKey });
  await admin('/v1/edges', {
    edgeId: 'edge-2',
    alg: 'ed25519',
    publicKey: toBase64(generateKeyPair('ed25519').publicKey),
  });
  await admin('/v1/devices', {
    deviceId: 'dev-a',
    alg: 'ed25519',
    publicKey: toBase64(deviceA.publicKey),
    edgeId: 'edge-1',
  });
  await admin('/v1/devices', {
    deviceId: 'dev-b',
    alg: 'ecdsa-p256',
    publicKey: toBase64(deviceB.publicKey),
    edgeId: 'edge-1',
  });
  await admin('/v1/devices', {
    deviceId: 'dev-x',
    alg: 'ed25519',
    publicKey: toBase64(deviceForeign.publicKey),
    edgeId: 'edge-2',
  });
  client = await mqtt.connectAsync(broker.url, { clientId: 'reject-test-publisher' });
});

afterAll(async () => {
  await client?.endAsync();
  await edge?.stop();
  await cloud?.stop();
  await testStore?.cleanUp();
  await broker?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const reading = (value: number) => [{ kind: 'weight', value, unit: 'kg' }];
const json = (frame: SignedFrame) => JSON.stringify(frame);

describe('reject paths through the real broker, edge and cloud', () => {
  it('rejects each bad input with its own code, counts and keeps it, and every good frame around it lands', async () => {
    const good: SignedFrame[] = [];
    const a1 = clientA.buildFrame(reading(1000));
    good.push(a1);
    await publish(topics.frames('dev-a'), json(a1));

    const altered = clientA.buildFrame(reading(2000));
    (altered.frame.readings[0] as { value: number }).value = 2500; // altered reading
    await publish(topics.frames('dev-a'), json(altered));

    const b1 = clientB.buildFrame(reading(10));
    good.push(b1);
    await publish(topics.frames('dev-b'), json(b1));

    const badSignature = clientB.buildFrame(reading(11));
    const signatureBytes = fromBase64(badSignature.sig) as Uint8Array;
    signatureBytes[10] = (signatureBytes[10] as number) ^ 0xff; // altered signature
    badSignature.sig = toBase64(signatureBytes);
    await publish(topics.frames('dev-b'), json(badSignature));

    const a3 = clientA.buildFrame(reading(1001));
    good.push(a3);
    await publish(topics.frames('dev-a'), json(a3));
    await publish(topics.frames('dev-a'), json(a3)); // an exact re-delivery: a duplicate, stored once, not a reject
    const replay = { ...a3.frame, readings: reading(1) }; // a validly signed frame reusing a spent seq
    const replayed = { frame: replay, alg: a3.alg, sig: toBase64(sign(deviceA, utf8(canonicalize(replay)))) };
    await publish(topics.frames('dev-a'), JSON.stringify(replayed)); // replayed seq

    await publish(topics.frames('dev-u'), json(clientUnknown.buildFrame(reading(5)))); // unknown device
    await publish(topics.frames('dev-x'), json(clientForeign.buildFrame(reading(6)))); // a device of another edge
    await publish(topics.frames('dev-a'), '{"frame": {"deviceId": "dev-a", '); // malformed JSON
    await publish(topics.frames('dev-a'), `{"pad":"${'x'.repeat(frameBytesMax + 100)}"}`); // oversize frame

    const b3 = clientB.buildFrame(reading(12));
    const a4 = clientA.buildFrame(reading(999));
    good.push(b3, a4);
    await publish(topics.frames('dev-b'), json(b3));
    await publish(topics.frames('dev-a'), json(a4));

    // A batch whose header is signed by a key that is not edge-1's.
    const forged = clientA.buildFrame(reading(1));
    const impostor = generateKeyPair('ed25519');
    const forgedUpload = {
      batch: buildBatch(impostor, 'edge-1', 999, GENESIS_BATCH_HASH, [forged]).batch,
      frames: [forged],
    };
    const forgedResponse = await fetch(`${cloud.url}/v1/ingest/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(forgedUpload),
    });
    expect(forgedResponse.status).toBe(422);
    expect(((await forgedResponse.json()) as { error: { code: string } }).error.code).toBe('batch_signature_invalid');

    // Every good frame lands in the cloud, and nothing else does.
    const goodIds = good.map((frame) => Buffer.from(hashLeaf('intl', utf8(canonicalize(frame)))).toString('hex'));
    await waitFor('every good frame in the cloud', async () => {
      for (const id of goodIds) {
        const response = await fetch(`${cloud.url}/v1/frames/${id}`, {
          headers: { authorization: `Bearer ${cloud.adminToken}` },
        });
        if (response.status !== 200) return undefined;
      }
      return true;
    });
    await edge.flush();
    const cloudStatus = await getJson<{ frames: number; rejects: Record<string, number> }>(
      `${cloud.url}/v1/status`,
      cloud.adminToken,
    );
    expect(cloudStatus.frames).toBe(good.length);
    expect(cloudStatus.rejects).toEqual({ batch_signature_invalid: 1, device_not_assigned_to_edge: 1 });

    const edgeStatus = edge.status();
    expect(edgeStatus.rejects).toEqual({
      device_unknown: 1,
      frame_malformed: 1,
      frame_oversize: 1,
      frame_replayed: 1,
      frame_signature_invalid: 2,
    });
    expect(edgeStatus.frames).toBe(good.length + 1); // the good frames and dev-x's, which only the cloud can refuse

    // Each reject is kept for inspection with its code and the payload as it arrived.
    const edgeQuarantine = await getJson<{
      items: { code: string; deviceId: string | null; payloadBytes: number; payloadBase64: string }[];
    }>(`${edge.httpUrl}/v1/quarantine`);
    expect(edgeQuarantine.items.map((item) => item.code).sort()).toEqual([
      'device_unknown',
      'frame_malformed',
      'frame_oversize',
      'frame_replayed',
      'frame_signature_invalid',
      'frame_signature_invalid',
    ]);
    const oversize = edgeQuarantine.items.find((item) => item.code === 'frame_oversize');
    expect(oversize?.payloadBytes).toBeGreaterThan(frameBytesMax);
    const replayedItem = edgeQuarantine.items.find((item) => item.code === 'frame_replayed');
    expect(Buffer.from(replayedItem?.payloadBase64 ?? '', 'base64').toString()).toBe(JSON.stringify(replayed));
    expect(edgeStatus.duplicates).toBe(1);
    const cloudQuarantine = await getJson<{ items: { code: string; edgeId: string }[] }>(
      `${cloud.url}/v1/quarantine`,
      cloud.adminToken,
    );
    expect(cloudQuarantine.items.map((item) => item.code).sort()).toEqual([
      'batch_signature_invalid',
      'device_not_assigned_to_edge',
    ]);

    // The counts are exported for Prometheus too.
    const edgeMetrics = await (await fetch(`${edge.httpUrl}/metrics`)).text();
    expect(edgeMetrics).toContain('fieldproof_edge_rejects_total{code="frame_signature_invalid"} 2');
    expect(edgeMetrics).toContain('fieldproof_edge_duplicates_total 1');
    const cloudMetrics = await (await fetch(`${cloud.url}/metrics`)).text();
    expect(cloudMetrics).toContain('fieldproof_rejects_total{code="batch_signature_invalid"} 1');
    expect(cloudMetrics).toContain('fieldproof_rejects_total{code="device_not_assigned_to_edge"} 1');
    expect(cloudMetrics).toContain(`fieldproof_frames_total ${good.length}\n`);

    // And each good frame's proof verifies.
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    for (const id of goodIds) {
      const bundle = await waitFor(`proof of ${id}`, async () => {
        const response = await fetch(`${cloud.url}/v1/frames/${id}/proof`, {
          headers: { authorization: `Bearer ${cloud.adminToken}` },
        });
        return response.status === 200 ? response.json() : undefined;
      });
      const report = verifyFrameBundle(bundle, trust);
      expect(report.steps.filter((step) => !step.ok)).toEqual([]);
    }
  });

  it('answers an HTTPS-style device through the edge HTTP intake with the reject code', async () => {
    const replay = clientB.buildFrame(reading(1));
    replay.frame.seq = 1; // below what dev-b already used, so re-signing cannot help
    const signed = { ...replay, sig: toBase64(sign(deviceB, utf8(canonicalize(replay.frame)))) };
    const response = await fetch(`${edge.httpUrl}/v1/frames`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(signed),
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('frame_replayed');
    const fresh = clientB.buildFrame(reading(13));
    const accepted = await fetch(`${edge.httpUrl}/v1/frames`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fresh),
    });
    expect(accepted.status).toBe(202);
  });
});
