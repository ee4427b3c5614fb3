import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { type EdgeGateway, startEdgeGateway } from '@fieldproof/edge';
import {
  type ModbusTestServer,
  type OpcuaTestServer,
  startModbusTestServer,
  startOpcuaTestServer,
} from '@fieldproof/edge/_test/industrial-servers';
import { hashLeaf, verifyFrameBundle } from '@fieldproof/ledger';
import {
  canonicalize,
  edgeAttestedMessage,
  type Frame,
  GENESIS_BATCH_HASH,
  generateKeyPair,
  type KeyPair,
  keyPairSigner,
  loadOrCreateKeyPair,
  type SignedFrame,
  sign,
  type TrustFile,
  toBase64,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../_test/post-json.ts';
import { buildBatch } from '../_test/signed-batch.ts';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';
import { runVerify } from './commands/verify.ts';

// The store this file's cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}

// Keyless devices end to end: a real Modbus TCP server and a real OPC UA server, the edge polling
// and subscribing, the cloud logging their frames as edge-attested, and each frame's proof verifying.

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-edge-attested-'));
let modbus: ModbusTestServer;
let opcua: OpcuaTestServer;
let cloud: CloudServer;
let edge: EdgeGateway;

const deviceA = generateKeyPair('ed25519');
const clientA = createDeviceClient({
  deviceId: 'dev-a',
  signer: keyPairSigner(deviceA),
  seqStore: createMemorySeqStore(1),
});

interface FrameItem {
  id: string;
  deviceId: string;
  seq: number;
  attestation: string;
}

beforeAll(async () => {
  modbus = await startModbusTestServer();
  opcua = await startOpcuaTestServer({ pkiDir: join(dataDir, 'pki'), doubles: ['Power'], booleans: ['Running'] });
  cloud = await startCloudServer({
    ...(await testStoreConfig()),
    dataDir: join(dataDir, 'cloud'),
    http: { port: 0 },
    checkpointIntervalMs: 50,
  });
  // Commission first, as an operator would: the edge's key (made here, loaded by the edge) and its
  // devices are registered before the edge samples anything.
  const edgeKey = loadOrCreateKeyPair(join(dataDir, 'edge-1', 'edge-key.json'), 'ed25519');
  const admin = (path: string, body: unknown) => postJson(`${cloud.url}${path}`, body, cloud.adminToken);
  await admin('/v1/edges', { edgeId: 'edge-1', alg: edgeKey.alg, publicKey: toBase64(edgeKey.publicKey) });
  await admin('/v1/devices', {
    deviceId: 'dev-a',
    alg: 'ed25519',
    publicKey: toBase64(deviceA.publicKey),
    edgeId: 'edge-1',
  });
  for (const deviceId of ['meter-1', 'scale-1', 'line-1']) {
    await admin('/v1/devices', { deviceId, edgeId: 'edge-1', attestation: 'edge-attested' });
  }
  edge = await startEdgeGateway({
    edgeId: 'edge-1',
    dataDir: join(dataDir, 'edge-1'),
    http: { port: 0 },
    cloud: { url: cloud.url, retryBaseMs: 50 },
    batch: { intervalMs: 100, framesMax: 100 },
    devices: [{ deviceId: 'dev-a', alg: 'ed25519', publicKey: toBase64(deviceA.publicKey) }],
    modbus: {
      devices: [
        {
          deviceId: 'meter-1',
          host: '127.0.0.1',
          port: modbus.port,
          intervalMs: 100,
          registers: [
            { address: 0, type: 'float32', kind: 'power', unit: 'W' },
            { address: 2, type: 'uint32', scale: 0.001, kind: 'energy', unit: 'kWh' },
          ],
        },
        {
          deviceId: 'scale-1',
          host: '127.0.0.1',
          port: modbus.port,
          intervalMs: 100,
          registers: [{ address: 10, function: 'input', type: 'int32', scale: 0.01, kind: 'weight.net', unit: 'kg' }],
        },
      ],
    },
    opcua: {
      endpoint: opcua.endpoint,
      publishingIntervalMs: 100,
      devices: [
        {
          deviceId: 'line-1',
          samplingIntervalMs: 50,
          nodes: [
            { nodeId: 'ns=1;s=Power', kind: 'power', unit: 'W' },
            { nodeId: 'ns=1;s=Running', kind: 'running' },
          ],
        },
      ],
    },
  });
});

afterAll(async () => {
  await edge?.stop();
  await cloud?.stop();
  await testStore?.cleanUp();
  await opcua?.close();
  await modbus?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('keyless devices through a real edge and cloud', () => {
  it('logs Modbus and OPC UA frames as edge-attested, beside device-signed ones, and each proof verifies', async () => {
    modbus.setFloat32('holding', 0, 2300.5);
    modbus.setUint32('holding', 2, 987_654);
    modbus.setUint32('input', 10, 50_000); // 500 kg
    opcua.values.set('Power', 750).set('Running', true);
    const signed = clientA.buildFrame([{ kind: 'weight', value: 10, unit: 'kg' }]);
    const posted = await fetch(`${edge.httpUrl}/v1/frames`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(signed),
    });
    expect(posted.status).toBe(202);
    // The values change while the edge samples them.
    await waitFor('first frames of every keyless device', () => {
      const acquisition = edge.status().acquisition;
      return ['meter-1', 'scale-1', 'line-1'].every((id) => (acquisition[id]?.frames ?? 0) >= 1) ? true : undefined;
    });
    modbus.setFloat32('holding', 0, 2400.25);
    opcua.values.set('Power', 800);
    await waitFor('the changed values', () => {
      const acquisition = edge.status().acquisition;
      return (acquisition['meter-1']?.frames ?? 0) >= 3 && (acquisition['line-1']?.frames ?? 0) >= 2 ? true : undefined;
    });

    const byDevice = async (deviceId: string) =>
      (
        await getJson<{ items: FrameItem[] }>(
          `${cloud.url}/v1/frames?deviceId=${deviceId}&limit=1000`,
          cloud.adminToken,
        )
      ).items;
    const meter = await waitFor('meter frames in the cloud', async () => {
      const items = await byDevice('meter-1');
      return items.length >= 2 ? items : undefined;
    });
    const line = await waitFor('line frames in the cloud', async () => {
      const items = await byDevice('line-1');
      return items.length >= 2 ? items : undefined;
    });
    const scale = await waitFor('scale frames in the cloud', async () => {
      const items = await byDevice('scale-1');
      return items.length >= 1 ? items : undefined;
    });
    const deviceSigned = await waitFor('dev-a frame in the cloud', async () => {
      const items = await byDevice('dev-a');
      return items.length >= 1 ? items : undefined;
    });
    for (const item of [...meter, ...line, ...scale]) expect(item.attestation).toBe('edge-attested');
    expect(deviceSigned[0]?.attestation).toBe('device-signed');

    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    expect(Object.keys(trust.devices)).toEqual(['dev-a']); // keyless devices have no key to trust
    const seen = new Map<string, SignedFrame[]>();
    for (const item of [...meter.slice(0, 2), ...line.slice(0, 2), ...scale.slice(0, 1), ...deviceSigned]) {
      const bundle = await waitFor(`proof of ${item.id}`, async () => {
        const response = await fetch(`${cloud.url}/v1/frames/${item.id}/proof`, {
          headers: { authorization: `Bearer ${cloud.adminToken}` },
        });
        return response.status === 200 ? ((await response.json()) as { frame: SignedFrame }) : undefined;
      });
      const report = verifyFrameBundle(bundle, trust);
      expect(report.steps.filter((step) => !step.ok)).toEqual([]);
      expect(report.attestation).toBe(item.attestation);
      expect(bundle.frame.attestation).toBe(item.attestation === 'edge-attested' ? 'edge-attested' : undefined);
      seen.set(item.deviceId, [...(seen.get(item.deviceId) ?? []), bundle.frame]);
      if (item.attestation === 'edge-attested') {
        expect(report.steps.find((step) => step.step === 'frame_signature')?.message).toMatch(
          /^edge-attested: .* signed by edge edge-1/,
        );
      }
    }
    expect(seen.get('scale-1')?.[0]?.frame.readings).toEqual([{ kind: 'weight.net', value: 500, unit: 'kg' }]);
    const powers = [...(seen.get('meter-1') ?? [])].map((frame) => frame.frame.readings[0]?.value);
    expect(powers.every((value) => value === 2300.5 || value === 2400.25)).toBe(true);
    expect(seen.get('line-1')?.[0]?.frame.readings[1]).toEqual({ kind: 'running', value: true });

    // `fieldproof verify` prints the attestation; flipping the marker off breaks the proof.
    const bundle = (await getJson(`${cloud.url}/v1/frames/${meter[0]?.id}/proof`, cloud.adminToken)) as {
      frame: Record<string, unknown>;
    };
    const trustPath = join(dataDir, 'trust.json');
    const bundlePath = join(dataDir, 'bundle.json');
    writeFileSync(trustPath, JSON.stringify(trust));
    writeFileSync(bundlePath, JSON.stringify(bundle));
    const lines: string[] = [];
    expect(await runVerify(bundlePath, trustPath, (text) => lines.push(text))).toBe(0);
    expect(lines).toContain('attestation: edge-attested');
    delete bundle.frame.attestation;
    delete bundle.frame.edgeId;
    writeFileSync(bundlePath, JSON.stringify(bundle));
    const failed: string[] = [];
    expect(await runVerify(bundlePath, trustPath, (text) => failed.push(text))).toBe(1);
    expect(failed.join('\n')).toMatch(/failed at step frame_signature/);
    expect(edge.status().rejects).toEqual({});
    const metrics = await (await fetch(`${edge.httpUrl}/metrics`)).text();
    expect(metrics).toContain('fieldproof_edge_acquisition_connected{device="meter-1",source="modbus"} 1');
    expect(metrics).toContain('fieldproof_edge_acquisition_errors_total{device="line-1",source="opcua"} 0');
  });

  it('refuses an edge attestation for a device that signs its own frames, at the edge', async () => {
    const frame: Frame = {
      deviceId: 'dev-a',
      seq: 1_000,
      deviceTimeMs: Date.now(),
      readings: [{ kind: 'weight', value: 1 }],
    };
    const forged = {
      frame,
      alg: 'ed25519',
      sig: toBase64(sign(deviceA, utf8(edgeAttestedMessage('edge-1', frame)))),
      attestation: 'edge-attested',
      edgeId: 'edge-1',
    };
    const response = await fetch(`${edge.httpUrl}/v1/frames`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(forged),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('frame_attestation_invalid');
  });
});

describe('the cloud refuses edge attestations an edge may not make', () => {
  it('quarantines each with frame_attestation_invalid while the good frames of the batch land', async () => {
    const edge3 = generateKeyPair('ed25519');
    const edge2 = generateKeyPair('ed25519');
    const deviceK = generateKeyPair('ed25519');
    const admin = (path: string, body: unknown) => postJson(`${cloud.url}${path}`, body, cloud.adminToken);
    await admin('/v1/edges', { edgeId: 'edge-2', alg: 'ed25519', publicKey: toBase64(edge2.publicKey) });
    await admin('/v1/edges', { edgeId: 'edge-3', alg: 'ed25519', publicKey: toBase64(edge3.publicKey) });
    await admin('/v1/devices', {
      deviceId: 'dev-k',
      alg: 'ed25519',
      publicKey: toBase64(deviceK.publicKey),
      edgeId: 'edge-3',
    });
    await admin('/v1/devices', { deviceId: 'meter-3', edgeId: 'edge-3', attestation: 'edge-attested' });
    await admin('/v1/devices', { deviceId: 'meter-x', edgeId: 'edge-2', attestation: 'edge-attested' });

    const now = Date.now();
    const frameOf = (deviceId: string, seq: number): Frame => ({
      deviceId,
      seq,
      deviceTimeMs: now + seq,
      readings: [{ kind: 'power', value: seq, unit: 'W' }],
    });
    const attest = (key: KeyPair, edgeId: string, frame: Frame): SignedFrame => ({
      frame,
      alg: key.alg,
      sig: toBase64(sign(key, utf8(edgeAttestedMessage(edgeId, frame)))),
      attestation: 'edge-attested',
      edgeId,
    });
    const deviceSigned = (frame: Frame): SignedFrame => ({
      frame,
      alg: 'ed25519',
      sig: toBase64(sign(deviceK, utf8(canonicalize(frame)))),
    });
    const good1 = attest(edge3, 'edge-3', frameOf('meter-3', 1));
    const forDeviceSigned = attest(edge3, 'edge-3', frameOf('dev-k', 1)); // dev-k has its own key
    const forOtherEdge = attest(edge3, 'edge-3', frameOf('meter-x', 1)); // meter-x is edge-2's
    const good2 = deviceSigned(frameOf('dev-k', 2));
    const stripped = attest(edge3, 'edge-3', frameOf('meter-3', 2));
    delete stripped.attestation; // the marker flipped off: now a "device-signed" frame of a keyless device
    delete stripped.edgeId;
    const good3 = attest(edge3, 'edge-3', frameOf('meter-3', 3));
    const frames = [good1, forDeviceSigned, forOtherEdge, good2, stripped, good3];
    const upload = buildBatch(edge3, 'edge-3', 0, GENESIS_BATCH_HASH, frames);
    const response = await fetch(`${cloud.url}/v1/ingest/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ batch: upload.batch, frames }),
    });
    expect(response.status).toBeLessThan(300);
    const result = (await response.json()) as {
      framesStored: number;
      framesRejected: { index: number; code: string }[];
    };
    expect(result.framesStored).toBe(3);
    expect(result.framesRejected).toEqual([
      expect.objectContaining({ index: 1, code: 'frame_attestation_invalid' }),
      expect.objectContaining({ index: 2, code: 'frame_attestation_invalid' }),
      expect.objectContaining({ index: 4, code: 'frame_attestation_invalid' }),
    ]);
    for (const good of [good1, good2, good3]) {
      const id = toHex(hashLeaf('intl', utf8(canonicalize(good))));
      expect(
        (await fetch(`${cloud.url}/v1/frames/${id}`, { headers: { authorization: `Bearer ${cloud.adminToken}` } }))
          .status,
      ).toBe(200);
    }
    const status = await getJson<{ rejects: Record<string, number> }>(`${cloud.url}/v1/status`, cloud.adminToken);
    expect(status.rejects).toEqual({ frame_attestation_invalid: 3 });
    const quarantine = await getJson<{ items: { code: string; edgeId: string }[] }>(
      `${cloud.url}/v1/quarantine`,
      cloud.adminToken,
    );
    expect(quarantine.items.filter((item) => item.code === 'frame_attestation_invalid')).toHaveLength(3);
  });
});
