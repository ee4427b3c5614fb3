// Verifiable edge computation end to end, on the real stack in process: a real edge gateway
// derives events from simulated load-cell and power-meter frames (the recorded, signed traces),
// sends its batches and its signed events to the real cloud, which re-executes them. Then a
// compromised edge: a derived_event row is rewritten in the edge's own database (weight changed,
// id recomputed) before its uplink, and the cloud, the alert API and `fieldproof reexecute` all
// catch it; a resent honest event changes nothing.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import { type EdgeConfigInput, type EdgeGateway, startEdgeGateway } from '@fieldproof/edge';
import { type DerivedEvent, eventIdOf, loadOrCreateKeyPair, type SignedFrame, toBase64 } from '@fieldproof/protocol';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../../_test/post-json.ts';
import { spawnFieldproof } from '../../_test/processes.ts';
import { type TestCloudStore, testCloudStore } from '../../_test/test-store.ts';
import { getJson, waitFor } from '../../_test/wait-for.ts';
import { runReexecute } from './reexecute.ts';

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
  JSON.parse(readFileSync(new URL(`../../../protocol/_test/traces/${name}.json`, import.meta.url), 'utf8')) as Trace;
const loadCell = readTrace('load-cell'); // cell-1: four stock movements
const powerMeter = readTrace('power-meter'); // line-1: production start, stop and run

const root = mkdtempSync(join(tmpdir(), 'fieldproof-reexecute-'));
const edgeDir = join(root, 'edge-1');
const trustPath = join(root, 'trust.json');
let cloud: CloudServer;
let edge: EdgeGateway | undefined;

interface EventView {
  event: DerivedEvent;
  check: { status: string; alertId: string | null; detail: { expected: DerivedEvent | null } | null };
}

const edgeConfig = (): EdgeConfigInput => ({
  edgeId: 'edge-1',
  dataDir: edgeDir,
  http: { port: 0 },
  cloud: { url: cloud.url, retryBaseMs: 50 },
  batch: { intervalMs: 100, framesMax: 200 },
  derive: {
    functions: [
      { name: 'derive-stock-movements', deviceIds: ['cell-1'] },
      { name: 'detect-production-runs', deviceIds: ['line-1'] },
    ],
  },
  devices: [
    { deviceId: 'cell-1', alg: 'ed25519', publicKey: loadCell.publicKey },
    { deviceId: 'line-1', alg: 'ed25519', publicKey: powerMeter.publicKey },
  ],
});

async function events(): Promise<EventView[]> {
  return (await getJson<{ items: EventView[] }>(`${cloud.url}/v1/events?limit=1000`, cloud.adminToken)).items;
}

async function reexecute(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runReexecute(
    ['--cloud', cloud.url, '--trust', trustPath, '--token', cloud.adminToken, ...args],
    (line) => lines.push(line),
  );
  return { code, lines };
}

beforeAll(async () => {
  cloud = await startCloudServer({
    ...(await testStoreConfig()),
    dataDir: join(root, 'cloud'),
    http: { port: 0 },
    checkpointIntervalMs: 50,
    events: { checkIntervalMs: 50, frameWaitRetryMs: 50, frameWaitRetryMaxMs: 500 },
  });
  const edgeKey = loadOrCreateKeyPair(join(edgeDir, 'edge-key.json'), 'ed25519');
  const admin = (path: string, body: unknown) => postJson(`${cloud.url}${path}`, body, cloud.adminToken);
  await admin('/v1/edges', { edgeId: 'edge-1', alg: edgeKey.alg, publicKey: toBase64(edgeKey.publicKey) });
  await admin('/v1/devices', { deviceId: 'cell-1', alg: 'ed25519', publicKey: loadCell.publicKey, edgeId: 'edge-1' });
  await admin('/v1/devices', { deviceId: 'line-1', alg: 'ed25519', publicKey: powerMeter.publicKey, edgeId: 'edge-1' });
  edge = await startEdgeGateway(edgeConfig());
  // The two devices post to the edge's HTTPS-or-HTTP intake as a site would, interleaved.
  const interleaved = loadCell.frames.flatMap((signed, index) => [
    signed,
    ...(powerMeter.frames[index] ? [powerMeter.frames[index]] : []),
  ]);
  for (const signed of interleaved) await postJson(`${edge.httpUrl}/v1/frames`, signed);
  await edge.flush();
  writeFileSync(trustPath, JSON.stringify(await getJson(`${cloud.url}/v1/trust`)));
}, 120_000);

