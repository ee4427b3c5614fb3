import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFieldproofClient } from '@fieldproof/client';
import { verifyFrameBundle } from '@fieldproof/ledger';
import { TrustFileSchema } from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { waitFor } from '../_test/wait-for.ts';
import { type Embedded, startEmbedded } from './embedded.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-typed-client-'));
let embedded: Embedded;
let testStore: TestCloudStore | undefined;
beforeAll(async () => {
  testStore = await testCloudStore();
  embedded = await startEmbedded({
    ...testStore.config,
    dataDir,
    mqttPort: 0,
    httpPort: 0,
    edgePort: 0,
    devicesPerKind: 1,
    ratePerDeviceHz: 10,
    batchIntervalMs: 200,
    checkpointIntervalMs: 100,
  });
});
afterAll(async () => {
  await embedded?.stop();
  await testStore?.cleanUp();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the typed client (@fieldproof/client) against a real cloud', () => {
  it('reads status, devices and frames, and a proof bundle that verifies', async () => {
    const client = createFieldproofClient({ baseUrl: embedded.cloud.url, token: embedded.cloud.adminToken });
    const status = await client.GET('/v1/status');
    expect(status.error).toBeUndefined();
    expect(status.data?.suite).toBe('intl');
    expect(status.data?.origin).toBe(embedded.cloud.origin);

    const devices = await client.GET('/v1/devices', { params: { query: { limit: 2 } } });
    expect(devices.data?.items).toHaveLength(2);
    expect(typeof devices.data?.nextCursor).toBe('string');
    const rest = await client.GET('/v1/devices', { params: { query: { cursor: devices.data?.nextCursor } } });
    expect((rest.data?.items.length ?? 0) + 2).toBe(
      embedded.devices.length + embedded.directDevices.length + (embedded.industrial?.deviceIds.length ?? 0),
    );

    const deviceId = embedded.devices[0]?.deviceId as string;
    const frames = await waitFor('3 frames of the first device', async () => {
      const answer = await client.GET('/v1/frames', { params: { query: { deviceId, limit: 3 } } });
      return (answer.data?.items.length ?? 0) >= 3 ? answer.data?.items : undefined;
    });
    expect(frames.map((frame) => frame.deviceId)).toEqual([deviceId, deviceId, deviceId]);
    const frameId = frames[0]?.id as string;
    const frame = await client.GET('/v1/frames/{id}', { params: { path: { id: frameId } } });
    expect(frame.data?.frame.deviceId).toBe(deviceId);

    const trust = TrustFileSchema.parse((await client.GET('/v1/trust')).data);
    // Until the witnesses cosign a checkpoint covering the frame, the bundle carries the latest one
    // with the cosignatures it has so far, and the log step does not run after that failure: wait
    // for a final one (on a loaded machine, or on PostgreSQL, the first bundle often is not).
    const { bundle, report } = await waitFor('a proof bundle of the frame at a final checkpoint', async () => {
      const answer = await client.GET('/v1/frames/{id}/proof', { params: { path: { id: frameId } } });
      if (!answer.data) return undefined;
      const verified = verifyFrameBundle(answer.data as never, trust);
      const final = verified.steps.some((step) => step.step === 'checkpoint_cosignatures' && step.ok);
      return final ? { bundle: answer.data, report: verified } : undefined;
    });
    expect(bundle.frameId).toBe(frameId);
    // The typed bundle is the one the offline verifier takes: its frame, checkpoint and Merkle steps pass.
    const names = [
      'schema',
      'frame_signature',
      'frame_in_batch',
      'batch_signature',
      'checkpoint_signature',
      'checkpoint_cosignatures',
      'batch_in_log',
    ];
    expect(report.steps.filter((step) => !step.ok && step.step !== 'anchor')).toEqual([]);
    expect(report.steps.filter((step) => names.includes(step.step)).length).toBe(names.length);

    // An error arrives typed, with its stable code.
    const missing = await client.GET('/v1/frames/{id}', { params: { path: { id: '0'.repeat(64) } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error.code).toBe('frame_not_found');
  });
});
