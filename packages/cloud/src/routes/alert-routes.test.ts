import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Alert, raiseAlerts } from '@fieldproof/finance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../../_test/test-store.ts';
import { type CloudServer, startCloudServer } from '../server.ts';

const root = mkdtempSync(join(tmpdir(), 'fieldproof-alert-routes-'));
let cloud: CloudServer;
let testStore: TestCloudStore;
beforeAll(async () => {
  testStore = await testCloudStore();
  cloud = await startCloudServer({ dataDir: join(root, 'cloud'), http: { port: 0 }, ...testStore.config });
  let next = 0;
  await raiseAlerts(
    { store: cloud.context.alerts, newAlertId: () => `alert-${++next}` },
    {
      candidates: [1, 2, 3].map((index) => ({
        rule: index === 3 ? ('device_offline' as const) : ('ltv_breach' as const),
        dedupKey: `key-${index}`,
        severity: index === 1 ? ('high' as const) : ('low' as const),
        subjectId: `lot-${index}`,
        organisationId: 'bank-1',
        message: 'an alert',
        details: {},
        evidence: [],
        observedAtMs: 1_000 * index,
      })),
    },
  );
});
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

/** What the alert API answers. */
interface Answer {
  items: Alert[];
  alert: Alert;
  decision?: { decisionId: string; logIndex: number };
  nextCursor?: string;
  error: { code: string };
}

async function call(method: string, path: string, body?: unknown, token: string = cloud.adminToken) {
  const response = await fetch(`${cloud.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

describe('alert routes', () => {
  it('lists with filters and pages, and needs the admin token', async () => {
    expect((await call('GET', '/v1/alerts', undefined, 'wrong')).status).toBe(401);
    const all = await call('GET', '/v1/alerts');
    expect(all.body.items.map((alert) => alert.alertId)).toEqual(['alert-3', 'alert-2', 'alert-1']);
    const high = await call('GET', '/v1/alerts?severity=high&state=open&rule=ltv_breach');
    expect(high.body.items.map((alert) => alert.alertId)).toEqual(['alert-1']);
    const first = await call('GET', '/v1/alerts?limit=2');
    expect(first.body.items).toHaveLength(2);
    const second = await call('GET', `/v1/alerts?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((alert) => alert.alertId)).toEqual(['alert-1']);
    expect(second.body.nextCursor).toBeUndefined();
    expect((await call('GET', '/v1/alerts?cursor=nonsense')).body.error.code).toBe('request_invalid');
    expect((await call('GET', '/v1/alerts?colour=red')).status).toBe(400);
  });

  it('acknowledges, assigns and resolves with notes; an invalid transition answers its code', async () => {
    const early = await call('POST', '/v1/alerts/alert-1/resolve', { actorId: 'officer-7', resolution: 'done' });
    expect(early).toMatchObject({ status: 409, body: { error: { code: 'alert_transition_invalid' } } });
    const acknowledged = await call('POST', '/v1/alerts/alert-1/acknowledge', {
      actorId: 'officer-7',
      note: 'looking',
    });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.alert).toMatchObject({ state: 'acknowledged', assigneeId: 'officer-7' });
    const assigned = await call('POST', '/v1/alerts/alert-1/assign', { actorId: 'officer-7', assigneeId: 'officer-9' });
    expect(assigned.body.alert.assigneeId).toBe('officer-9');
    await call('POST', '/v1/alerts/alert-1/notes', { actorId: 'officer-9', text: 'called the borrower' });
    const resolved = await call('POST', '/v1/alerts/alert-1/resolve', {
      actorId: 'officer-9',
      resolution: 'top-up received',
      note: 'receipt attached',
    });
    expect(resolved.body.alert).toMatchObject({ state: 'resolved', resolution: 'top-up received' });
    const stored = await call('GET', '/v1/alerts/alert-1');
    expect(stored.body.alert.notes.map((note) => note.text)).toEqual([
      'looking',
      'called the borrower',
      'receipt attached',
    ]);
    expect(stored.body.alert.history.map((entry) => entry.action)).toEqual([
      'raised',
      'noted',
      'acknowledged',
      'assigned',
      'noted',
      'noted',
      'resolved',
    ]);
    const again = await call('POST', '/v1/alerts/alert-1/acknowledge', { actorId: 'officer-7' });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'alert_transition_invalid' } } });
    expect((await call('POST', '/v1/alerts/alert-404/acknowledge', { actorId: 'officer-7' })).body.error.code).toBe(
      'alert_not_found',
    );
    expect((await call('GET', '/v1/alerts/alert-404')).status).toBe(404);
    expect((await call('POST', '/v1/alerts/alert-2/assign', { actorId: 'officer-7' })).status).toBe(400);
    expect(
      (await call('POST', '/v1/alerts/alert-2/notes', { actorId: 'officer-7', text: '   ' })).body.error.code,
    ).toBe('alert_note_invalid');
  });

  it('logs the alert.resolved decision when a resolve names a decisionId', async () => {
    await call('POST', '/v1/alerts/alert-3/acknowledge', { actorId: 'officer-7' });
    const resolved = await call('POST', '/v1/alerts/alert-3/resolve', {
      actorId: 'officer-7',
      resolution: 'device back online',
      decisionId: 'resolve-alert-3',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.decision).toMatchObject({ decisionId: 'resolve-alert-3' });
    const logged = (await (
      await fetch(`${cloud.url}/v1/decisions/resolve-alert-3`, {
        headers: { authorization: `Bearer ${cloud.adminToken}` },
      })
    ).json()) as {
      decision: { type: string; details: { alertId: string } };
    };
    expect(logged.decision).toMatchObject({ type: 'alert.resolved', details: { alertId: 'alert-3' } });
  });
});
