import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatorKinds } from '@fieldproof/device';
import { collectCosignatures, verifyFrameBundle } from '@fieldproof/ledger';
import { type FrameProofBundle, fromBase64, type TrustFile, TrustFileSchema } from '@fieldproof/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';
import { runVerify } from './commands/verify.ts';
import { startEmbedded } from './embedded.ts';

// The store the embedded cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}
afterAll(async () => {
  await testStore?.cleanUp();
});

interface FrameList {
  items: { id: string; deviceId: string; seq: number }[];
}

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Signature lines of a note: the log's one, then the witnesses' cosignatures. */
function signatureLineCount(note: string): number {
  return note.split('\n').filter((line) => line.startsWith('— ')).length;
}

async function fetchBundle(cloudUrl: string, frameId: string, token: string): Promise<FrameProofBundle> {
  return waitFor(`a proof of ${frameId} at a final checkpoint`, async () => {
    const response = await fetch(`${cloudUrl}/v1/frames/${frameId}/proof`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status === 409) return undefined; // proof_not_ready: no checkpoint covers it yet
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    const bundle = (await response.json()) as FrameProofBundle;
    // Until 3 of the 4 witnesses cosigned a checkpoint covering it, the bundle is not final.
    return signatureLineCount(bundle.checkpoint) >= 1 + 3 ? bundle : undefined;
  });
}

/** The valid cosignatures of the trust file's witnesses on a bundle's checkpoint. */
function validCosigners(bundle: FrameProofBundle, trust: TrustFile): string[] {
  const log = trust.logs[bundle.log.origin];
  if (!log) throw new Error(`no log ${bundle.log.origin} in the trust file`);
  const witnesses = Object.entries(trust.witnesses ?? {}).map(([keyName, key]) => ({
    keyName,
    publicKey: fromBase64(key.publicKey) ?? new Uint8Array(),
  }));
  return collectCosignatures({
    checkpointNote: bundle.checkpoint,
    logKey: { keyName: log.keyName, alg: log.alg, publicKey: fromBase64(log.publicKey) ?? new Uint8Array() },
    witnesses,
    threshold: trust.witnessThreshold ?? witnesses.length,
  }).cosigned.map((entry) => entry.keyName);
}

