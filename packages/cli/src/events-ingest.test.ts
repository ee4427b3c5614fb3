// Derived events into the real cloud (in process, SQLite): signed uploads, their rejects with
// codes, idempotent replays, events arriving before their frames, and re-execution catching a
// forged event with an alert. The edge → cloud path with real gateways is in commands/reexecute.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import {
  type DerivedEvent,
  defaultEventRegistry,
  deriveEvents,
  eventIdOf,
  GENESIS_BATCH_HASH,
  generateKeyPair,
  keyPairSigner,
  type SignedFrame,
  signEventUpload,
  toBase64,
  toEventSourceFrames,
} from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../_test/post-json.ts';
import { buildBatch } from '../_test/signed-batch.ts';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { waitFor } from '../_test/wait-for.ts';

// The store this file's cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}

interface Trace {
  publicKey: string;
  frames: SignedFrame[];
}
const readTrace = (name: string): Trace =>
  JSON.parse(readFileSync(new URL(`../../protocol/_test/traces/${name}.json`, import.meta.url), 'utf8')) as Trace;
const loadCell = readTrace('load-cell'); // cell-1: four stock movements
const powerMeter = readTrace('power-meter'); // line-1: a production start, stop and run

function derive(trace: Trace, name: string): DerivedEvent[] {
  const definition = defaultEventRegistry.get(`${name}@1`);
  if (!definition) throw new Error(`no ${name}`);
  const deviceId = trace.frames[0]?.frame.deviceId as string;
  return deriveEvents({
    definition,
    parameters: definition.parametersSchema.parse({}),
    suite: 'intl',
    deviceId,
    frames: toEventSourceFrames('intl', trace.frames),
  }).events;
}

/** A copy of `event` with `change` applied and its id recomputed: what a compromised edge would send. */
function forge(event: DerivedEvent, change: (copy: DerivedEvent) => void): DerivedEvent {
  const copy = structuredClone(event);
  change(copy);
  copy.eventId = eventIdOf(copy);
  return copy;
}

