import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyFrameBundle } from '@fieldproof/ledger';
import {
  frameIdOf,
  generateKeyPair,
  keyPairSigner,
  type SignedFrame,
  signEventUpload,
  type TrustFile,
  toBase64,
} from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, freshSchemaName, postgresAvailable, postgresTestUrl } from '../../_test/postgres-fixture.ts';
import { createBatchPoster, signWeightFrame } from '../../_test/signed-batch.ts';
import { auditLog } from '../audit/audit-log.ts';
import { openAuditStore } from '../audit/open-audit-store.ts';
import { snapshotPostgresStore } from '../audit/snapshot-postgres-store.ts';
import { type CloudServer, startCloudServer } from '../server.ts';

// The identity lifecycle against a real cloud (HTTP, ingest, log, checkpoints, proof bundles),
// on SQLite and on PostgreSQL (a fresh schema; under CI=true a missing server fails the file).
const t0 = 1_700_000_000_000;

describe.each(['sqlite', 'postgres'] as const)('identity lifecycle on %s', (backend) => {
  const root = mkdtempSync(join(tmpdir(), `fieldproof-identity-${backend}-`));
  const schema = freshSchemaName();
  let cloud: CloudServer;
  let run = true;
  const edgeKey = generateKeyPair('ed25519');
  const keys = {
    a: generateKeyPair('ed25519'),
    b: generateKeyPair('ecdsa-p256'),
    c: generateKeyPair('ed25519'),
    d: generateKeyPair('ed25519'),
  };
  const seqs = new Map<string, number>();
  const frame = (key: (typeof keys)[keyof typeof keys], deviceId: string, deviceTimeMs: number): SignedFrame => {
    const seq = (seqs.get(deviceId) ?? 0) + 1;
    seqs.set(deviceId, seq);
    return signWeightFrame(key, deviceId, seq, deviceTimeMs);
  };
  let edge: ReturnType<typeof createBatchPoster>;

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${cloud.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${cloud.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field.
    return { status: response.status, body: (await response.json()) as any };
  }

  async function bundleVerifies(frameId: string): Promise<{ ok: boolean; deviceKey?: string }> {
    await cloud.checkpointNow();
    const bundle = (await call('GET', `/v1/frames/${frameId}/proof`)).body;
    const trust = (await call('GET', '/v1/trust')).body as TrustFile;
    const result = verifyFrameBundle(bundle, trust);
    return { ok: result.ok, deviceKey: bundle.deviceKey?.publicKey };
  }

  beforeAll(async () => {
    if (backend === 'postgres') run = await postgresAvailable();
    if (!run) return;
    cloud = await startCloudServer({
      dataDir: join(root, 'cloud'),
      http: { port: 0 },
      checkpointIntervalMs: 60_000,
      ...(backend === 'postgres' ? { store: { kind: 'postgres' as const, url: postgresTestUrl, schema } } : {}),
    });
    edge = createBatchPoster(cloud.url, edgeKey, 'edge-1');
    expect(
      (await call('POST', '/v1/edges', { edgeId: 'edge-1', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) }))
        .status,
    ).toBe(201);
    for (const [name, key] of Object.entries(keys)) {
      const answer = await call('POST', '/v1/devices', {
        deviceId: `dev-${name}`,
        alg: key.alg,
        publicKey: toBase64(key.publicKey),
        edgeId: 'edge-1',
      });
      expect(answer.status).toBe(201);
    }
  });
  afterAll(async () => {
    await cloud?.stop();
    if (backend === 'postgres' && run) await dropSchema(schema);
    rmSync(root, { recursive: true, force: true });
  });

  it('a revoked device: new frames quarantined device_revoked, other frames land, old bundles verify', async () => {
    if (!run) return;
    const before = frame(keys.a, 'dev-a', t0 + 1_000);
    const first = await edge.post([before, frame(keys.b, 'dev-b', t0 + 1_000)]);
    expect(first.status).toBe(200);
    expect(first.body.framesStored).toBe(2);

    const revoked = await call('POST', '/v1/devices/dev-a/revoke', {
      reason: 'key leaked',
      effectiveFromMs: t0 + 5_000,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', previousStatus: 'active', changedAtMs: t0 + 5_000 });

    const late = frame(keys.a, 'dev-a', t0 + 4_000); // signed before the revocation, uploaded after: lands
    const after = frame(keys.a, 'dev-a', t0 + 6_000);
    const other = frame(keys.b, 'dev-b', t0 + 6_000);
    const second = await edge.post([late, after, other]);
    expect(second.status).toBe(200);
    expect(second.body.framesStored).toBe(2);
    expect(second.body.framesRejected).toEqual([expect.objectContaining({ index: 1, code: 'device_revoked' })]);
    expect((await call('GET', `/v1/frames/${frameIdOf('intl', other)}`)).status).toBe(200);
    expect((await call('GET', `/v1/frames/${frameIdOf('intl', after)}`)).status).toBe(404);

    expect((await bundleVerifies(frameIdOf('intl', before))).ok).toBe(true);
    expect((await bundleVerifies(frameIdOf('intl', late))).ok).toBe(true);
    const status = (await call('GET', '/v1/status')).body;
    expect(status.rejects.device_revoked).toBe(1);
  });

  it('suspend quarantines device_suspended; resume lets frames land again', async () => {
    if (!run) return;
    expect((await call('POST', '/v1/devices/dev-c/suspend', { reason: 'site audit' })).body.status).toBe('suspended');
    const held = await edge.post([frame(keys.c, 'dev-c', t0 + 7_000), frame(keys.b, 'dev-b', t0 + 7_000)]);
    expect(held.body.framesRejected).toEqual([expect.objectContaining({ index: 0, code: 'device_suspended' })]);
    expect(held.body.framesStored).toBe(1);
    expect((await call('POST', '/v1/devices/dev-c/resume', { reason: 'audit passed' })).body.status).toBe('active');
    const back = frame(keys.c, 'dev-c', t0 + 8_000);
    const resumed = await edge.post([back]);
    expect(resumed.body).toMatchObject({ framesStored: 1, framesRejected: [] });
    expect((await bundleVerifies(frameIdOf('intl', back))).ok).toBe(true);
  });

  it('key rotation: frames before and after the switch land and each bundle verifies with its own key', async () => {
    if (!run) return;
    const next = generateKeyPair('ecdsa-p256');
    const switchMs = t0 + 10_000;
    const added = await call('POST', '/v1/devices/dev-b/keys', {
      alg: 'ecdsa-p256',
      publicKey: toBase64(next.publicKey),
      validFromMs: switchMs,
    });
    expect(added.status).toBe(201);
    const oldKeyFrame = frame(keys.b, 'dev-b', switchMs - 1);
    const newKeyFrame = frame(next, 'dev-b', switchMs + 1);
    const oldKeyTooLate = frame(keys.b, 'dev-b', switchMs + 2);
    const answer = await edge.post([oldKeyFrame, newKeyFrame, oldKeyTooLate]);
    expect(answer.body.framesStored).toBe(2);
    expect(answer.body.framesRejected).toEqual([
      expect.objectContaining({ index: 2, code: 'frame_signature_invalid' }),
    ]);
    const oldBundle = await bundleVerifies(frameIdOf('intl', oldKeyFrame));
    const newBundle = await bundleVerifies(frameIdOf('intl', newKeyFrame));
    expect(oldBundle).toEqual({ ok: true, deviceKey: toBase64(keys.b.publicKey) });
    expect(newBundle).toEqual({ ok: true, deviceKey: toBase64(next.publicKey) });
    // The bundle's deviceKey is checked against the trust file, never trusted on its own.
    const bundle = (await call('GET', `/v1/frames/${frameIdOf('intl', newKeyFrame)}/proof`)).body;
    const trust = (await call('GET', '/v1/trust')).body as TrustFile;
    const swapped = verifyFrameBundle(
      { ...bundle, deviceKey: { ...bundle.deviceKey, publicKey: toBase64(keys.b.publicKey) } },
      trust,
    );
    expect(swapped.steps.find((step) => !step.ok)).toMatchObject({ step: 'frame_signature', code: 'key_untrusted' });
    const { deviceKeys: _history, ...withoutHistory } = trust;
    const { deviceKey: _named, ...unnamed } = bundle;
    const stale = verifyFrameBundle(unnamed, withoutHistory);
    expect(stale.steps.find((step) => !step.ok)).toMatchObject({
      step: 'frame_signature',
      code: 'frame_signature_invalid',
    });
    // A key must start after the newest one.
    const early = await call('POST', '/v1/devices/dev-b/keys', {
      alg: 'ed25519',
      publicKey: toBase64(generateKeyPair('ed25519').publicKey),
      validFromMs: switchMs - 5,
    });
    expect(early).toMatchObject({ status: 400, body: { error: { code: 'device_key_invalid' } } });
    const view = (await call('GET', '/v1/devices/dev-b')).body;
    expect(view.keys.map((key: { validFromMs: number | null }) => key.validFromMs)).toEqual([null, switchMs]);
  });

  it('refuses illegal transitions with device_state_invalid and keeps the history', async () => {
    if (!run) return;
    const refused = async (path: string, body: unknown = { reason: 'try' }) => {
      const answer = await call('POST', path, body);
      expect(answer.status, path).toBe(409);
      expect(answer.body.error.code).toBe('device_state_invalid');
    };
    await refused('/v1/devices/dev-d/resume'); // active, not suspended
    await refused('/v1/devices/dev-d/activate'); // already active
    await refused('/v1/devices/dev-a/resume'); // revoked is final
    await refused('/v1/devices/dev-a/retire');
    expect((await call('POST', '/v1/devices/dev-d/retire', { reason: 'end of life' })).body.status).toBe('retired');
    await refused('/v1/devices/dev-d/suspend');
    const retiredFrame = await edge.post([frame(keys.d, 'dev-d', t0 + 20_000)]);
    expect(retiredFrame.body.framesRejected).toEqual([expect.objectContaining({ code: 'device_retired' })]);
    expect((await call('POST', '/v1/devices/nobody/suspend', { reason: 'x' })).status).toBe(404);
    expect((await call('POST', '/v1/devices/dev-c/suspend', {})).status).toBe(400); // a reason is required

    const view = (await call('GET', '/v1/devices/dev-a')).body;
    expect(view.status).toBe('revoked');
    expect(view.history.map((row: { action: string; toStatus: string }) => `${row.action}:${row.toStatus}`)).toEqual([
      'register:active',
      'revoke:revoked',
    ]);
    expect(view.history[1]).toMatchObject({ reason: 'key leaked', actorId: 'admin-token' });
  });

  it('a device registered with activate:false is device_inactive until activated; assign moves it', async () => {
    if (!run) return;
    const key = generateKeyPair('ed25519');
    await call('POST', '/v1/devices', {
      deviceId: 'dev-e',
      alg: 'ed25519',
      publicKey: toBase64(key.publicKey),
      edgeId: 'edge-1',
      activate: false,
    });
    const waiting = await edge.post([signWeightFrame(key, 'dev-e', 1, t0 + 30_000)]);
    expect(waiting.body.framesRejected).toEqual([expect.objectContaining({ code: 'device_inactive' })]);
    expect((await call('POST', '/v1/devices/dev-e/activate', { reason: 'installed' })).body.status).toBe('active');
    expect((await edge.post([signWeightFrame(key, 'dev-e', 1, t0 + 30_001)])).body.framesStored).toBe(1);

    const edge2Key = generateKeyPair('ed25519');
    await call('POST', '/v1/edges', { edgeId: 'edge-2', alg: 'ed25519', publicKey: toBase64(edge2Key.publicKey) });
    const moved = await call('POST', '/v1/devices/dev-e/assign', { edgeId: 'edge-2' });
    expect(moved.body).toMatchObject({ deviceId: 'dev-e', edgeId: 'edge-2', fromEdgeId: 'edge-1' });
    const viaOld = await edge.post([signWeightFrame(key, 'dev-e', 2, t0 + 30_002)]);
    expect(viaOld.body.framesRejected).toEqual([expect.objectContaining({ code: 'device_not_assigned_to_edge' })]);
    const edge2 = createBatchPoster(cloud.url, edge2Key, 'edge-2');
    expect((await edge2.post([signWeightFrame(key, 'dev-e', 2, t0 + 30_003)])).body.framesStored).toBe(1);
    expect((await call('POST', '/v1/devices/dev-e/assign', { edgeId: 'edge-none' })).body.error.code).toBe(
      'edge_unknown',
    );
  });

  it('a suspended or revoked edge has its batches refused whole', async () => {
    if (!run) return;
    expect((await call('POST', '/v1/edges/edge-1/suspend', { reason: 'maintenance' })).body.status).toBe('suspended');
    const refused = await edge.post([frame(keys.c, 'dev-c', t0 + 40_000)]);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'edge_suspended' } } });
    expect((await call('POST', '/v1/edges/edge-1/resume', { reason: 'done' })).body.status).toBe('active');
    expect((await edge.post([frame(keys.c, 'dev-c', t0 + 40_001)])).body.framesStored).toBe(1);
    expect((await call('POST', '/v1/edges/edge-1/revoke', { reason: 'stolen' })).body.status).toBe('revoked');
    const afterRevoke = await edge.post([frame(keys.c, 'dev-c', t0 + 40_002)]);
    expect(afterRevoke).toMatchObject({ status: 403, body: { error: { code: 'edge_revoked' } } });
    expect((await call('POST', '/v1/edges/edge-1/resume', { reason: 'no' })).body.error.code).toBe(
      'device_state_invalid',
    );
    // Its signed event uploads are refused too, not only its batches.
    const event = {
      eventId: 'ab'.repeat(32),
      suite: 'intl' as const,
      function: { name: 'stock-movement', version: 1 },
      parameters: {},
      deviceId: 'dev-c',
      sourceFrameIds: ['cd'.repeat(32)],
      startTimeMs: t0,
      endTimeMs: t0,
      type: 'stock.moved',
      payload: {},
    };
    const events = await call('POST', '/v1/events', signEventUpload(keyPairSigner(edgeKey), 'edge-1', [event]));
    expect(events).toMatchObject({ status: 403, body: { error: { code: 'edge_revoked' } } });
    expect((await call('POST', '/v1/edges/edge-1/activate', { reason: 'no' })).status).toBe(404);
    const status = (await call('GET', '/v1/status')).body;
    expect(status.rejects).toMatchObject({ edge_suspended: 1, device_suspended: 1 });
    expect(status.rejects.edge_revoked).toBeGreaterThanOrEqual(1);
    const history = (await call('GET', '/v1/edges/edge-1/history')).body;
    expect(history.history.map((row: { action: string }) => row.action)).toEqual([
      'register',
      'suspend',
      'resume',
      'revoke',
    ]);
  });
  it('the audit re-derives the log with rotated and revoked devices and finds nothing', async () => {
    if (!run) return;
    await cloud.checkpointNow();
    const snapshot = backend === 'postgres' ? await snapshotPostgresStore(postgresTestUrl, schema) : undefined;
    const store = openAuditStore(snapshot?.path ?? join(root, 'cloud', 'cloud.db'));
    try {
      const result = await auditLog(store.db, {
        suite: 'intl',
        origin: cloud.origin,
        logKey: { keyName: cloud.origin, alg: 'ed25519', publicKey: cloud.context.logSigner.publicKey },
      });
      expect(result.framesChecked).toBeGreaterThan(10);
      expect(result.findings).toEqual([]);
    } finally {
      store.close();
      snapshot?.remove();
    }
  });
});
