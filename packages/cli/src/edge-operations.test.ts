import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { type EdgeGateway, startEdgeGateway } from '@fieldproof/edge';
import { type ModbusTestServer, startModbusTestServer } from '@fieldproof/edge/_test/industrial-servers';
import { verifyFrameBundle } from '@fieldproof/ledger';
import {
  defaultEventRegistry,
  deriveEvents,
  type EdgeConfigAnswer,
  edgeKeyId,
  generateKeyPair,
  type KeyPair,
  keyPairSigner,
  loadOrCreateKeyPair,
  type SignedFrame,
  signEdgeRequest,
  signEventUpload,
  type TrustFile,
  toBase64,
  toEventSourceFrames,
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

// Edge operations end to end on the real cloud and edge in process (SQLite): remote config,
// signed edge requests, heartbeats and offline detection, key rotation with the cloud's approval.

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-edge-operations-'));
let cloud: CloudServer;
let edge: EdgeGateway;
let edgeKey: KeyPair;
let modbus: ModbusTestServer;
let stopped = false;
let rotatedKeyId = '';
const deviceKey = generateKeyPair('ed25519');
const device = createDeviceClient({
  deviceId: 'dev-a',
  signer: keyPairSigner(deviceKey),
  seqStore: createMemorySeqStore(1),
});
const deviceEntry = { deviceId: 'dev-a', alg: 'ed25519' as const, publicKey: toBase64(deviceKey.publicKey) };

interface FrameItem {
  id: string;
  seq: number;
}

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${cloud.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${cloud.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** Send one frame of dev-a through the edge and wait until the cloud stores it. */
async function frameThroughEdge(value: number): Promise<FrameItem> {
  const signed = device.buildFrame([{ kind: 'weight', value, unit: 'kg' }]);
  const posted = await fetch(`${edge.httpUrl}/v1/frames`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(signed),
  });
  expect(posted.status).toBe(202);
  return waitFor(`frame seq ${signed.frame.seq} in the cloud`, async () => {
    const items = (
      await getJson<{ items: FrameItem[] }>(`${cloud.url}/v1/frames?deviceId=dev-a&limit=1000`, cloud.adminToken)
    ).items;
    return items.find((item) => item.seq === signed.frame.seq);
  });
}

async function bundleOf(frameId: string): Promise<{ batch: { header: { header: { batchSeq: number } } } }> {
  return waitFor(`proof of ${frameId}`, async () => {
    const response = await fetch(`${cloud.url}/v1/frames/${frameId}/proof`, {
      headers: { authorization: `Bearer ${cloud.adminToken}` },
    });
    return response.status === 200
      ? ((await response.json()) as { batch: { header: { header: { batchSeq: number } } } })
      : undefined;
  });
}

/** A signed GET of the edge's config, with overridable parts, as raw fetch arguments. */
function signedConfigGet(
  signer = keyPairSigner(edgeKey),
  timestampMs = Date.now(),
  nonce = randomBytes(18).toString('base64url'),
) {
  const path = '/v1/edges/edge-1/config';
  return {
    path,
    headers: signEdgeRequest({ edgeId: 'edge-1', signer, method: 'GET', path, body: '', timestampMs, nonce }),
  };
}

beforeAll(async () => {
  modbus = await startModbusTestServer();
  modbus.setUint32('holding', 0, 1_000);
  cloud = await startCloudServer({
    ...(await testStoreConfig()),
    dataDir: join(dataDir, 'cloud'),
    http: { port: 0 },
    checkpointIntervalMs: 50,
    edgeOperations: { requestSkewMs: 60_000, offlineAfterMissedHeartbeats: 2 },
  });
  edgeKey = loadOrCreateKeyPair(join(dataDir, 'edge-1', 'edge-key.json'), 'ed25519');
  await postJson(
    `${cloud.url}/v1/edges`,
    { edgeId: 'edge-1', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) },
    cloud.adminToken,
  );
  await postJson(`${cloud.url}/v1/devices`, { ...deviceEntry, edgeId: 'edge-1' }, cloud.adminToken);
  await postJson(
    `${cloud.url}/v1/devices`,
    { deviceId: 'meter-1', edgeId: 'edge-1', attestation: 'edge-attested' },
    cloud.adminToken,
  );
  edge = await startEdgeGateway({
    edgeId: 'edge-1',
    dataDir: join(dataDir, 'edge-1'),
    http: { port: 0 },
    cloud: { url: cloud.url, retryBaseMs: 50, retryMaxMs: 200 },
    batch: { intervalMs: 50, framesMax: 100 },
    devices: [deviceEntry],
    // A keyless meter, so that edge-attested frames cross the key switch too.
    modbus: {
      devices: [
        {
          deviceId: 'meter-1',
          host: '127.0.0.1',
          port: modbus.port,
          intervalMs: 100,
          registers: [{ address: 0, type: 'uint32', kind: 'energy', unit: 'Wh' }],
        },
      ],
    },
    // Pulls are driven by the test; heartbeats run on their timer.
    operations: { configPullIntervalMs: 0, heartbeatIntervalMs: 200 },
  });
});

afterAll(async () => {
  if (!stopped) await edge?.stop();
  await cloud?.stop();
  await testStore?.cleanUp();
  await modbus?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('remote edge config', () => {
  it('applies a newer version: live settings at once, the rest named for the next restart', async () => {
    const put = await admin('PUT', '/v1/edges/edge-1/config', {
      version: 1,
      config: {
        batch: { intervalMs: 80 },
        uplink: { compression: 'gzip' },
        devices: [deviceEntry],
        heartbeatIntervalMs: 150,
      },
    });
    expect(put.status).toBe(201);
    await edge.pullConfig();
    const operations = edge.status().operations;
    expect(operations.configVersion).toBe(1);
    expect(operations.configRefused).toBeNull();
    expect(edge.status().uplink.compression).toBe('gzip');
    expect(operations.configPendingRestart).toEqual([]);
    // The same version again is a conflict: versions rise.
    const again = await admin('PUT', '/v1/edges/edge-1/config', { version: 1, config: {} });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('edge_config_version_conflict');
    // A document outside the remotely changeable part is refused by the cloud.
    const bad = await admin('PUT', '/v1/edges/edge-1/config', { version: 2, config: { edgeId: 'other' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('edge_config_invalid');
  });

  it('keeps a restart-only change for the next start and says so', async () => {
    const deviceB = generateKeyPair('ed25519');
    const devices = [deviceEntry, { deviceId: 'dev-b', alg: 'ed25519', publicKey: toBase64(deviceB.publicKey) }];
    expect((await admin('PUT', '/v1/edges/edge-1/config', { version: 2, config: { devices } })).status).toBe(201);
    await edge.pullConfig();
    expect(edge.status().operations.configVersion).toBe(2);
    expect(edge.status().operations.configPendingRestart).toEqual(['devices']);
  });

  it('refuses a config the edge cannot validate, reports it and keeps the applied version', async () => {
    // The cloud's schema allows a window the edge caps lower (eventSourceFramesMax): only the edge knows.
    const put = await admin('PUT', '/v1/edges/edge-1/config', {
      version: 3,
      config: { derive: { windowFramesMax: 50_000 } },
    });
    expect(put.status).toBe(201);
    await edge.pullConfig();
    const operations = edge.status().operations;
    expect(operations.configVersion).toBe(2);
    expect(operations.configRefused?.version).toBe(3);
    expect(operations.configRefused?.reason).toMatch(/derive\.windowFramesMax/);
    await edge.sendHeartbeat();
    const health = await getJson<{ heartbeat: { configVersion: number; configRefused: { version: number } } }>(
      `${cloud.url}/v1/edges/edge-1/health`,
      cloud.adminToken,
    );
    expect(health.heartbeat.configVersion).toBe(2);
    expect(health.heartbeat.configRefused.version).toBe(3);
  });
});

describe('signed edge requests', () => {
  it('refuses unsigned, forged, stale and replayed requests with their codes', async () => {
    const codeOf = async (response: Response) => [
      response.status,
      ((await response.json()) as { error: { code: string } }).error.code,
    ];
    expect(
      await codeOf(
        await fetch(`${cloud.url}/v1/edges/edge-1/config`, {
          headers: { authorization: `Bearer ${cloud.adminToken}` },
        }),
      ),
    ).toEqual([401, 'edge_request_unauthenticated']);
    const forged = signedConfigGet(keyPairSigner(generateKeyPair('ed25519')));
    expect(await codeOf(await fetch(`${cloud.url}${forged.path}`, { headers: forged.headers }))).toEqual([
      401,
      'edge_request_unauthenticated',
    ]);
    const stale = signedConfigGet(undefined, Date.now() - 120_000);
    expect(await codeOf(await fetch(`${cloud.url}${stale.path}`, { headers: stale.headers }))).toEqual([
      401,
      'edge_request_stale',
    ]);
    const good = signedConfigGet();
    const first = await fetch(`${cloud.url}${good.path}`, { headers: good.headers });
    expect(first.status).toBe(200);
    expect(((await first.json()) as EdgeConfigAnswer).document?.version).toBe(3);
    expect(await codeOf(await fetch(`${cloud.url}${good.path}`, { headers: good.headers }))).toEqual([
      409,
      'edge_request_replayed',
    ]);
    // A signature for another path does not open this one.
    const other = signedConfigGet();
    expect(
      await codeOf(await fetch(`${cloud.url}/v1/edges/edge-1/heartbeats`, { method: 'POST', headers: other.headers })),
    ).toEqual([401, 'edge_request_unauthenticated']);
  });
});

describe('heartbeats', () => {
  it('arrive with the queue, config version, key id and device states, and show on /v1/edges and /metrics', async () => {
    await frameThroughEdge(1);
    const health = await waitFor('a heartbeat that saw dev-a', async () => {
      const answer = await getJson<{
        online: boolean;
        heartbeat: { keyId: string; devices: { deviceId: string; lastSeq: number | null }[]; queueFrames: number };
      }>(`${cloud.url}/v1/edges/edge-1/health`, cloud.adminToken);
      return answer.heartbeat?.devices.find((item) => item.deviceId === 'dev-a')?.lastSeq !== null ? answer : undefined;
    });
    expect(health.online).toBe(true);
    expect(health.heartbeat.keyId).toBe(edgeKeyId(edgeKey.publicKey));
    const edges = await getJson<{ items: { edgeId: string; online: boolean }[] }>(
      `${cloud.url}/v1/edges`,
      cloud.adminToken,
    );
    expect(edges.items.find((item) => item.edgeId === 'edge-1')?.online).toBe(true);
    const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
    expect(metrics).toContain('fieldproof_edge_online{edge="edge-1"} 1');
    expect(metrics).toMatch(/fieldproof_edge_queue_frames\{edge="edge-1"\} \d+/);
  });
});

describe('key rotation with the cloud approval', () => {
  it('switches keys from the approved batch seq; old and new frames verify; an old-key batch after the switch is refused', async () => {
    // Slow heartbeats (a live change) so that the test decides when the edge hears of the approval.
    expect(
      (await admin('PUT', '/v1/edges/edge-1/config', { version: 4, config: { heartbeatIntervalMs: 60_000 } })).status,
    ).toBe(201);
    await edge.pullConfig();
    expect(edge.status().operations.configVersion).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the heartbeat armed before fires once more
    const before = await frameThroughEdge(2);
    const trustBefore = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    const bundleBefore = await bundleOf(before.id);
    expect(verifyFrameBundle(bundleBefore, trustBefore).ok).toBe(true);

    const { keyId } = await edge.requestKeyRotation();
    rotatedKeyId = keyId;
    const keys = await getJson<{ items: { keyId: string; state: string }[] }>(
      `${cloud.url}/v1/edges/edge-1/keys`,
      cloud.adminToken,
    );
    expect(keys.items).toEqual([expect.objectContaining({ keyId, state: 'pending' })]);
    // Still pending: the edge signs with its old key.
    expect(edge.status().operations.keyId).toBe(edgeKeyId(edgeKey.publicKey));
    expect(edge.status().operations.pendingKeyId).toBe(keyId);

    const approved = await admin('POST', `/v1/edges/edge-1/keys/${keyId}/approve`, {});
    expect(approved.status).toBe(200);
    const approval = (await approved.json()) as { fromBatchSeq: number; logIndex: number };
    const head = (
      await getJson<{ items: { edgeId: string; lastBatchSeq: number }[] }>(`${cloud.url}/v1/edges`, cloud.adminToken)
    ).items[0];
    expect(approval.fromBatchSeq).toBe((head?.lastBatchSeq ?? -1) + 1);
    // Approving the same key twice is refused.
    expect((await admin('POST', `/v1/edges/edge-1/keys/${keyId}/approve`, {})).status).toBe(409);

    // A batch at the approved seq signed with the retired key is refused with a stable code.
    const stale = device.buildFrame([{ kind: 'weight', value: 99, unit: 'kg' }]);
    const lastBatch = await getJson<{ items: { edgeId: string; lastBatchSeq: number }[] }>(
      `${cloud.url}/v1/edges`,
      cloud.adminToken,
    );
    expect(lastBatch.items[0]?.lastBatchSeq).toBe(approval.fromBatchSeq - 1);
    const forgedBatch = buildBatch(edgeKey, 'edge-1', approval.fromBatchSeq, 'a'.repeat(64), [stale as SignedFrame]);
    const refused = await fetch(`${cloud.url}/v1/ingest/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ batch: forgedBatch.batch, frames: forgedBatch.frames }),
    });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('batch_key_superseded');

    // Before the edge learns of the approval it seals the next batch with its old key: the cloud
    // refuses it and it waits in the outbox.
    const pendingFrame = frameThroughEdge(3);
    await waitFor('the edge old-key batch refused too', async () => {
      const rejects = await getJson<{ items: { code: string; edgeId: string }[] }>(
        `${cloud.url}/v1/quarantine?limit=1000`,
        cloud.adminToken,
      );
      return rejects.items.filter((item) => item.code === 'batch_key_superseded').length >= 2 ? true : undefined;
    });
    expect(edge.status().outbox.batches).toBe(1);
    // The edge learns of the approval from its heartbeat answer, switches, re-signs the waiting
    // batch with the new key, and the uplink delivers it.
    await edge.sendHeartbeat();
    expect(edge.status().operations.keyId).toBe(keyId);
    expect(edge.status().operations.pendingKeyId).toBeNull();
    const after = await pendingFrame;
    const trustAfter = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    expect(trustAfter.edgeKeys?.['edge-1']?.map((entry) => entry.fromBatchSeq)).toEqual([0, approval.fromBatchSeq]);
    const bundleAfter = await bundleOf(after.id);
    expect(bundleAfter.batch.header.header.batchSeq).toBeGreaterThanOrEqual(approval.fromBatchSeq);
    // Both verify with the new trust file; the old trust file (one key) cannot vouch for the new batch.
    expect(verifyFrameBundle(bundleBefore, trustAfter).ok).toBe(true);
    expect(verifyFrameBundle(bundleAfter, trustAfter).ok).toBe(true);
    // `fieldproof verify` agrees, on files.
    const trustPath = join(dataDir, 'trust-after.json');
    writeFileSync(trustPath, JSON.stringify(trustAfter));
    for (const [name, bundle] of [
      ['before', bundleBefore],
      ['after', bundleAfter],
    ] as const) {
      const bundlePath = join(dataDir, `bundle-${name}.json`);
      writeFileSync(bundlePath, JSON.stringify(bundle));
      const lines: string[] = [];
      expect(await runVerify(bundlePath, trustPath, (line) => lines.push(line)), lines.join('\n')).toBe(0);
    }
    // The keyless meter's frames on both sides of the switch (attested by the old key, the new
    // key, or the old key and batched under the new one) all verify with the key history.
    const meterFrames = await waitFor('meter frames after the switch', async () => {
      const items = (
        await getJson<{ items: FrameItem[] }>(`${cloud.url}/v1/frames?deviceId=meter-1&limit=1000`, cloud.adminToken)
      ).items;
      const bundles = await Promise.all(items.map((item) => bundleOf(item.id)));
      return bundles.some((bundle) => bundle.batch.header.header.batchSeq > approval.fromBatchSeq) &&
        bundles.some((bundle) => bundle.batch.header.header.batchSeq < approval.fromBatchSeq)
        ? bundles
        : undefined;
    });
    for (const bundle of meterFrames) {
      const report = verifyFrameBundle(bundle, trustAfter);
      expect(report.steps.filter((step) => !step.ok)).toEqual([]);
      expect(report.attestation).toBe('edge-attested');
    }
    expect(edge.status().rejects).toEqual({});
    const withOldTrust = verifyFrameBundle(bundleAfter, trustBefore);
    expect(withOldTrust.ok).toBe(false);
    expect(withOldTrust.steps.find((step) => !step.ok)?.code).toBe('batch_signature_invalid');
    // Event uploads follow the key history too: the retired key is refused, the new one accepted.
    const newKey = loadOrCreateKeyPair(
      join(
        dataDir,
        'edge-1',
        (
          JSON.parse(readFileSync(join(dataDir, 'edge-1', 'edge-keys.json'), 'utf8')) as {
            keys: { file: string; keyId: string }[];
          }
        ).keys.find((entry) => entry.keyId === keyId)?.file ?? 'missing',
      ),
      'ed25519',
    );
    const postEvents = (signer: ReturnType<typeof keyPairSigner>) =>
      fetch(`${cloud.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // One honest event from a recorded trace: its device is not this edge's, so the event itself
        // is refused on its own; what this checks is the upload's signature, judged first.
        body: JSON.stringify(signEventUpload(signer, 'edge-1', traceEvents.slice(0, 1))),
      });
    const trace = JSON.parse(
      readFileSync(new URL('../../protocol/_test/traces/load-cell.json', import.meta.url), 'utf8'),
    ) as { frames: SignedFrame[] };
    const definition = defaultEventRegistry.get('derive-stock-movements@1');
    if (!definition) throw new Error('no derive-stock-movements@1');
    const traceEvents = deriveEvents({
      definition,
      parameters: definition.parametersSchema.parse({}),
      suite: 'intl',
      deviceId: trace.frames[0]?.frame.deviceId as string,
      frames: toEventSourceFrames('intl', trace.frames),
    }).events;
    expect(traceEvents.length).toBeGreaterThan(0);
    const oldUpload = await postEvents(keyPairSigner(edgeKey));
    expect(((await oldUpload.json()) as { error?: { code: string } }).error?.code).toBe('events_signature_invalid');
    expect((await postEvents(keyPairSigner(newKey))).status).toBe(200);
    // Requests signed with the retired key are refused once the new key signed a batch.
    const old = signedConfigGet(keyPairSigner(edgeKey));
    expect((await fetch(`${cloud.url}${old.path}`, { headers: old.headers })).status).toBe(401);
    // The approval is a decision leaf.
    const { decision, logIndex } = await getJson<{
      logIndex: number;
      decision: { type: string; subjectId: string; details: { keyId: string; fromBatchSeq: number } };
    }>(`${cloud.url}/v1/decisions/edge-key-edge-1-${keyId.slice(0, 16)}`, cloud.adminToken);
    expect(logIndex).toBe(approval.logIndex);
    expect(decision).toMatchObject({ type: 'edge.key_rotated', subjectId: 'edge-1' });
    expect(decision.details).toEqual({ keyId, fromBatchSeq: approval.fromBatchSeq });
  });
});

describe('offline detection', () => {
  it('marks the edge offline after missed heartbeats once it stops', async () => {
    expect(
      (await admin('PUT', '/v1/edges/edge-1/config', { version: 5, config: { heartbeatIntervalMs: 100 } })).status,
    ).toBe(201);
    await edge.pullConfig();
    await edge.sendHeartbeat();
    await edge.stop();
    const health = await waitFor('the edge offline', async () => {
      const answer = await getJson<{ online: boolean }>(`${cloud.url}/v1/edges/edge-1/health`, cloud.adminToken);
      return answer.online ? undefined : answer;
    });
    expect(health.online).toBe(false);
    const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
    expect(metrics).toContain('fieldproof_edge_online{edge="edge-1"} 0');
    stopped = true;
  });
});

describe('restart after a rotation and remote config', () => {
  it('comes back with the applied config version and the new key, and its batches are accepted', async () => {
    edge = await startEdgeGateway({
      edgeId: 'edge-1',
      dataDir: join(dataDir, 'edge-1'),
      http: { port: 0 },
      cloud: { url: cloud.url, retryBaseMs: 50, retryMaxMs: 200 },
      batch: { intervalMs: 50, framesMax: 100 },
      devices: [deviceEntry],
      operations: { configPullIntervalMs: 0, heartbeatIntervalMs: 0 },
    });
    stopped = false;
    const operations = edge.status().operations;
    expect(operations.configVersion).toBe(5);
    expect(operations.configPendingRestart).toEqual([]);
    expect(operations.keyId).toBe(rotatedKeyId);
    expect(edge.publicKey.publicKey).not.toBe(toBase64(edgeKey.publicKey));
    const frame = await frameThroughEdge(4);
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    expect(verifyFrameBundle(await bundleOf(frame.id), trust).ok).toBe(true);
  });
});