describe('embedded end to end: simulators → real MQTT broker → edge → cloud → log → proof', () => {
  const options = {
    dataDir,
    mqttPort: 0,
    httpPort: 0,
    edgePort: 0,
    devicesPerKind: 1,
    ratePerDeviceHz: 10,
    batchIntervalMs: 200,
    checkpointIntervalMs: 100,
  };
  let firstRun: { logSize: number; batches: number; lastSeqByDevice: Map<string, number> };

  it('logs frames from every simulator kind and each one has a proof that verifies offline', async () => {
    const embedded = await startEmbedded({ ...(await testStoreConfig()), ...options });
    try {
      const cloudUrl = embedded.cloud.url;
      const perDevice = await waitFor('3 logged frames from every device', async () => {
        const lists = await Promise.all(
          embedded.devices.map((device) =>
            getJson<FrameList>(`${cloudUrl}/v1/frames?deviceId=${device.deviceId}&limit=3`, embedded.cloud.adminToken),
          ),
        );
        return lists.every((list) => list.items.length >= 3) ? lists : undefined;
      });
      expect(new Set(embedded.devices.map((device) => device.kind))).toEqual(new Set(simulatorKinds));
      const trust = TrustFileSchema.parse(await getJson<TrustFile>(`${cloudUrl}/v1/trust`));
      // The trust file names the consortium's witnesses and the 3-of-4 policy.
      expect(Object.keys(trust.witnesses ?? {}).sort()).toEqual(['bank', 'core-enterprise', 'logistics', 'regulator']);
      expect(trust.witnessThreshold).toBe(3);
      expect(embedded.witnesses.map((witness) => witness.key.keyName)).toEqual([
        'bank',
        'core-enterprise',
        'logistics',
        'regulator',
      ]);
      const trustPath = join(dataDir, 'trust.json');
      writeFileSync(trustPath, JSON.stringify(trust));
      for (const list of perDevice) {
        for (const item of list.items) {
          const bundle = await fetchBundle(cloudUrl, item.id, embedded.cloud.adminToken);
          const report = verifyFrameBundle(bundle, trust);
          expect(report.steps.filter((step) => !step.ok)).toEqual([]);
          expect(report.ok).toBe(true);
          expect(validCosigners(bundle, trust).length).toBeGreaterThanOrEqual(3);
          expect(report.steps.find((step) => step.step === 'checkpoint_cosignatures')?.message).toMatch(/of 4 trusted/);
          expect(bundle.frame.frame.deviceId).toBe(item.deviceId);
        }
      }
      // The direct device talks to the cloud itself (HTTPS, no edge): its frames land and verify too.
      const direct = embedded.directDevices[0];
      expect(direct?.deviceId).toBe('direct-power-meter-1');
      const directFrames = await waitFor('3 logged frames of the direct device', async () => {
        const list = await getJson<FrameList>(
          `${cloudUrl}/v1/frames?deviceId=${direct?.deviceId}&limit=3`,
          embedded.cloud.adminToken,
        );
        return list.items.length >= 3 ? list : undefined;
      });
      for (const item of directFrames.items) {
        const report = verifyFrameBundle(await fetchBundle(cloudUrl, item.id, embedded.cloud.adminToken), trust);
        expect(report.steps.filter((step) => !step.ok)).toEqual([]);
      }
      expect(embedded.cloud.directIngest?.coapPort).toBeGreaterThan(0);
      // The CLI verifier accepts one, and names the failing step of a tampered copy.
      const bundle = await fetchBundle(cloudUrl, perDevice[0]?.items[0]?.id ?? '', embedded.cloud.adminToken);
      const bundlePath = join(dataDir, 'bundle.json');
      writeFileSync(bundlePath, JSON.stringify(bundle));
      const lines: string[] = [];
      expect(await runVerify(bundlePath, trustPath, (line) => lines.push(line))).toBe(0);
      const reading = bundle.frame.frame.readings[0];
      if (reading && typeof reading.value === 'number') reading.value += 1;
      else if (reading) reading.value = 'tampered';
      writeFileSync(bundlePath, JSON.stringify(bundle));
      const failLines: string[] = [];
      expect(await runVerify(bundlePath, trustPath, (line) => failLines.push(line))).toBe(1);
      expect(failLines.join('\n')).toMatch(/failed at step frame_signature/);

      const edgeStatus = embedded.edge.status();
      expect(edgeStatus.quarantined).toBe(0);
      const status = await getJson<{
        logSize: number;
        batches: number;
        quarantined: number;
        finalCheckpointSize: number;
      }>(`${cloudUrl}/v1/status`, embedded.cloud.adminToken);
      expect(status.quarantined).toBe(0);
      expect(status.logSize).toBe(status.batches);
      expect(status.finalCheckpointSize).toBeGreaterThanOrEqual(bundle.log.treeSize);
    } finally {
      await embedded.stop();
    }
    // After a clean stop every edge batch was handed over and logged exactly once.
    const reopened = await startEmbedded({ ...(await testStoreConfig()), ...options, ratePerDeviceHz: 0 });
    try {
      await reopened.edge.flush();
      const status = await waitFor('a checkpoint of the whole log', async () => {
        const current = await getJson<{ logSize: number; batches: number; checkpointSize: number }>(
          `${reopened.cloud.url}/v1/status`,
          reopened.cloud.adminToken,
        );
        return current.checkpointSize === current.logSize ? current : undefined;
      });
      // With the log still, the witnesses catch up: the latest checkpoint becomes final, and
      // ?cosigned=1 publishes it with the log's line followed by the witnesses' cosignatures.
      await waitFor('a final checkpoint of the whole log', async () => {
        const current = await getJson<{ logSize: number; finalCheckpointSize: number }>(
          `${reopened.cloud.url}/v1/status`,
          reopened.cloud.adminToken,
        );
        return current.finalCheckpointSize === current.logSize ? current : undefined;
      });
      const plainNote = await (await fetch(`${reopened.cloud.url}/v1/log/checkpoint`)).text();
      const cosignedNote = await (await fetch(`${reopened.cloud.url}/v1/log/checkpoint?cosigned=1`)).text();
      expect(cosignedNote.startsWith(plainNote)).toBe(true);
      expect(signatureLineCount(cosignedNote)).toBeGreaterThanOrEqual(1 + 3);
      const edgeStatus = reopened.edge.status();
      const edgeHead = await reopened.cloud.context.store.edge('edge-1');
      expect(
        edgeStatus.outbox.batches,
        `the edge's outbox after a flush: ${JSON.stringify({ ...edgeStatus.outbox, batches: edgeStatus.batches, batchesSent: edgeStatus.batchesSent, uplink: edgeStatus.uplink, cloudLastBatchSeq: edgeHead?.last_batch_seq, status })}`,
      ).toBe(0);
      // The log holds the edge's batches and those of the cloud's direct-ingest step.
      const directBatches = ((await reopened.cloud.context.store.edge('cloud-direct'))?.last_batch_seq ?? -1) + 1;
      expect(directBatches).toBeGreaterThan(0);
      expect(status.logSize).toBe(edgeStatus.batches + directBatches);
      expect(status.batches).toBe(edgeStatus.batches + directBatches);
      expect(status.checkpointSize).toBe(status.logSize);
      const lastSeqByDevice = new Map<string, number>();
      for (const device of reopened.devices) {
        const list = await getJson<FrameList>(
          `${reopened.cloud.url}/v1/frames?deviceId=${device.deviceId}&limit=1`,
          reopened.cloud.adminToken,
        );
        lastSeqByDevice.set(device.deviceId, list.items[0]?.seq ?? -1);
      }
      firstRun = { logSize: status.logSize, batches: edgeStatus.batches, lastSeqByDevice };
    } finally {
      await reopened.stop();
    }
  });

  it('resumes after a restart: device seqs keep rising, the batch chain and the log continue, nothing is re-logged', async () => {
    const embedded = await startEmbedded({ ...(await testStoreConfig()), ...options });
    try {
      const cloudUrl = embedded.cloud.url;
      await waitFor('new frames from every device after the restart', async () => {
        for (const device of embedded.devices) {
          const list = await getJson<FrameList>(
            `${cloudUrl}/v1/frames?deviceId=${device.deviceId}&limit=1`,
            embedded.cloud.adminToken,
          );
          const seq = list.items[0]?.seq ?? -1;
          if (seq <= (firstRun.lastSeqByDevice.get(device.deviceId) ?? -1)) return undefined;
        }
        return true;
      });
      const status = await getJson<{ logSize: number; batches: number; quarantined: number }>(
        `${cloudUrl}/v1/status`,
        embedded.cloud.adminToken,
      );
      expect(status.logSize).toBeGreaterThan(firstRun.logSize);
      expect(status.logSize).toBe(status.batches);
      // No replay after restart: a resumed device never reuses a seq.
      expect(status.quarantined).toBe(0);
      expect(embedded.edge.status().quarantined).toBe(0);
      const edges = await getJson<{ items: { edgeId: string; lastBatchSeq: number }[] }>(
        `${cloudUrl}/v1/edges`,
        embedded.cloud.adminToken,
      );
      expect(edges.items.find((item) => item.edgeId === 'edge-1')?.lastBatchSeq).toBeGreaterThanOrEqual(
        firstRun.batches - 1,
      );
    } finally {
      await embedded.stop();
    }
  });
});
