import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudServer, startCloudServer } from '@fieldproof/cloud';
import { verifyDecisionBundle } from '@fieldproof/ledger';
import type { Decision, DecisionProofBundle, TrustFile } from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../_test/test-store.ts';
import { getJson, waitFor } from '../_test/wait-for.ts';

// The store this file's cloud runs on (FIELDPROOF_TEST_STORE), made on first start and dropped at the end.
let testStore: TestCloudStore | undefined;
async function testStoreConfig() {
  testStore ??= await testCloudStore();
  return testStore.config;
}

const root = mkdtempSync(join(tmpdir(), 'fieldproof-decisions-'));
let cloud: CloudServer;
beforeAll(async () => {
  cloud = await startCloudServer({
    ...(await testStoreConfig()),
    dataDir: join(root, 'cloud'),
    http: { port: 0 },
    checkpointIntervalMs: 50,
  });
});
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

const decision = (
  decisionId: string,
  type: string,
  details: Decision['details'],
  inputs: Decision['inputs'] = [],
): Decision => ({
  decisionId,
  type,
  organisationId: 'bank-1',
  actorId: 'officer-7',
  decidedAtMs: 1_764_000_000_000,
  subjectId: 'loan-42',
  inputs,
  details,
});

async function post(body: unknown, token = cloud.adminToken): Promise<Response> {
  return fetch(`${cloud.url}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

describe('decisions as log leaves', () => {
  it('records consent, pledge, approval and release decisions in the log, each with a bundle that verifies offline', async () => {
    const frameId = 'ab'.repeat(32);
    const decisions = [
      decision('consent-1', 'consent.granted', { bankId: 'bank-1', scope: 'site:warehouse-2' }),
      decision('pledge-1', 'pledge.created', { lotId: 'lot-9', quantityKg: 250_000, haircutBasisPoints: 3000 }, [
        { kind: 'frame', id: frameId },
      ]),
      decision('approval-1', 'loan.approved', { amountMinor: '120000000', currency: 'CNY', checkerId: 'officer-9' }, [
        { kind: 'decision', id: 'pledge-1' },
      ]),
      decision('release-1', 'release.ordered', { lotId: 'lot-9', quantityKg: 20_000 }),
    ];
    // Through the typed interface finance operations use, and through the API.
    const first = await cloud.decisionLog.append(decisions[0] as Decision);
    expect(first.status).toBe('appended');
    for (const item of decisions.slice(1)) {
      const response = await post(item);
      expect(response.status).toBe(201);
    }
    const trust = await getJson<TrustFile>(`${cloud.url}/v1/trust`);
    for (const item of decisions) {
      const bundle = await waitFor(`the proof of ${item.decisionId}`, async () => {
        const response = await fetch(`${cloud.url}/v1/decisions/${item.decisionId}/proof`, {
          headers: { authorization: `Bearer ${cloud.adminToken}` },
        });
        return response.status === 200 ? ((await response.json()) as DecisionProofBundle) : undefined;
      });
      const report = verifyDecisionBundle(bundle, trust);
      expect(report.steps.filter((step) => !step.ok)).toEqual([]);
      expect(bundle.decision).toEqual(item);
    }
    const viaInterface = await cloud.decisionLog.bundle('approval-1');
    expect(verifyDecisionBundle(viaInterface, trust).ok).toBe(true);

    // A changed amount no longer hashes to the logged leaf; a re-hashed forgery is not in the log.
    const tampered = structuredClone(viaInterface);
    tampered.decision.details.amountMinor = '990000000';
    const tamperedReport = verifyDecisionBundle(tampered, trust);
    expect(tamperedReport.steps.find((step) => !step.ok)?.code).toBe('decision_leaf_mismatch');
    const { hashLeaf } = await import('@fieldproof/ledger');
    const { canonicalBytes, toHex } = await import('@fieldproof/protocol');
    tampered.leafHash = toHex(hashLeaf('intl', canonicalBytes({ kind: 'decision', decision: tampered.decision })));
    expect(verifyDecisionBundle(tampered, trust).steps.find((step) => !step.ok)?.code).toBe('decision_not_in_log');
  });

  it('is idempotent by decisionId, refuses a different decision under a used id, bad input and a missing token', async () => {
    const item = decision('approval-9', 'loan.approved', { amountMinor: '5000', currency: 'CNY' });
    expect((await post(item)).status).toBe(201);
    const again = await post(item);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe('duplicate');
    const conflict = await post({ ...item, details: { amountMinor: '6000', currency: 'CNY' } });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe('decision_conflict');
    const invalid = await post({ ...item, decisionId: 'bad id with spaces' });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { code: string } }).error.code).toBe('decision_invalid');
    const floatAmount = await post({ ...item, decisionId: 'approval-10', details: { amountMinor: 12.5 } });
    expect(floatAmount.status).toBe(400);
    const unauthorized = await post({ ...item, decisionId: 'approval-11' }, 'wrong-token');
    expect(unauthorized.status).toBe(401);
    const missing = await fetch(`${cloud.url}/v1/decisions/nope/proof`, {
      headers: { authorization: `Bearer ${cloud.adminToken}` },
    });
    expect(missing.status).toBe(404);
    const status = await getJson<{ logSize: number }>(`${cloud.url}/v1/status`, cloud.adminToken);
    expect(status.logSize).toBe(5); // four decisions above and approval-9 once
  });
});
