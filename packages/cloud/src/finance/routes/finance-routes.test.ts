import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../../../_test/test-store.ts';
import { type CloudServer, startCloudServer } from '../../server.ts';

const root = mkdtempSync(join(tmpdir(), 'fieldproof-finance-routes-'));
let cloud: CloudServer;
let clockOffsetMs = 0;
let testStore: TestCloudStore;
beforeAll(async () => {
  testStore = await testCloudStore();
  cloud = await startCloudServer(
    { dataDir: join(root, 'cloud'), http: { port: 0 }, checkpointIntervalMs: 60_000, ...testStore.config },
    {
      clock: () => Date.now() + clockOffsetMs,
      finance: { settings: { sweepIntervalMs: 3_600_000 }, followIntervalMs: 3_600_000 },
    },
  );
});
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, token = cloud.adminToken) {
  const response = await fetch(`${cloud.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      authorization: `Bearer ${token}`,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown> & { error?: { code: string } },
  };
}

const organisation = (partyId: string, roles: string[]) => ({ kind: 'organisation', partyId, name: partyId, roles });
const invoice = (invoiceId: string, seller: string, buyer: string, amount: string, issuedAtMs: number) => ({
  invoiceId,
  number: invoiceId,
  sellerOrganisationId: seller,
  buyerOrganisationId: buyer,
  issuedAtMs,
  currency: 'CNY',
  totalAmountMinor: amount,
  lines: [{ lineNumber: 1, itemCode: 'HRC', description: 'coil', quantity: 10, unit: 't', unitPriceMinor: '400000' }],
});

describe('finance routes', () => {
  it('parties and relationships: allowed, an unknown end (404), an extra field (400), no token (401)', async () => {
    for (const [id, roles] of [
      ['alpha', ['distributor']],
      ['beta', ['distributor']],
      ['gamma', ['supplier']],
    ] as const) {
      expect((await call('POST', '/v1/finance/parties', organisation(id, [...roles]))).status).toBe(201);
    }
    expect(
      (await call('POST', '/v1/finance/parties', { kind: 'person', partyId: 'p-1', name: 'Wang Fang' })).status,
    ).toBe(201);
    const directs = (id: string, to: string) => ({
      relationshipId: id,
      type: 'directs',
      fromPartyId: 'p-1',
      toPartyId: to,
      post: 'legal_representative',
    });
    expect((await call('POST', '/v1/finance/relationships', directs('r-1', 'alpha'))).status).toBe(201);
    expect((await call('POST', '/v1/finance/relationships', directs('r-2', 'beta'))).status).toBe(201);
    const unknown = await call('POST', '/v1/finance/relationships', directs('r-3', 'nobody'));
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'party_unknown']);
    const extra = await call('POST', '/v1/finance/parties', { ...organisation('delta', []), colour: 'red' });
    expect([extra.status, extra.body.error?.code]).toEqual([400, 'request_invalid']);
    expect((await call('GET', '/v1/finance/parties', undefined, 'nope')).status).toBe(401);
  });

  it('flows: JSON and CSV imports store the good rows and name the bad ones; findings show the ring and related parties', async () => {
    const now = Date.now();
    const json = await call('POST', '/v1/finance/flows/invoice', {
      records: [
        invoice('inv-1', 'alpha', 'beta', '4000000', now - 3_000),
        invoice('inv-2', 'beta', 'gamma', '4010000', now - 2_000),
        invoice('inv-3', 'gamma', 'alpha', '3990000', now - 1_000),
        { ...invoice('inv-4', 'alpha', 'gamma', '12.5', now), currency: 'cny' },
      ],
    });
    expect(json.status).toBe(207);
    expect(json.body).toMatchObject({ stored: 3, duplicates: 0 });
    expect(
      (json.body.errors as { rowNumber: number; code: string }[]).map((error) => [error.rowNumber, error.code]),
    ).toEqual([[4, 'flow_record_invalid']]);
    const again = await call('POST', '/v1/finance/flows/invoice', {
      records: [invoice('inv-1', 'alpha', 'beta', '4000000', now - 3_000)],
    });
    expect([again.status, again.body.duplicates]).toEqual([201, 1]);
    const header =
      'paymentId,payerOrganisationId,payeeOrganisationId,payerAccountId,payeeAccountId,amountMinor,currency,paidAtMs,invoiceIds';
    const csv = await call('POST', '/v1/finance/flows/payment', {
      csv: `${header}\npay-1,beta,alpha,acc-b,acc-a,4000000,CNY,${now},inv-1\npay-2,gamma,beta,acc-g,acc-b,-5,CNY,${now},inv-2\n`,
    });
    expect(csv.status).toBe(207);
    expect(csv.body.stored).toBe(1);
    expect((csv.body.errors as { rowNumber: number }[])[0]?.rowNumber).toBe(3);
    expect((await call('POST', '/v1/finance/flows/telegram', { records: [{}] })).status).toBe(400);

    const findings = await call('GET', '/v1/finance/findings?organisationId=alpha');
    expect(findings.status).toBe(200);
    const circular = findings.body.circularTrades as { type: string; subjectIds: string[] }[];
    expect(circular.map((finding) => finding.type)).toEqual(['trade.circular']);
    expect((findings.body.relatedParties as { partyId: string }[]).map((party) => party.partyId)).toEqual([
      'p-1',
      'beta',
    ]);
  });

  it('loans: apply, assess, a maker who approves is refused (403), a checker approves, disburse and repay show their journal entries', async () => {
    const applied = await call('POST', '/v1/finance/loans', {
      loanId: 'loan-order-1',
      borrowerId: 'alpha',
      lenderId: 'bank',
      product: 'order',
      currency: 'CNY',
      principalMinor: '1000000',
      annualRateBasisPoints: 600,
      penaltyAnnualRateBasisPoints: 900,
      termMonths: 3,
      repaymentMethod: 'equal_principal',
      collateral: { orderIds: ['po-1'] },
      enteredById: 'officer-maker',
    });
    expect(applied.status).toBe(201);
    expect(
      (
        await call('POST', '/v1/finance/loans/loan-order-1/disburse', {
          actorId: 'ops',
          firstDueAtMs: Date.now() + 1e9,
        })
      ).body.error?.code,
    ).toBe('loan_transition_invalid');
    expect(
      (
        await call('POST', '/v1/finance/loans/loan-order-1/assess', {
          assessorId: 'officer-risk',
          recommendation: 'recommend',
        })
      ).status,
    ).toBe(200);
    const sameHands = await call('POST', '/v1/finance/loans/loan-order-1/approve', { approverId: 'officer-maker' });
    expect([sameHands.status, sameHands.body.error?.code]).toEqual([403, 'maker_checker_same_person']);
    const approved = await call('POST', '/v1/finance/loans/loan-order-1/approve', { approverId: 'officer-checker' });
    expect(approved.status).toBe(200);
    expect(approved.body.decisionId).toBe('loan-order-1.approved');
    const disbursed = await call('POST', '/v1/finance/loans/loan-order-1/disburse', {
      actorId: 'ops',
      firstDueAtMs: Date.now() + 30 * 86_400_000,
    });
    expect(disbursed.status).toBe(200);
    const entries = disbursed.body.journalEntries as {
      transferId: string;
      amountMinor: string;
      debitAccountId: string;
      creditAccountId: string;
    }[];
    expect(entries).toEqual([
      expect.objectContaining({
        transferId: 'loan-order-1.disbursement',
        amountMinor: '1000000',
        debitAccountId: 'loan-order-1.principal',
        creditAccountId: 'deposit.alpha.CNY',
      }),
    ]);
    const repaid = await call('POST', '/v1/finance/loans/loan-order-1/repayments', {
      repaymentId: 'r-1',
      amountMinor: '300000',
    });
    expect(repaid.status).toBe(201);
    const after = await call('GET', '/v1/finance/loans/loan-order-1');
    const transferIds = (after.body.journalEntries as { transferId: string }[]).map((entry) => entry.transferId);
    expect(transferIds[0]).toBe('loan-order-1.disbursement');
    expect(transferIds).toContain('loan-order-1.repayment.r-1.principal');
    // The accrual worker: nothing to post on the disbursement day; 40 days on, 40 days of interest.
    expect(await cloud.finance?.accruer.runOnce()).toBe(0);
    clockOffsetMs = 40 * 86_400_000;
    expect(await cloud.finance?.accruer.runOnce()).toBe(40);
    expect(await cloud.finance?.accruer.runOnce()).toBe(0);
    const accrued = await call('GET', '/v1/finance/loans/loan-order-1');
    expect(
      BigInt((accrued.body.loan as { accrual: { interestAccruedMinor: string } }).accrual.interestAccruedMinor),
    ).toBeGreaterThan(0n);
    clockOffsetMs = 0;
    const float = await call('POST', '/v1/finance/loans/loan-order-1/repayments', {
      repaymentId: 'r-2',
      amountMinor: '1.5',
    });
    expect([float.status, float.body.error?.code]).toEqual([400, 'request_invalid']);
    expect((await call('GET', '/v1/finance/loans/none')).status).toBe(404);
  });

  it('credit: a score with its reasons and a limit, logged as a decision; an unknown feature is refused', async () => {
    const body = {
      borrowerId: 'alpha',
      features: { yearsOperating: 6, electricityIndex: 70, operatingRateBasisPoints: 8_200, relatedPartyFindings: 1 },
      annualVerifiedSalesMinor: '500000000',
      collateralLendingValueMinor: '16000000',
      existingExposureMinor: '700000',
      productCapMinor: '30000000',
      currency: 'CNY',
      organisationId: 'bank',
      actorId: 'officer-risk',
    };
    const scored = await call('POST', '/v1/finance/credit/scores', body);
    expect(scored.status).toBe(201);
    const score = scored.body.score as {
      score: number;
      contributions: { reasonCode: string }[];
      adverseReasonCodes: string[];
    };
    expect(score.score).toBeGreaterThan(0);
    expect(score.contributions.map((item) => item.reasonCode)).toContain(
      score.adverseReasonCodes[0] ?? score.contributions[0]?.reasonCode,
    );
    expect(BigInt((scored.body.limit as { recommendedLimitMinor: string }).recommendedLimitMinor)).toBeLessThanOrEqual(
      30_000_000n,
    );
    const logged = await call('GET', `/v1/decisions/${scored.body.decisionId as string}`);
    expect(logged.status).toBe(200);
    const unknownFeature = await call('POST', '/v1/finance/credit/scores', { ...body, features: { shoeSize: 44 } });
    expect([unknownFeature.status, unknownFeature.body.error?.code]).toEqual([400, 'request_invalid']);
  });
});
