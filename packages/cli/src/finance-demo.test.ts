import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { waitFor } from '../_test/wait-for.ts';
import { type Embedded, startEmbedded } from './embedded.ts';

// The store the embedded cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}
afterAll(async () => {
  await testStore?.cleanUp();
});

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-finance-demo-'));
let embedded: Embedded | undefined;
afterAll(async () => {
  await embedded?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface AlertView {
  rule: string;
  subjectId: string;
  evidence: { kind: string; id: string }[];
}

async function alerts(running: Embedded): Promise<AlertView[]> {
  const response = await fetch(`${running.cloud.url}/v1/alerts?limit=500`, {
    headers: { authorization: `Bearer ${running.cloud.adminToken}` },
  });
  return ((await response.json()) as { items: AlertView[] }).items;
}

describe('the finance demo of npm start', () => {
  it('finds the planted double pledge, circular trade, goods leaving without a release order and a tampered load cell within 60 s, and starts again on the same folder', async () => {
    const startedAtMs = Date.now();
    embedded = await startEmbedded({
      ...(await testStoreConfig()),
      dataDir,
      mqttPort: 0,
      httpPort: 0,
      edgePort: 0,
      devicesPerKind: 2,
      ratePerDeviceHz: 1,
      batchIntervalMs: 500,
      checkpointIntervalMs: 500,
      financeDemo: true,
    });
    const running = embedded;
    const found = await waitFor(
      'the three planted problems',
      async () => {
        const list = await alerts(running);
        const rules = new Set(list.map((alert) => alert.rule));
        const outflow = list.find(
          (alert) => alert.rule === 'goods_left_without_release' && alert.subjectId === 'demo-lot-wh2-coil',
        );
        return rules.has('double_pledge') &&
          (rules.has('circular_trade') || rules.has('fictitious_trade')) &&
          rules.has('device_tampered') &&
          outflow
          ? list
          : undefined;
      },
      60_000,
    );
    expect(Date.now() - startedAtMs).toBeLessThan(60_000);
    const outflow = found.find((alert) => alert.rule === 'goods_left_without_release') as AlertView;
    expect(outflow.evidence.filter((item) => item.kind === 'frame').length).toBeGreaterThan(3);
    const ring = found.find((alert) => alert.rule === 'circular_trade') as AlertView;
    expect(ring.evidence.map((item) => item.id).sort()).toEqual(['inv-ring-1', 'inv-ring-2', 'inv-ring-3']);
    // The bank's book: one disbursed loan of each product, each with its journal entry.
    for (const loanId of ['demo-loan-warehouse-1', 'demo-loan-receivables-ningbo', 'demo-loan-order-wuxi']) {
      const response = await fetch(`${running.cloud.url}/v1/finance/loans/${loanId}`, {
        headers: { authorization: `Bearer ${running.cloud.adminToken}` },
      });
      const view = (await response.json()) as {
        loan: { state: string; product: string };
        journalEntries: { transferId: string }[];
      };
      expect(view.loan.state).toBe('disbursed');
      expect(view.journalEntries.map((entry) => entry.transferId)).toEqual([`${loanId}.disbursement`]);
    }
    await running.stop();
    embedded = undefined;

    // A restart on the same folder loads the demo again without a conflict and finds the double pledge again.
    embedded = await startEmbedded({
      ...(await testStoreConfig()),
      dataDir,
      mqttPort: 0,
      httpPort: 0,
      edgePort: 0,
      devicesPerKind: 2,
      ratePerDeviceHz: 0,
      checkpointIntervalMs: 500,
      financeDemo: true,
    });
    const again = embedded;
    await waitFor('the double pledge after a restart', async () =>
      (await alerts(again)).some((alert) => alert.rule === 'double_pledge') ? true : undefined,
    );
  }, 120_000);
});
