import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { raiseAlerts } from '@fieldproof/finance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../../_test/test-store.ts';
import { type CloudServer, startCloudServer } from '../server.ts';

// The console's read API over a cloud (its store from FIELDPROOF_TEST_STORE) with the finance demo loaded: the demo bank's book,
// its lots, parties and flows; one alert raised on a demo lot.
const root = mkdtempSync(join(tmpdir(), 'fieldproof-portfolio-routes-'));
let cloud: CloudServer;
let testStore: TestCloudStore | undefined;
beforeAll(async () => {
  testStore = await testCloudStore();
  cloud = await startCloudServer(
    { ...testStore.config, dataDir: join(root, 'cloud'), http: { port: 0 } },
    { finance: { demo: true } },
  );
  await raiseAlerts(
    { store: cloud.context.alerts, newAlertId: () => 'alert-wh2' },
    {
      candidates: [
        {
          rule: 'goods_left_without_release',
          dedupKey: 'wh2-outflow',
          severity: 'critical',
          subjectId: 'demo-lot-wh2-coil',
          organisationId: 'demo-bank',
          message: 'goods left warehouse 2 with no release order',
          details: {},
          evidence: [],
          observedAtMs: Date.now(),
        },
      ],
    },
  );
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

async function get<Body>(path: string, token: string = cloud.adminToken): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${cloud.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Body };
}

interface Portfolio {
  currency: string;
  loanCount: number;
  exposureByProduct: { id: string; amountMinor: string }[];
  exposureByBorrower: { id: string; amountMinor: string }[];
  lots: { lotId: string; ltvBasisPoints: number | null; line: string | null }[];
  alertsBySeverity: Record<string, number>;
  log: { witnesses: unknown[]; witnessThreshold: number };
  anchor: unknown;
}

describe('portfolio routes', () => {
  it('need a principal or the admin token', async () => {
    for (const path of ['/v1/portfolio', '/v1/finance/loans', '/v1/finance/lots', '/v1/borrowers/suzhou-metals']) {
      const answer = await get<{ error: { code: string } }>(path, 'wrong');
      expect([path, answer.status, answer.body.error.code]).toEqual([path, 401, 'unauthorized']);
    }
  });

  it('sums the disbursed book by product and borrower, values each lot and counts unresolved alerts', async () => {
    const { status, body } = await get<Portfolio>('/v1/portfolio');
    expect(status).toBe(200);
    expect(body.currency).toBe('CNY');
    expect(body.loanCount).toBeGreaterThanOrEqual(4);
    expect(body.exposureByProduct.map((item) => item.id)).toEqual(['inventory_pledge', 'order', 'receivables']);
    // Two inventory-pledge loans of 90,000 CNY each, as decimal minor units.
    expect(body.exposureByProduct.find((item) => item.id === 'inventory_pledge')?.amountMinor).toBe('18000000');
    const byBorrower = body.exposureByBorrower.reduce((sum, item) => sum + BigInt(item.amountMinor), 0n);
    const byProduct = body.exposureByProduct.reduce((sum, item) => sum + BigInt(item.amountMinor), 0n);
    expect(byBorrower).toBe(byProduct);
    expect(body.lots.map((lot) => lot.lotId)).toEqual(['demo-lot-wh1-coil', 'demo-lot-wh2-coil']);
    for (const lot of body.lots) {
      expect(lot.ltvBasisPoints).toBeGreaterThan(0);
      expect(lot.line).toBe('normal');
    }
    expect(body.alertsBySeverity).toEqual({ low: 0, medium: 0, high: 0, critical: 1 });
    expect(body.anchor).toBeNull();
  });

  it('lists loans and valued lots', async () => {
    const loans = await get<{ items: { loanId: string; principalMinor: string }[] }>('/v1/finance/loans');
    expect(loans.body.items.map((loan) => loan.loanId)).toContain('demo-loan-warehouse-1');
    expect(typeof loans.body.items[0]?.principalMinor).toBe('string');
    const lots = await get<{ items: { lot: { lotId: string }; valuation: { lendingValueMinor: string } | null }[] }>(
      '/v1/finance/lots',
    );
    expect(lots.body.items).toHaveLength(2);
    expect(BigInt(lots.body.items[0]?.valuation?.lendingValueMinor ?? '0')).toBeGreaterThan(0n);
  });

  it('answers a borrower 360 with its loans, lots, alerts, flows, findings and scored reasons', async () => {
    const { status, body } = await get<{
      party: { partyId: string };
      loans: { loanId: string }[];
      lots: { lot: { lotId: string } }[];
      deviceIds: string[];
      alerts: { alertId: string }[];
      timeline: { flow: string; atMs: number }[];
      credit: { score: number; contributions: { reasonCode: string; reasonText: string }[] };
    }>('/v1/borrowers/suzhou-metals');
    expect(status).toBe(200);
    expect(body.party.partyId).toBe('suzhou-metals');
    expect(body.loans.map((loan) => loan.loanId)).toEqual(['demo-loan-warehouse-2']);
    expect(body.lots.map((valued) => valued.lot.lotId)).toEqual(['demo-lot-wh2-coil']);
    expect(body.deviceIds).toEqual(['load-cell-2']);
    expect(body.alerts.map((alert) => alert.alertId)).toEqual(['alert-wh2']);
    expect(body.timeline.length).toBeGreaterThan(0);
    expect(body.timeline.map((item) => item.atMs)).toEqual([...body.timeline.map((item) => item.atMs)].sort());
    expect(body.credit.contributions.length).toBeGreaterThan(3);
    for (const contribution of body.credit.contributions) expect(contribution.reasonText).not.toBe('');
  });

  it('refuses an unknown borrower and a bad id', async () => {
    const unknown = await get<{ error: { code: string } }>('/v1/borrowers/nobody');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    const bad = await get<{ error: { code: string } }>('/v1/borrowers/..%2Fetc');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'request_invalid']);
    const tooMany = await get<{ error: { code: string } }>('/v1/devices/load-cell-1/readings?limit=100000');
    expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'request_invalid']);
  });

  it('streams the log status and new alerts as server-sent events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${cloud.url}/v1/stream`, {
      headers: { authorization: `Bearer ${cloud.adminToken}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('event: status');
    expect(text).toMatch(/data: \{"logSize":\d+,"checkpointSize":\d+\}/);
    await raiseAlerts(
      { store: cloud.context.alerts, newAlertId: () => 'alert-live' },
      {
        candidates: [
          {
            rule: 'device_offline',
            dedupKey: 'live-1',
            severity: 'high',
            subjectId: 'load-cell-1',
            organisationId: 'demo-bank',
            message: 'load-cell-1 went silent',
            details: {},
            evidence: [],
            observedAtMs: Date.now() + 1_000,
          },
        ],
      },
    );
    await readUntil('"alertId":"alert-live"');
    expect(text).toContain('event: alert');
    controller.abort();
    const refused = await fetch(`${cloud.url}/v1/stream`, { headers: { authorization: 'Bearer wrong' } });
    expect(refused.status).toBe(401);
  });
});