afterAll(async () => {
  await edge?.stop();
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

describe('verifiable edge computation', () => {
  let honest: EventView[] = [];

  it('re-executes every honest event from both devices in the cloud and with fieldproof reexecute', async () => {
    honest = await waitFor('every event checked', async () => {
      const all = await events();
      return all.length >= 7 && all.every((item) => item.check.status === 'matched') ? all : undefined;
    });
    const types = honest.map((item) => item.event.type).sort();
    expect(types.filter((type) => type === 'stock.movement')).toHaveLength(4);
    expect(types).toEqual(expect.arrayContaining(['production.start', 'production.stop', 'production.run']));
    expect(edge?.status().events.unsent).toBe(0);
    for (const deviceId of ['cell-1', 'line-1']) {
      const { code, lines } = await reexecute('--device', deviceId);
      expect(code, lines.join('\n')).toBe(0);
      expect(lines.filter((line) => line.startsWith('ok   ')).length).toBeGreaterThanOrEqual(3);
      expect(lines.at(-1)).toMatch(/every one matched/);
    }
    const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^fieldproof_events_checked\\{status="matched"\\} ${honest.length}$`, 'm'));
  }, 120_000);

  it('catches an event rewritten in the edge store before uplink, and resending an honest one changes nothing', async () => {
    await edge?.stop();
    edge = undefined;
    const database = new Database(join(edgeDir, 'edge.db'));
    const rows = database
      .prepare("SELECT id, body FROM derived_event WHERE type = 'stock.movement' ORDER BY id")
      .all() as { id: number; body: string }[];
    const [target, resent] = rows;
    if (!target || !resent) throw new Error('no stock movements at the edge');
    const original = JSON.parse(target.body) as DerivedEvent;
    const forged: DerivedEvent = {
      ...original,
      payload: { ...original.payload, weightKg: (original.payload.weightKg as number) + 1_000 },
    };
    forged.eventId = eventIdOf(forged);
    database
      .prepare('UPDATE derived_event SET body = ?, event_id = ?, sent_at_ms = NULL WHERE id = ?')
      .run(JSON.stringify(forged), forged.eventId, target.id);
    database.prepare('UPDATE derived_event SET sent_at_ms = NULL WHERE id = ?').run(resent.id);
    database.close();

    edge = await startEdgeGateway(edgeConfig());
    await edge.flush();
    const caught = await waitFor('the mismatch', async () => {
      const found = (await events()).find((item) => item.event.eventId === forged.eventId);
      return found?.check.status === 'mismatch' ? found : undefined;
    });
    expect(caught.check.detail?.expected?.payload.weightKg).toBe(original.payload.weightKg);
    // The resent honest event is a duplicate: one new event only, the forged one.
    expect((await events()).length).toBe(honest.length + 1);
    expect(edge.status().events.unsent).toBe(0);

    const response = await fetch(`${cloud.url}/v1/alerts?rule=edge_computation_mismatch&state=open`, {
      headers: { authorization: `Bearer ${cloud.adminToken}` },
    });
    const { items: alerts } = (await response.json()) as {
      items: { alertId: string; severity: string; evidence: { kind: string; id: string }[] }[];
    };
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.alertId).toBe(caught.check.alertId);
    expect(alerts[0]?.severity).toBe('high');
    expect(alerts[0]?.evidence[0]).toEqual({ kind: 'event', id: forged.eventId });
    expect(alerts[0]?.evidence.slice(1).map((item) => item.id)).toEqual(forged.sourceFrameIds);

    const all = await reexecute('--device', 'cell-1');
    expect(all.code, all.lines.join('\n')).toBe(1);
    const failed = all.lines.filter((line) => line.startsWith('FAIL'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain(forged.eventId);
    expect(failed[0]).toContain('event_mismatch');
    expect(all.lines.at(-1)).toMatch(/1 did NOT match/);
    // The same through the installed command, as its own process.
    const command = spawnFieldproof(
      ['reexecute', '--cloud', cloud.url, '--trust', trustPath, '--token', cloud.adminToken, '--device', 'cell-1'],
      'reexecute',
    );
    expect(await command.exited).toBe(1);
    // 'exit' can come before the last output: wait for the pipe to close.
    const stdout = command.child.stdout;
    if (stdout && !stdout.closed) await once(stdout, 'close');
    expect(command.lines.find((line) => line.includes('FAIL'))).toContain(forged.eventId);
    const one = await reexecute('--event', forged.eventId);
    expect(one.code).toBe(1);
    const fine = await reexecute('--event', original.eventId);
    expect(fine.code, fine.lines.join('\n')).toBe(0);
  }, 120_000);

  it('refuses bad arguments with exit 2', async () => {
    expect((await reexecute()).code).toBe(2);
    expect((await reexecute('--event', 'a', '--device', 'b')).code).toBe(2);
  });
});
