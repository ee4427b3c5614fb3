import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyFrameBundle } from '@fieldproof/ledger';
import { type FrameProofBundle, type TrustFile, TrustFileSchema } from '@fieldproof/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';
import { demoKeylessDeviceIds, startEmbedded } from './embedded.ts';

// The store the embedded cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}
afterAll(async () => {
  await testStore?.cleanUp();
});

// The embedded default's keyless devices: the demo Modbus power meter and OPC UA weighing
// indicator, served in process, registered edge-attested before the edge starts, their frames
// logged as edge-attested with proofs that verify; the edge's heartbeats reach the cloud.

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-embedded-keyless-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface FrameItem {
  id: string;
  deviceId: string;
  attestation: string;
}

describe('embedded default: keyless devices', () => {
  it('logs edge-attested frames from the demo Modbus meter and OPC UA scale, each with a proof that verifies', async () => {
    const embedded = await startEmbedded({
      ...(await testStoreConfig()),
      dataDir,
      mqttPort: 0,
      httpPort: 0,
      edgePort: 0,
      devicesPerKind: 0,
      batchIntervalMs: 200,
      checkpointIntervalMs: 100,
    });
    try {
      const cloudUrl = embedded.cloud.url;
      expect(embedded.industrial?.deviceIds).toEqual([demoKeylessDeviceIds.meter, demoKeylessDeviceIds.scale]);
      const registered = await getJson<{ items: { deviceId: string; attestation: string }[] }>(
        `${cloudUrl}/v1/devices`,
        embedded.cloud.adminToken,
      );
      expect(
        registered.items
          .filter((item) => item.attestation === 'edge-attested')
          .map((item) => item.deviceId)
          .sort(),
      ).toEqual([demoKeylessDeviceIds.meter, demoKeylessDeviceIds.scale].sort());
      const frames = await waitFor(
        'frames of both keyless devices in the cloud',
        async () => {
          const lists = await Promise.all(
            [demoKeylessDeviceIds.meter, demoKeylessDeviceIds.scale].map(
              async (deviceId) =>
                (
                  await getJson<{ items: FrameItem[] }>(
                    `${cloudUrl}/v1/frames?deviceId=${deviceId}&limit=5`,
                    embedded.cloud.adminToken,
                  )
                ).items,
            ),
          );
          return lists.every((list) => list.length >= 1) ? lists.flat() : undefined;
        },
        60_000,
      );
      for (const item of frames) expect(item.attestation).toBe('edge-attested');
      const trust: TrustFile = TrustFileSchema.parse(await getJson(`${cloudUrl}/v1/trust`));
      for (const deviceId of [demoKeylessDeviceIds.meter, demoKeylessDeviceIds.scale]) {
        const item = frames.find((frame) => frame.deviceId === deviceId) as FrameItem;
        const bundle = await waitFor(`a final proof of ${item.id}`, async () => {
          const response = await fetch(`${cloudUrl}/v1/frames/${item.id}/proof`, {
            headers: { authorization: `Bearer ${embedded.cloud.adminToken}` },
          });
          if (response.status !== 200) return undefined;
          const candidate = (await response.json()) as FrameProofBundle;
          return verifyFrameBundle(candidate, trust).ok ? candidate : undefined;
        });
        expect(verifyFrameBundle(bundle, trust).attestation).toBe('edge-attested');
        expect(bundle.frame.frame.readings.length).toBe(2);
      }
      // The edge's heartbeat reports the keyless devices as connected.
      const health = await waitFor(
        'a heartbeat with both keyless devices connected',
        async () => {
          const answer = await getJson<{
            online: boolean;
            heartbeat: { devices: { deviceId: string; connected?: boolean }[] } | null;
          }>(`${cloudUrl}/v1/edges/edge-1/health`, embedded.cloud.adminToken);
          const connected = answer.heartbeat?.devices
            .filter((device) => device.connected)
            .map((device) => device.deviceId);
          return connected?.length === 2 ? answer : undefined;
        },
        30_000,
      );
      expect(health.online).toBe(true);
    } finally {
      await embedded.stop();
    }
  }, 120_000);
});
