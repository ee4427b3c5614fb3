import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import { createDeviceClient, createMemorySeqStore, createMqttPublisher } from '@fieldproof/device';
import { type EdgeGateway, startEdgeGateway } from '@fieldproof/edge';
import { generateKeyPair, keyPairSigner, toBase64 } from '@fieldproof/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../_test/processes.ts';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt-broker.ts';

// The store this file's cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}

const root = mkdtempSync(join(tmpdir(), 'fieldproof-back-pressure-'));
let broker: EmbeddedBroker | undefined;
let edge: EdgeGateway | undefined;
let cloud: CloudServer | undefined;
afterAll(async () => {
  await edge?.stop();
  await cloud?.stop();
  await testStore?.cleanUp();
  await broker?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('edge back-pressure at the outbox bound', () => {
  it('stops acknowledging at outboxFramesMax while the cloud is away, alerts, and loses nothing when it returns', async () => {
    const outboxFramesMax = 50;
    const sent = 150;
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const cloudPort = await freePort(); // nothing listens there yet: the uplink is down
    const device = generateKeyPair('ed25519');
    edge = await startEdgeGateway({
      edgeId: 'edge-bp',
      dataDir: join(root, 'edge'),
      mqtt: { url: broker.url },
      http: { port: 0 },
      cloud: { url: `http://127.0.0.1:${cloudPort}`, retryBaseMs: 50, retryMaxMs: 200 },
      batch: { intervalMs: 50, framesMax: 20 },
      limits: { outboxFramesMax },
      devices: [{ deviceId: 'bp-1', alg: 'ed25519', publicKey: toBase64(device.publicKey) }],
    });
    const client = createDeviceClient({
      deviceId: 'bp-1',
      signer: keyPairSigner(device),
      seqStore: createMemorySeqStore(1),
    });
    const publisher = await createMqttPublisher({ url: broker.url, clientId: 'bp-device' });
    let acknowledged = 0;
    const acks = Array.from({ length: sent }, (_, index) =>
      publisher.publish(client.buildFrame([{ kind: 'weight', value: index, unit: 'kg' }])).then(() => {
        acknowledged++;
      }),
    );
    await waitFor('back-pressure', () => (edge?.status().backPressure ? true : undefined));
    await new Promise((wake) => setTimeout(wake, 1_000));
    // The edge took exactly the bound; the broker acknowledged the device and holds the rest for
    // the edge's session, unacknowledged by the edge.
    const held = edge.status();
    expect(held.frames + held.inbox).toBe(outboxFramesMax);
    expect(held.backPressureAlerts).toBe(1);
    const httpRefused = await fetch(`${edge.httpUrl}/v1/frames`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(client.buildFrame([{ kind: 'weight', value: -1, unit: 'kg' }])),
    });
    expect(httpRefused.status).toBe(503);
    expect(((await httpRefused.json()) as { error: { code: string } }).error.code).toBe('intake_busy');

    // Register the edge and the device with the cloud first (on another port, so the edge cannot
    // reach it yet: a frame of a device the cloud does not know would be quarantined there).
    const registering = await startCloudServer({
      ...(await testStoreConfig()),
      dataDir: join(root, 'cloud'),
      http: { port: 0 },
    });
    const admin = async (path: string, body: Record<string, string>) => {
      const response = await fetch(`${registering.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${registering.adminToken}` },
        body: JSON.stringify(body),
      });
      expect(response.ok).toBe(true);
    };
    await admin('/v1/edges', { edgeId: 'edge-bp', ...edge.publicKey });
    await admin('/v1/devices', {
      deviceId: 'bp-1',
      alg: 'ed25519',
      publicKey: toBase64(device.publicKey),
      edgeId: 'edge-bp',
    });
    await registering.stop();

    // The cloud comes up where the edge looks for it: the outbox drains, back-pressure lifts, every frame lands.
    cloud = await startCloudServer({
      ...(await testStoreConfig()),
      dataDir: join(root, 'cloud'),
      http: { port: cloudPort },
      checkpointIntervalMs: 100,
    });
    await Promise.all(acks);
    expect(acknowledged).toBe(sent); // by the broker
    const status = await waitFor('every frame in the cloud', async () => {
      const current = await getJson<{ frames: number; quarantined: number }>(
        `${cloud?.url}/v1/status`,
        cloud?.adminToken,
      );
      return current.frames === sent ? current : undefined;
    });
    expect(status.quarantined).toBe(0);
    await waitFor('back-pressure off', () => (edge?.status().backPressure === false ? true : undefined));
    await publisher.close();
    console.log(
      `back-pressure: bound ${outboxFramesMax} frames, held at the bound ${held.frames + held.inbox}, alerts ${held.backPressureAlerts}, HTTP device answered 503 intake_busy; sent ${sent}, acknowledged by the broker ${acknowledged}, in the cloud ${status.frames}, quarantined ${status.quarantined}`,
    );
  });
});
