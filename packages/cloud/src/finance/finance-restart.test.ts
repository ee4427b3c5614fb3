import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../../_test/test-store.ts';
import { type CloudServer, startCloudServer } from '../server.ts';

const root = mkdtempSync(join(tmpdir(), 'fieldproof-finance-restart-'));
let cloud: CloudServer | undefined;
let testStore: TestCloudStore;
beforeAll(async () => {
  testStore = await testCloudStore();
});
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

const start = () =>
  startCloudServer(
    { dataDir: join(root, 'cloud'), http: { port: 0 }, checkpointIntervalMs: 60_000, ...testStore.config },
    { finance: { settings: { sweepIntervalMs: 3_600_000 }, followIntervalMs: 3_600_000 } },
  );

async function call(running: CloudServer, method: string, path: string, body?: unknown) {
  const response = await fetch(`${running.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      authorization: `Bearer ${running.adminToken}`,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('finance across a restart', () => {
  it('keeps a pledged lot in the store and sweeps it again after a restart, its loan amount read from the logged pledge', async () => {
    const first = await start();
    cloud = first;
    const nowMs = Date.now();
    await call(first, 'POST', '/v1/finance/prices', {
      actorId: 'officer-1',
      prices: [
        {
          commodity: 'copper-cathode',
          priceMinorPerUnit: '6800000',
          unitGrams: '1000000',
          currency: 'CNY',
          asOfMs: nowMs,
          source: 'manual:officer-1',
        },
      ],
    });
    const pledged = await call(first, 'POST', '/v1/finance/collateral/lots', {
      lotId: 'lot-cu-1',
      pledgorId: 'smelter',
      pledgeeId: 'bank',
      loanId: 'loan-cu-1',
      commodity: 'copper-cathode',
      siteId: 'bonded-wh-3',
      goodsIdentity: 'row-2/cathode-77',
      receiptNumbers: ['BW3:R-77'],
      monitoringDeviceIds: ['cell-77'],
      quantityGrams: '20000000',
      haircutBasisPoints: 2_000,
      lines: {
        pledgeRatioBasisPoints: 6_500,
        warningBasisPoints: 7_000,
        topUpBasisPoints: 8_000,
        forcedSaleBasisPoints: 9_000,
      },
      currency: 'CNY',
      loanAmountMinor: '50000000',
      actorId: 'officer-1',
    });
    expect(pledged.status).toBe(201);
    expect((await call(first, 'POST', '/v1/finance/risk/sweep')).body.lotsValued).toBe(1);
    await first.stop();
    cloud = undefined;

    const second = await start();
    cloud = second;
    expect((await call(second, 'GET', '/v1/finance/collateral/lots/lot-cu-1')).status).toBe(200);
    // The price book is kept across the restart: the lot is valued at the 68,000 CNY/t recorded
    // before it (20 t × 68,000 × 0.8 = 1,088,000 lending value against 500,000: 4,596 bp, no line).
    const swept = await call(second, 'POST', '/v1/finance/risk/sweep');
    expect(swept.body.lotsValued).toBe(1);
    expect(swept.body.countsByRule).not.toHaveProperty('price_missing');
    expect(swept.body.countsByRule).not.toHaveProperty('ltv_breach');
    await call(second, 'POST', '/v1/finance/prices', {
      actorId: 'officer-1',
      prices: [
        {
          commodity: 'copper-cathode',
          priceMinorPerUnit: '4200000',
          unitGrams: '1000000',
          currency: 'CNY',
          asOfMs: Date.now(),
          source: 'manual:officer-1',
        },
      ],
    });
    // 20 t × 42,000 × 0.8 = 672,000 CNY lending value against 500,000: 7,440 bp, the warning line.
    const again = await call(second, 'POST', '/v1/finance/risk/sweep');
    expect(again.body.lotsValued).toBe(1);
    expect(again.body.countsByRule).toMatchObject({ ltv_breach: 1 });
    // A second pledge of the same goods is still refused after the restart (the registry is in the store).
    const twice = await call(second, 'POST', '/v1/finance/collateral/lots', {
      ...(pledged.body.lot as Record<string, unknown>),
      lotId: 'lot-cu-2',
      loanAmountMinor: '1',
      actorId: 'officer-1',
      status: undefined,
      pledgeDecisionId: undefined,
      pledgedAtMs: undefined,
    });
    expect(twice.status).toBe(409);
    expect((twice.body.error as { code: string }).code).toBe('collateral_already_pledged');
  });
});
