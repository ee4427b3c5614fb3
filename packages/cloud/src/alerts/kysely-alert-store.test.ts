import { type AlertCandidate, raiseAlerts, transitionAlert } from '@fieldproof/finance';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../../_test/store-backends.ts';
import { type CloudAlertStore, createKyselyAlertStore } from './kysely-alert-store.ts';

const candidate = (dedupKey: string, overrides: Partial<AlertCandidate> = {}): AlertCandidate => ({
  rule: 'ltv_breach',
  dedupKey,
  severity: 'medium',
  subjectId: 'lot-1',
  organisationId: 'bank-1',
  message: 'loan-to-value above the limit',
  details: { ltvBasisPoints: 8_100, amountMinor: '120000000' },
  evidence: [{ kind: 'frame', id: 'ab'.repeat(32) }],
  observedAtMs: 1_000,
  ...overrides,
});

describe.each([sqliteBackend(), postgresBackend()])('alert store contract on $name', (backend: StoreBackend) => {
  let alerts: CloudAlertStore;
  let available = true;
  let nextId = 0;
  const newAlertId = () => `alert-${String(++nextId).padStart(3, '0')}`;

  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    alerts = createKyselyAlertStore(await backend.open());
    nextId = 0;
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('stores an alert whole, replaces it on put, and finds the unresolved one by dedup key', async () => {
    const { raised } = await raiseAlerts({ store: alerts, newAlertId }, { candidates: [candidate('ltv.lot-1')] });
    expect(raised).toHaveLength(1);
    const stored = await alerts.get('alert-001');
    expect(stored).toEqual(raised[0]);
    expect(await alerts.findUnresolvedByDedupKey('ltv.lot-1')).toEqual(raised[0]);
    expect(await alerts.get('alert-404')).toBeUndefined();
    // A repeat updates the same alert: severity raised, occurrences counted, evidence merged.
    const { repeated } = await raiseAlerts(
      { store: alerts, newAlertId },
      {
        candidates: [
          candidate('ltv.lot-1', { severity: 'high', observedAtMs: 2_000, evidence: [{ kind: 'event', id: 'e1' }] }),
        ],
      },
    );
    expect(repeated[0]).toMatchObject({ alertId: 'alert-001', severity: 'high', occurrences: 2, lastSeenAtMs: 2_000 });
    expect(await alerts.get('alert-001')).toEqual(repeated[0]);
    expect((await alerts.list({ limit: 10 })).alerts).toHaveLength(1);
  });

  it('follows the lifecycle; a resolved alert frees its dedup key and a repeat raises a new one', async () => {
    await raiseAlerts({ store: alerts, newAlertId }, { candidates: [candidate('ltv.lot-1')] });
    await transitionAlert(
      { store: alerts },
      { alertId: 'alert-001', action: { type: 'acknowledge', actorId: 'officer-7', atMs: 1_100 } },
    );
    await expect(
      transitionAlert(
        { store: alerts },
        { alertId: 'alert-001', action: { type: 'acknowledge', actorId: 'officer-7', atMs: 1_150 } },
      ),
    ).rejects.toMatchObject({ code: 'alert_transition_invalid' });
    await transitionAlert(
      { store: alerts },
      {
        alertId: 'alert-001',
        action: { type: 'resolve', actorId: 'officer-7', atMs: 1_200, resolution: 'top-up paid' },
      },
    );
    expect(await alerts.findUnresolvedByDedupKey('ltv.lot-1')).toBeUndefined();
    const { raised } = await raiseAlerts(
      { store: alerts, newAlertId },
      { candidates: [candidate('ltv.lot-1', { observedAtMs: 3_000 })] },
    );
    expect(raised[0]?.alertId).toBe('alert-002');
    const resolved = await alerts.get('alert-001');
    expect(resolved).toMatchObject({ state: 'resolved', resolution: 'top-up paid', resolvedAtMs: 1_200 });
    expect(resolved?.history.map((entry) => entry.action)).toEqual(['raised', 'acknowledged', 'resolved']);
  });

  it('refuses a second unresolved alert with the same dedup key (the unique partial index)', async () => {
    const [alert] = (await raiseAlerts({ store: alerts, newAlertId }, { candidates: [candidate('dup')] })).raised;
    if (!alert) throw new Error('no alert');
    await expect(alerts.put({ ...alert, alertId: 'alert-other' })).rejects.toThrow();
    await alerts.put({ ...alert, alertId: 'alert-other', state: 'resolved', resolution: 'x', resolvedAtMs: 2 });
    expect((await alerts.list({ limit: 10 })).alerts.map((item) => item.alertId).sort()).toEqual([
      'alert-001',
      'alert-other',
    ]);
  });

  it('lists by state, severity, rule, subject and organisation, newest first, in pages', async () => {
    const candidates: AlertCandidate[] = [];
    for (let index = 0; index < 7; index++) {
      candidates.push(
        candidate(`key-${index}`, {
          observedAtMs: 10_000 + Math.floor(index / 2),
          severity: index % 2 === 0 ? 'high' : 'low',
          rule: index < 3 ? 'edge_computation_mismatch' : 'device_offline',
          subjectId: `device-${index % 3}`,
          organisationId: index === 6 ? 'bank-2' : 'bank-1',
        }),
      );
    }
    await raiseAlerts({ store: alerts, newAlertId }, { candidates });
    await transitionAlert(
      { store: alerts },
      { alertId: 'alert-002', action: { type: 'acknowledge', actorId: 'officer-7', atMs: 20_000 } },
    );
    const ids = (page: { alerts: { alertId: string }[] }) => page.alerts.map((alert) => alert.alertId);
    expect(ids(await alerts.list({ limit: 100 }))).toEqual([
      'alert-007',
      'alert-006',
      'alert-005',
      'alert-004',
      'alert-003',
      'alert-002',
      'alert-001',
    ]);
    expect(ids(await alerts.list({ limit: 100, severity: 'high' }))).toEqual([
      'alert-007',
      'alert-005',
      'alert-003',
      'alert-001',
    ]);
    expect(ids(await alerts.list({ limit: 100, rule: 'edge_computation_mismatch' }))).toEqual([
      'alert-003',
      'alert-002',
      'alert-001',
    ]);
    expect(ids(await alerts.list({ limit: 100, state: 'acknowledged' }))).toEqual(['alert-002']);
    expect(ids(await alerts.list({ limit: 100, subjectId: 'device-0' }))).toEqual([
      'alert-007',
      'alert-004',
      'alert-001',
    ]);
    expect(ids(await alerts.list({ limit: 100, organisationId: 'bank-2' }))).toEqual(['alert-007']);
    // Pages of 3 with ties on raisedAtMs walk every alert once.
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await alerts.list({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...ids(page));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids(await alerts.list({ limit: 100 })));
  });
});
