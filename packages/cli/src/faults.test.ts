import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeviceClient, createMemorySeqStore, createMqttPublisher, type FramePublisher } from '@fieldproof/device';
import { generateKeyPair, keyPairSigner, toBase64 } from '@fieldproof/protocol';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type RunningProcess, spawnFieldproof, startMosquitto, waitForPort } from '../_test/processes.ts';
import { storeArguments, type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';

// Real processes: a private Mosquitto with persistence, `fieldproof cloud` and `fieldproof edge`
// each in its own process, killed with SIGKILL mid-stream and restarted.
const root = mkdtempSync(join(tmpdir(), 'fieldproof-faults-'));
const running: RunningProcess[] = [];
// The cloud processes' stores (FIELDPROOF_TEST_STORE), dropped once every process is gone.
const stores: TestCloudStore[] = [];
afterAll(async () => {
  for (const process of running) {
    if (process.child.exitCode === null) {
      process.child.kill('SIGKILL');
      await process.exited;
    }
  }
  for (const store of stores) await store.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

const deviceCount = 4;
const framesPerDevice = 400;
const publishIntervalMs = 8;

describe('no acknowledged frame is lost: kill -9 of the edge and the cloud, and a broker restart, mid-stream', () => {
  it('logs every frame sent exactly once', async () => {
    const mqttPort = await freePort();
    const cloudPort = await freePort();
    const cloudDir = join(root, 'cloud');
    const edgeDir = join(root, 'edge');
    let broker = startMosquitto(mqttPort, join(root, 'mosquitto'));
    running.push(broker);
    await waitForPort(mqttPort);
    const testStore = await testCloudStore();
    stores.push(testStore);
    const startCloud = () => {
      const cloud = spawnFieldproof(
        [
          'cloud',
          ...storeArguments(testStore),
          '--data-dir',
          cloudDir,
          '--http-port',
          String(cloudPort),
          '--checkpoint-interval-ms',
          '200',
        ],
        'cloud',
      );
      running.push(cloud);
      return cloud;
    };
    let cloud = startCloud();
    await cloud.waitForLine(/cloud listening/);
    const cloudUrl = `http://127.0.0.1:${cloudPort}`;
    const adminToken = readFileSync(join(cloudDir, 'keys', 'admin-token'), 'utf8').trim();
    const admin = async (path: string, body: Record<string, string>) => {
      const response = await fetch(`${cloudUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify(body),
      });
      expect(response.ok, await response.clone().text()).toBe(true);
    };

    const devices = Array.from({ length: deviceCount }, (_, index) => {
      const keyPair = generateKeyPair('ed25519');
      const deviceId = `fault-${index}`;
      return {
        deviceId,
        keyPair,
        client: createDeviceClient({ deviceId, signer: keyPairSigner(keyPair), seqStore: createMemorySeqStore(1) }),
      };
    });
    const edgeConfigPath = join(root, 'edge.json');
    writeFileSync(
      edgeConfigPath,
      JSON.stringify({
        edgeId: 'edge-f',
        dataDir: edgeDir,
        mqtt: { url: `mqtt://127.0.0.1:${mqttPort}` },
        cloud: { url: cloudUrl, retryBaseMs: 50, retryMaxMs: 500, timeoutMs: 5_000 },
        batch: { intervalMs: 100, framesMax: 500 },
        devices: devices.map((device) => ({
          deviceId: device.deviceId,
          alg: 'ed25519',
          publicKey: toBase64(device.keyPair.publicKey),
        })),
      }),
    );
    const startEdge = () => {
      const edge = spawnFieldproof(['edge', '--config', edgeConfigPath], 'edge');
      running.push(edge);
      return edge;
    };
    let edge = startEdge();
    await edge.waitForLine(/edge running/);
    const edgeKey = JSON.parse(readFileSync(join(edgeDir, 'edge-key.json'), 'utf8')) as {
      alg: string;
      publicKey: string;
    };
    await admin('/v1/edges', { edgeId: 'edge-f', alg: edgeKey.alg, publicKey: edgeKey.publicKey });
    for (const device of devices) {
      await admin('/v1/devices', {
        deviceId: device.deviceId,
        alg: 'ed25519',
        publicKey: toBase64(device.keyPair.publicKey),
        edgeId: 'edge-f',
      });
    }

    const publishers: FramePublisher[] = [];
    for (const device of devices) {
      publishers.push(
        await createMqttPublisher({
          url: `mqtt://127.0.0.1:${mqttPort}`,
          clientId: `device-${device.deviceId}`,
          inflightMax: 10_000,
        }),
      );
    }
    const acknowledged: Promise<void>[] = [];
    const sending = (async () => {
      for (let round = 0; round < framesPerDevice; round++) {
        devices.forEach((device, index) => {
          const frame = device.client.buildFrame([{ kind: 'weight', value: 1000 + round, unit: 'kg' }]);
          acknowledged.push((publishers[index] as FramePublisher).publish(frame));
        });
        await new Promise((wake) => setTimeout(wake, publishIntervalMs));
      }
    })();

    const faults = (async () => {
      await new Promise((wake) => setTimeout(wake, 700));
      edge.child.kill('SIGKILL');
      await edge.exited;
      edge = startEdge();
      await edge.waitForLine(/edge running/);
      await new Promise((wake) => setTimeout(wake, 700));
      cloud.child.kill('SIGKILL');
      await cloud.exited;
      cloud = startCloud();
      await cloud.waitForLine(/cloud listening/);
      await new Promise((wake) => setTimeout(wake, 500));
      broker.child.kill('SIGTERM');
      await broker.exited;
      broker = startMosquitto(mqttPort, join(root, 'mosquitto'));
      running.push(broker);
      await waitForPort(mqttPort);
    })();
    await Promise.all([sending, faults]);
    await Promise.all(acknowledged);
    const sent = deviceCount * framesPerDevice;

    const status = await waitFor(
      `all ${sent} frames in the cloud`,
      async () => {
        const current = await getJson<{ frames: number; batches: number; logSize: number; quarantined: number }>(
          `${cloudUrl}/v1/status`,
          adminToken,
        );
        return current.frames >= sent ? current : undefined;
      },
      90_000,
    );
    expect(status.frames).toBe(sent);
    expect(status.logSize).toBe(status.batches);
    expect(status.quarantined).toBe(0);
    for (const device of devices) {
      const list = await getJson<{ items: { seq: number }[] }>(
        `${cloudUrl}/v1/frames?deviceId=${device.deviceId}&limit=1000`,
        adminToken,
      );
      const seqs = list.items.map((item) => item.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: framesPerDevice }, (_, index) => index + 1));
    }
    for (const publisher of publishers) await publisher.close();
    edge.child.kill('SIGTERM');
    await edge.exited;
    const edgeDb = new Database(join(edgeDir, 'edge.db'), { readonly: true });
    const edgeQuarantine = (edgeDb.prepare('SELECT count(*) AS n FROM quarantine').get() as { n: number }).n;
    const duplicates = Number(
      (edgeDb.prepare("SELECT value FROM meta WHERE key = 'duplicates'").get() as { value: string } | undefined)
        ?.value ?? 0,
    );
    edgeDb.close();
    expect(edgeQuarantine).toBe(0);
    console.log(
      `faults: frames sent ${sent}, acknowledged ${sent}, in the log ${status.frames} (${status.batches} batches, log size ${status.logSize}); duplicates absorbed at the edge ${duplicates}; quarantined 0`,
    );
  }, 180_000);
});
