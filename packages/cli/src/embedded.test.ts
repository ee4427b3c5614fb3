import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatorKinds } from '@fieldproof/device';
import { verifyFrameBundle } from '@fieldproof/ledger';
import { type FrameProofBundle, type TrustFile, TrustFileSchema } from '@fieldproof/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, waitFor } from '../_test/wait-for.ts';
import { runVerify } from './commands/verify.ts';
import { startEmbedded } from './embedded.ts';

interface FrameList {
  items: { id: string; deviceId: string; seq: number }[];
}

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function fetchBundle(cloudUrl: string, frameId: string): Promise<FrameProofBundle> {
  return waitFor(`a proof of ${frameId}`, async () => {
    const response = await fetch(`${cloudUrl}/v1/frames/${frameId}/proof`);
    if (response.status === 409) return undefined; // proof_not_ready: no checkpoint covers it yet
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    return (await response.json()) as FrameProofBundle;
  });
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
    const embedded = await startEmbedded(options);
    try {
      const cloudUrl = embedded.cloud.url;
      const perDevice = await waitFor('3 logged frames from every device', async () => {
        const lists = await Promise.all(
          embedded.devices.map((device) =>
            getJson<FrameList>(`${cloudUrl}/v1/frames?deviceId=${device.deviceId}&limit=3`),
          ),
        );
        return lists.every((list) => list.items.length >= 3) ? lists : undefined;
      });
      expect(new Set(embedded.devices.map((device) => device.kind))).toEqual(new Set(simulatorKinds));
      const trust = TrustFileSchema.parse(await getJson<TrustFile>(`${cloudUrl}/v1/trust`));
      const trustPath = join(dataDir, 'trust.json');
      writeFileSync(trustPath, JSON.stringify(trust));
      for (const list of perDevice) {
        for (const item of list.items) {
          const bundle = await fetchBundle(cloudUrl, item.id);
          const report = verifyFrameBundle(bundle, trust);
          expect(report.steps.filter((step) => !step.ok)).toEqual([]);
          expect(report.ok).toBe(true);
          expect(bundle.frame.frame.deviceId).toBe(item.deviceId);
        }
      }
      // The CLI verifier accepts one, and names the failing step of a tampered copy.
      const bundle = await fetchBundle(cloudUrl, perDevice[0]?.items[0]?.id ?? '');
      const bundlePath = join(dataDir, 'bundle.json');
      writeFileSync(bundlePath, JSON.stringify(bundle));
      const lines: string[] = [];
      expect(runVerify(bundlePath, trustPath, (line) => lines.push(line))).toBe(0);
      const reading = bundle.frame.frame.readings[0];
      if (reading && typeof reading.value === 'number') reading.value += 1;
      else if (reading) reading.value = 'tampered';
      writeFileSync(bundlePath, JSON.stringify(bundle));
      const failLines: string[] = [];
      expect(runVerify(bundlePath, trustPath, (line) => failLines.push(line))).toBe(1);
      expect(failLines.join('\n')).toMatch(/failed at step frame_signature/);

      const edgeStatus = embedded.edge.status();
      expect(edgeStatus.quarantined).toBe(0);
      const status = await getJson<{ logSize: number; batches: number; quarantined: number }>(`${cloudUrl}/v1/status`);
      expect(status.quarantined).toBe(0);
      expect(status.logSize).toBe(status.batches);
    } finally {
      await embedded.stop();
    }
    // After a clean stop every edge batch was handed over and logged exactly once.
    const reopened = await startEmbedded({ ...options, ratePerDeviceHz: 0 });
    try {
      await reopened.edge.flush();
      const status = await waitFor('a checkpoint of the whole log', async () => {
        const current = await getJson<{ logSize: number; batches: number; checkpointSize: number }>(
          `${reopened.cloud.url}/v1/status`,
        );
        return current.checkpointSize === current.logSize ? current : undefined;
      });
      const edgeStatus = reopened.edge.status();
      expect(edgeStatus.outbox.batches).toBe(0);
      expect(status.logSize).toBe(edgeStatus.batches);
      expect(status.batches).toBe(edgeStatus.batches);
      expect(status.checkpointSize).toBe(status.logSize);
      const lastSeqByDevice = new Map<string, number>();
      for (const device of reopened.devices) {
        const list = await getJson<FrameList>(`${reopened.cloud.url}/v1/frames?deviceId=${device.deviceId}&limit=1`);
        lastSeqByDevice.set(device.deviceId, list.items[0]?.seq ?? -1);
      }
      firstRun = { logSize: status.logSize, batches: edgeStatus.batches, lastSeqByDevice };
    } finally {
      await reopened.stop();
    }
  });

  it('resumes after a restart: device seqs keep rising, the batch chain and the log continue, nothing is re-logged', async () => {
    const embedded = await startEmbedded(options);
    try {
      const cloudUrl = embedded.cloud.url;
      await waitFor('new frames from every device after the restart', async () => {
        for (const device of embedded.devices) {
          const list = await getJson<FrameList>(`${cloudUrl}/v1/frames?deviceId=${device.deviceId}&limit=1`);
          const seq = list.items[0]?.seq ?? -1;
          if (seq <= (firstRun.lastSeqByDevice.get(device.deviceId) ?? -1)) return undefined;
        }
        return true;
      });
      const status = await getJson<{ logSize: number; batches: number; quarantined: number }>(`${cloudUrl}/v1/status`);
      expect(status.logSize).toBeGreaterThan(firstRun.logSize);
      expect(status.logSize).toBe(status.batches);
      // No replay after restart: a resumed device never reuses a seq.
      expect(status.quarantined).toBe(0);
      expect(embedded.edge.status().quarantined).toBe(0);
      const edges = await getJson<{ items: { edgeId: string; lastBatchSeq: number }[] }>(`${cloudUrl}/v1/edges`);
      expect(edges.items[0]?.lastBatchSeq).toBeGreaterThanOrEqual(firstRun.batches - 1);
    } finally {
      await embedded.stop();
    }
  });
});