const root = mkdtempSync(join(tmpdir(), 'fieldproof-events-ingest-'));
const edgeKey = generateKeyPair('ed25519');
const otherEdgeKey = generateKeyPair('ed25519');
const movements = derive(loadCell, 'derive-stock-movements');
const runs = derive(powerMeter, 'detect-production-runs');
let cloud: CloudServer;

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string } };
}
async function post(path: string, body: unknown): Promise<Answer> {
  const response = await fetch(`${cloud.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}
async function get<T>(path: string, token: string | undefined = cloud.adminToken): Promise<T> {
  const response = await fetch(`${cloud.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return (await response.json()) as T;
}
interface EventView {
  event: DerivedEvent;
  edgeId: string;
  check: {
    status: string;
    attempts: number;
    detail: { code: string; expected: DerivedEvent | null; got: DerivedEvent } | null;
    alertId: string | null;
  };
}
const view = (eventId: string) => get<EventView>(`/v1/events/${eventId}`);
const statusOf = async (eventId: string) => (await view(eventId)).check.status;

beforeAll(async () => {
  cloud = await startCloudServer({
    ...(await testStoreConfig()),
    dataDir: join(root, 'cloud'),
    http: { port: 0 },
    checkpointIntervalMs: 50,
    events: { checkIntervalMs: 20, frameWaitRetryMs: 20, frameWaitRetryMaxMs: 100, frameWaitAttemptsMax: 40 },
  });
  const admin = (path: string, body: unknown) => postJson(`${cloud.url}${path}`, body, cloud.adminToken);
  await admin('/v1/edges', { edgeId: 'edge-1', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) });
  await admin('/v1/edges', { edgeId: 'edge-2', alg: 'ed25519', publicKey: toBase64(otherEdgeKey.publicKey) });
  await admin('/v1/devices', { deviceId: 'cell-1', alg: 'ed25519', publicKey: loadCell.publicKey, edgeId: 'edge-1' });
  await admin('/v1/devices', { deviceId: 'line-1', alg: 'ed25519', publicKey: powerMeter.publicKey, edgeId: 'edge-2' });
});
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

describe('POST /v1/events and re-execution', () => {
  it('stores honest events that arrive before their frames, and matches them once the frames are logged', async () => {
    expect(movements).toHaveLength(4);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const first = await post('/v1/events', signEventUpload(keyPairSigner(edgeKey), 'edge-1', movements));
    expect(first).toMatchObject({ status: 200, body: { accepted: 4, duplicates: 0, rejected: [] } });
    const firstId = movements[0]?.eventId as string;
    // No frame is logged yet: the worker looked and will look again.
    await waitFor('a first look', async () => ((await view(firstId)).check.attempts >= 1 ? true : undefined));
    expect(await view(firstId)).toMatchObject({ edgeId: 'edge-1', check: { status: 'pending' } });
    expect((await view(firstId)).check.detail?.code).toBe('event_frames_missing');
    const { batch, frames } = buildBatch(edgeKey, 'edge-1', 0, GENESIS_BATCH_HASH, loadCell.frames);
    await postJson(`${cloud.url}/v1/ingest/batches`, { batch, frames });
    for (const event of movements) {
      await waitFor(`event ${event.eventId} matched`, async () =>
        (await statusOf(event.eventId)) === 'matched' ? true : undefined,
      );
    }
    const listed = await get<{ items: EventView[] }>(
      '/v1/events?deviceId=cell-1&checkStatus=matched&type=stock.movement',
    );
    expect(listed.items.map((item) => item.event.eventId).sort()).toEqual(movements.map((e) => e.eventId).sort());
  });

  it('answers a replayed upload as duplicates, changing nothing', async () => {
    const before = await get<{ items: unknown[] }>('/v1/events?limit=1000');
    const again = await post('/v1/events', signEventUpload(keyPairSigner(edgeKey), 'edge-1', movements));
    expect(again).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 4, rejected: [] } });
    expect((await get<{ items: unknown[] }>('/v1/events?limit=1000')).items).toHaveLength(before.items.length);
  });

  it('rejects an event for a device of another edge with its code, quarantined and counted; the rest land', async () => {
    // Another parameter choice gives another, equally re-executable event (parameters are not policed here).
    const variant = forge(movements[1] as DerivedEvent, (copy) => {
      copy.parameters = { ...copy.parameters, minimumStepKg: 101 };
    });
    const answer = await post(
      '/v1/events',
      signEventUpload(keyPairSigner(edgeKey), 'edge-1', [runs[0] as DerivedEvent, variant]),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      accepted: 1,
      duplicates: 0,
      rejected: [{ eventId: runs[0]?.eventId, code: 'device_not_assigned_to_edge' }],
    });
    expect(
      (
        await fetch(`${cloud.url}/v1/events/${runs[0]?.eventId}`, {
          headers: { authorization: `Bearer ${cloud.adminToken}` },
        })
      ).status,
    ).toBe(404);
    const status = await get<{ rejects: Record<string, number> }>('/v1/status');
    expect(status.rejects.device_not_assigned_to_edge).toBe(1);
    const quarantine = await get<{ items: { code: string; edgeId: string; payloadBase64: string }[] }>(
      '/v1/quarantine',
    );
    const kept = quarantine.items.find((item) => item.code === 'device_not_assigned_to_edge');
    expect(kept?.edgeId).toBe('edge-1');
    expect(JSON.parse(Buffer.from(kept?.payloadBase64 ?? '', 'base64').toString()).eventId).toBe(runs[0]?.eventId);
    // The edge that owns line-1 may send it.
    const owner = await post('/v1/events', signEventUpload(keyPairSigner(otherEdgeKey), 'edge-2', runs));
    expect(owner.body).toMatchObject({ accepted: runs.length, rejected: [] });
  });

  it('refuses whole uploads: malformed, unknown edge, a signature by another key, each with its code', async () => {
    const signed = signEventUpload(keyPairSigner(edgeKey), 'edge-1', movements.slice(0, 1));
    expect((await post('/v1/events', '{"edgeId":')).body.error?.code).toBe('events_malformed');
    expect((await post('/v1/events', { ...signed, extra: 1 })).body.error?.code).toBe('events_malformed');
    const unknown = await post('/v1/events', signEventUpload(keyPairSigner(edgeKey), 'edge-9', movements.slice(0, 1)));
    expect(unknown).toMatchObject({ status: 403, body: { error: { code: 'edge_unknown' } } });
    const wrongKey = await post('/v1/events', { ...signEventUpload(keyPairSigner(otherEdgeKey), 'edge-1', movements) });
    expect(wrongKey).toMatchObject({ status: 422, body: { error: { code: 'events_signature_invalid' } } });
    // A signature over other events does not carry over.
    const swapped = await post('/v1/events', { ...signed, events: movements.slice(1, 2) });
    expect(swapped.body.error?.code).toBe('events_signature_invalid');
    const status = await get<{ rejects: Record<string, number> }>('/v1/status');
    expect(status.rejects).toMatchObject({ events_malformed: 2, edge_unknown: 1, events_signature_invalid: 2 });
  });

  it('catches a forged event signed by its edge: stored as mismatch with expected vs got, and a high alert', async () => {
    const honest = movements[0] as DerivedEvent;
    const forged = forge(honest, (copy) => {
      copy.payload = { ...copy.payload, weightKg: (copy.payload.weightKg as number) + 1_000 };
    });
    // The same id with another body is a conflict, not a second event.
    const stale = structuredClone(forged);
    stale.eventId = honest.eventId;
    const answer = await post('/v1/events', signEventUpload(keyPairSigner(edgeKey), 'edge-1', [forged, stale]));
    expect(answer.body).toMatchObject({
      accepted: 1,
      rejected: [{ eventId: honest.eventId, code: 'event_conflict' }],
    });
    await waitFor('the mismatch', async () => ((await statusOf(forged.eventId)) === 'mismatch' ? true : undefined));
    const stored = await view(forged.eventId);
    expect(stored.check.detail?.code).toBe('event_mismatch');
    expect(stored.check.detail?.expected?.payload.weightKg).toBe(honest.payload.weightKg);
    expect(stored.check.detail?.got.payload.weightKg).toBe((honest.payload.weightKg as number) + 1_000);
    const alertId = stored.check.alertId as string;
    const alerts = await get<{
      items: { alertId: string; severity: string; subjectId: string; evidence: unknown[] }[];
    }>('/v1/alerts?rule=edge_computation_mismatch', cloud.adminToken);
    expect(alerts.items).toHaveLength(1);
    expect(alerts.items[0]).toMatchObject({ alertId, severity: 'high', subjectId: 'cell-1' });
    expect(alerts.items[0]?.evidence).toEqual([
      { kind: 'event', id: forged.eventId },
      ...forged.sourceFrameIds.map((id) => ({ kind: 'frame', id })),
    ]);
    // The honest event is untouched.
    expect(await statusOf(honest.eventId)).toBe('matched');
  });

  it('gives up on frames that never come: frames_missing after the limit', async () => {
    const orphan = forge(movements[2] as DerivedEvent, (copy) => {
      copy.sourceFrameIds = ['ff'.repeat(32), ...copy.sourceFrameIds.slice(1)];
    });
    await post('/v1/events', signEventUpload(keyPairSigner(edgeKey), 'edge-1', [orphan]));
    await waitFor(
      'frames_missing',
      async () => ((await statusOf(orphan.eventId)) === 'frames_missing' ? true : undefined),
      20_000,
    );
    expect((await view(orphan.eventId)).check.attempts).toBe(40);
  });

  it('counts events on /metrics', async () => {
    await waitFor(
      'no event pending',
      async () =>
        (await get<{ items: unknown[] }>('/v1/events?checkStatus=pending')).items.length === 0 ? true : undefined,
      20_000,
    );
    const text = await (await fetch(`${cloud.url}/metrics`)).text();
    expect(text).toMatch(/^fieldproof_events_received_total \d+$/m);
    expect(text).toMatch(/^fieldproof_events_checked\{status="matched"\} 5$/m);
    expect(text).toMatch(/^fieldproof_events_checked\{status="mismatch"\} 1$/m);
  });
});
