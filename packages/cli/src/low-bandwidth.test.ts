import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import { createDeviceClient, createMemorySeqStore, createSimulator, simulatorKinds } from '@fieldproof/device';
import { type EdgeGateway, startEdgeGateway } from '@fieldproof/edge';
import { verifyFrameBundle } from '@fieldproof/ledger';
import { generateKeyPair, keyPairSigner, type SignedFrame, type TrustFile, toBase64 } from '@fieldproof/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { type CountingProxy, startCountingProxy } from '../_test/counting-proxy.ts';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';

// The store this file's cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}

// Three edges take the same frames from the same kinds of simulated devices and uplink them to one
// real cloud, each through its own TCP relay that counts the bytes on the wire (HTTP headers and
// responses included): the standard profile, the low-bandwidth profile (gzip) and low-bandwidth
// with brotli. Frames arrive in 10 rounds half a second apart (about 1,200 frames/s over 5 s) so the standard edge cuts its usual
// one-second batches; the low-bandwidth edges would wait 30 s and are flushed instead.
const root = mkdtempSync(join(tmpdir(), 'fieldproof-low-bandwidth-'));
let cloud: CloudServer | undefined;
const edges: EdgeGateway[] = [];
const proxies: CountingProxy[] = [];
afterAll(async () => {
  for (const edge of edges) await edge.stop();
  for (const proxy of proxies) await proxy.close();
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

const devicesPerEdge = 20;
const framesPerDevice = 100;
const rounds = 10;

describe('low-bandwidth uplink profile', () => {
  it('puts fewer bytes per frame on the wire and every frame still verifies end to end', async () => {
    cloud = await startCloudServer({
      ...(await testStoreConfig()),
      dataDir: join(root, 'cloud'),
      http: { port: 0 },
      checkpointIntervalMs: 100,
    });
    const cloudPort = Number(new URL(cloud.url).port);
    const admin = async (path: string, body: Record<string, string>) => {
      const response = await fetch(`${cloud?.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud?.adminToken}` },
        body: JSON.stringify(body),
      });
      expect(response.ok, await response.clone().text()).toBe(true);
    };
    const variants = [
      { name: 'standard', settings: { profile: 'standard' as const } },
      { name: 'low-bandwidth gzip', settings: { profile: 'low-bandwidth' as const } },
      {
        name: 'low-bandwidth br',
        settings: { profile: 'low-bandwidth' as const, uplink: { compression: 'br' as const } },
      },
    ];
    const fleets = [];
    for (const [index, variant] of variants.entries()) {
      const proxy = await startCountingProxy(cloudPort);
      proxies.push(proxy);
      const edgeId = `edge-lb-${index}`;
      const devices = Array.from({ length: devicesPerEdge }, (_, number) => {
        const keyPair = generateKeyPair('ed25519');
        const deviceId = `${edgeId}-d${number}`;
        const kind = simulatorKinds[number % simulatorKinds.length] as (typeof simulatorKinds)[number];
        return {
          deviceId,
          keyPair,
          // The same seed per position, so each edge carries the same readings.
          simulator: createSimulator(kind, {
            seed: number,
            deviceId: `d${number}`,
            startTimeMs: 1.7e12,
            periodMs: 1_000,
          }),
          client: createDeviceClient({ deviceId, signer: keyPairSigner(keyPair), seqStore: createMemorySeqStore(1) }),
        };
      });
      const edge = await startEdgeGateway({
        edgeId,
        dataDir: join(root, edgeId),
        http: { port: 0 },
        cloud: { url: proxy.url, retryBaseMs: 50, retryMaxMs: 500 },
        ...variant.settings,
        devices: devices.map((device) => ({
          deviceId: device.deviceId,
          alg: 'ed25519',
          publicKey: toBase64(device.keyPair.publicKey),
        })),
      });
      edges.push(edge);
      await admin('/v1/edges', { edgeId, ...edge.publicKey });
      for (const device of devices) {
        await admin('/v1/devices', {
          deviceId: device.deviceId,
          alg: 'ed25519',
          publicKey: toBase64(device.keyPair.publicKey),
          edgeId,
        });
      }
      fleets.push({ variant, proxy, edge, devices });
    }
    expect(edges[1]?.status().profile).toBe('low-bandwidth');
    expect(edges[1]?.status().uplink.compression).toBe('gzip');

    const post = async (edge: EdgeGateway, frame: SignedFrame) => {
      const response = await fetch(`${edge.httpUrl}/v1/frames`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(frame),
      });
      expect(response.status, await response.clone().text()).toBe(202);
    };
    for (let round = 0; round < rounds; round++) {
      const started = Date.now();
      await Promise.all(
        fleets.flatMap((fleet) =>
          fleet.devices.map(async (device) => {
            for (let index = 0; index < framesPerDevice / rounds; index++) {
              const sample = device.simulator.next();
              await post(fleet.edge, device.client.buildFrame(sample.readings, sample.deviceTimeMs));
            }
          }),
        ),
      );
      await new Promise((wake) => setTimeout(wake, Math.max(0, 500 - (Date.now() - started))));
    }
    for (const edge of edges) await edge.flush();
    const perEdge = devicesPerEdge * framesPerDevice;
    await waitFor('every frame in the cloud', async () => {
      const status = await getJson<{ frames: number }>(`${cloud?.url}/v1/status`, cloud?.adminToken);
      return status.frames === perEdge * fleets.length ? status : undefined;
    });

    const lines: string[] = [];
    const bytesPerFrame: number[] = [];
    for (const fleet of fleets) {
      const status = fleet.edge.status();
      expect(status.uplink.framesSent).toBe(perEdge);
      const wire = fleet.proxy.bytesUp / perEdge;
      bytesPerFrame.push(wire);
      lines.push(
        `  ${fleet.variant.name.padEnd(20)} ${status.uplink.batchesSent} batches, ${wire.toFixed(1)} bytes/frame on the wire up (${(fleet.proxy.bytesDown / perEdge).toFixed(1)} down), bodies ${status.uplink.bodyBytesUncompressed} → ${status.uplink.bodyBytesSent} bytes (${(status.uplink.bodyBytesUncompressed / status.uplink.bodyBytesSent).toFixed(2)}×)`,
      );
    }
    console.log(`low-bandwidth: ${perEdge} frames per edge, ${devicesPerEdge} devices\n${lines.join('\n')}`);
    const [standard, gzipped, brotli] = bytesPerFrame as [number, number, number];
    expect(gzipped).toBeLessThan(standard / 2);
    expect(brotli).toBeLessThan(standard / 2);

    // Everything still verifies end to end: a proof of a frame of each edge checks offline.
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    for (const fleet of fleets) {
      const device = fleet.devices[3] as (typeof fleet.devices)[number];
      const list = await getJson<{ items: { id: string; seq: number }[] }>(
        `${cloud.url}/v1/frames?deviceId=${device.deviceId}&limit=1000`,
        cloud.adminToken,
      );
      expect(list.items.map((item) => item.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: framesPerDevice }, (_, index) => index + 1),
      );
      const id = (list.items[list.items.length - 1] as { id: string }).id;
      const bundle = await waitFor(`proof of ${id}`, async () => {
        const response = await fetch(`${cloud?.url}/v1/frames/${id}/proof`, {
          headers: { authorization: `Bearer ${cloud?.adminToken}` },
        });
        return response.status === 200 ? response.json() : undefined;
      });
      expect(verifyFrameBundle(bundle, trust).steps.filter((step) => !step.ok)).toEqual([]);
    }
  }, 120_000);

  it('rejects a compressed body that inflates past batchBytesMax with payload_too_large, counted, and nothing else changes', async () => {
    const url = `${cloud?.url}/v1/ingest/batches`;
    const before = await getJson<{ frames: number; batches: number; rejects: Record<string, number> }>(
      `${cloud?.url}/v1/status`,
      cloud?.adminToken,
    );
    // 64 MiB of spaces (valid JSON whitespace) against the default batchBytesMax of 32 MiB.
    const inflated = Buffer.alloc(64 * 2 ** 20, 0x20);
    const bombs = [
      { encoding: 'gzip', body: gzipSync(inflated, { level: 9 }) },
      { encoding: 'br', body: brotliCompressSync(inflated) },
    ];
    for (const bomb of bombs) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': bomb.encoding },
        body: bomb.body,
      });
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    }
    const unknown = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' },
      body: Buffer.from('{}'),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('batch_malformed');
    const after = await getJson<{ frames: number; batches: number; rejects: Record<string, number> }>(
      `${cloud?.url}/v1/status`,
      cloud?.adminToken,
    );
    expect(after.rejects.payload_too_large).toBe(2);
    expect(after.frames).toBe(before.frames);
    expect(after.batches).toBe(before.batches);
    console.log(
      `low-bandwidth: zip bombs ${bombs.map((bomb) => `${bomb.encoding} ${bomb.body.length} bytes → 64 MiB`).join(', ')} rejected payload_too_large (counted ${after.rejects.payload_too_large}); frames and batches unchanged`,
    );
  });
});
