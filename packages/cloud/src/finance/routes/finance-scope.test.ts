import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert, PledgedLot } from '@fieldproof/finance';
import { generateKeyPair, toBase64 } from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCloudStore, testCloudStore } from '../../../_test/test-store.ts';
import { type CloudServer, startCloudServer } from '../../server.ts';
import { enqueueWebhookEvent } from '../webhooks/enqueue-webhook-event.ts';

// Two banks on one platform: Bank A lends to Steel, Bank B to Textile. Each bank's officer and each
// enterprise must see its own finance and nothing of the other's; every refusal is in the access log.
const root = mkdtempSync(join(tmpdir(), 'fieldproof-finance-scope-'));
let cloud: CloudServer;
let testStore: TestCloudStore;
const tokens: Record<string, string> = {};
const userIds: Record<string, string> = {};

type Answer = { status: number; body: Record<string, unknown> & { error?: { code: string } } };
async function call(method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${cloud.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === '' ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}
const as = (who: string, method: string, path: string, body?: unknown) => call(method, path, tokens[who] ?? '', body);
const admin = (method: string, path: string, body?: unknown) => call(method, path, cloud.adminToken, body);
const expectAnswer = (answer: Answer, status: number, code?: string) =>
  expect([answer.status, answer.body.error?.code]).toEqual([status, code]);
const refused = (answer: Answer) => expectAnswer(answer, 403, 'organisation_forbidden');
const ids = (answer: Answer, key: string) =>
  ((answer.body.items ?? []) as Record<string, unknown>[]).map((item) =>
    key.includes('.')
      ? (item[key.split('.')[0] as string] as Record<string, unknown>)[key.split('.')[1] as string]
      : item[key],
  );

const application = (loanId: string, lenderId: string, borrowerId: string) => ({
  loanId,
  borrowerId,
  lenderId,
  product: 'order',
  currency: 'CNY',
  principalMinor: '1000000',
  annualRateBasisPoints: 600,
  penaltyAnnualRateBasisPoints: 900,
  termMonths: 3,
  repaymentMethod: 'equal_principal',
  collateral: { orderIds: ['po-1'] },
  enteredById: 'maker',
});
const lot = (lotId: string, pledgorId: string, pledgeeId: string, loanId: string, siteId: string): PledgedLot => ({
  lotId,
  pledgorId,
  pledgeeId,
  loanId,
  commodity: 'steel.hrc',
  siteId,
  goodsIdentity: `${lotId}-coils`,
  receiptNumbers: [],
  monitoringDeviceIds: [`${lotId}-scale`],
  quantityGrams: 1_000_000n,
  haircutBasisPoints: 3_000,
  lines: {
    pledgeRatioBasisPoints: 7_000,
    warningBasisPoints: 7_500,
    topUpBasisPoints: 8_000,
    forcedSaleBasisPoints: 9_000,
  },
  currency: 'CNY',
  pledgedAtMs: Date.now(),
  pledgeDecisionId: `${lotId}.pledged`,
  status: 'pledged',
});
const alert = (alertId: string, organisationId: string, subjectId: string, raisedAtMs: number): Alert => ({
  alertId,
  rule: 'ltv_breach',
  dedupKey: alertId,
  severity: 'high',
  subjectId,
  organisationId,
  message: 'LTV above the warning line',
  details: {},
  evidence: [],
  state: 'open',
  raisedAtMs,
  lastSeenAtMs: raisedAtMs,
  occurrences: 1,
  assigneeId: null,
  notes: [],
  resolution: null,
  resolvedAtMs: null,
  history: [{ action: 'raised', actorId: 'system', atMs: raisedAtMs }],
});

beforeAll(async () => {
  testStore = await testCloudStore();
  cloud = await startCloudServer(
    { dataDir: join(root, 'cloud'), http: { port: 0 }, checkpointIntervalMs: 60_000, ...testStore.config },
    { finance: { settings: { sweepIntervalMs: 3_600_000 }, followIntervalMs: 3_600_000 } },
  );
  for (const [id, name, kind] of [
    ['bank-a', 'Bank A', 'bank'],
    ['bank-b', 'Bank B', 'bank'],
    ['steel', 'Steel Co', 'enterprise'],
    ['textile', 'Textile Co', 'enterprise'],
    ['witness-1', 'Regulator', 'witness'],
  ] as const) {
    expectAnswer(await admin('POST', '/v1/organisations', { id, name, kind }), 201);
  }
  const password = 'correct horse battery';
  for (const [who, organisationId, role] of [
    ['officerA', 'bank-a', 'bank_officer'],
    ['officerB', 'bank-b', 'bank_officer'],
    ['auditorB', 'bank-b', 'bank_auditor'],
    ['steelAdmin', 'steel', 'enterprise_admin'],
    ['textileAdmin', 'textile', 'enterprise_admin'],
    ['witness', 'witness-1', 'witness_operator'],
  ] as const) {
    const created = await admin('POST', '/v1/users', {
      organisationId,
      email: `${who}@example.com`,
      name: who,
      role,
      password,
    });
    expectAnswer(created, 201);
    userIds[who] = created.body.id as string;
    const session = await call('POST', '/v1/sessions', '', { email: `${who}@example.com`, password });
    tokens[who] = session.body.token as string;
  }
  // Each bank onboards its borrower and applies for a loan to it.
  const party = (partyId: string) => ({ kind: 'organisation', partyId, name: partyId, roles: ['distributor'] });
  expectAnswer(await as('officerA', 'POST', '/v1/finance/parties', party('steel')), 201);
  expectAnswer(await as('officerB', 'POST', '/v1/finance/parties', party('textile')), 201);
  expectAnswer(await as('officerA', 'POST', '/v1/finance/loans', application('loan-a', 'bank-a', 'steel')), 201);
  expectAnswer(await as('officerB', 'POST', '/v1/finance/loans', application('loan-b', 'bank-b', 'textile')), 201);
  const services = cloud.finance?.services;
  if (!services) throw new Error('the test cloud runs finance');
  await services.collateral.putLot(lot('lot-a', 'steel', 'bank-a', 'loan-a', 'steel-yard'));
  await services.collateral.putLot(lot('lot-b', 'textile', 'bank-b', 'loan-b', 'textile-yard'));
  // Alerts of both banks interleaved in time, so a page filtered after reading would come up short.
  const t0 = Date.now();
  for (let index = 0; index < 6; index += 1) {
    const bank = index % 2 === 0 ? 'bank-a' : 'bank-b';
    await cloud.context.alerts.put(alert(`alert-${index}`, bank, bank === 'bank-a' ? 'lot-a' : 'lot-b', t0 + index));
  }
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
  await testStore?.cleanUp();
  rmSync(root, { recursive: true, force: true });
});

describe('finance scoped to the caller organisation', () => {
  it('loans: another bank is refused single reads and every write, and lists none of them', async () => {
    refused(await as('officerB', 'GET', '/v1/finance/loans/loan-a'));
    refused(
      await as('officerB', 'POST', '/v1/finance/loans/loan-a/assess', { assessorId: 'x', recommendation: 'decline' }),
    );
    refused(await as('officerB', 'POST', '/v1/finance/loans/loan-a/approve', { approverId: 'x' }));
    refused(await as('officerB', 'POST', '/v1/finance/loans/loan-a/disburse', { actorId: 'x', firstDueAtMs: 1 }));
    refused(
      await as('officerB', 'POST', '/v1/finance/loans/loan-a/repayments', { repaymentId: 'r', amountMinor: '1' }),
    );
    // Bank B cannot lend in Bank A's name, nor take over Bank A's loan id.
    refused(await as('officerB', 'POST', '/v1/finance/loans', application('loan-c', 'bank-a', 'steel')));
    refused(await as('officerB', 'POST', '/v1/finance/loans', application('loan-a', 'bank-b', 'steel')));
    // An unknown loan is refused to a scoped caller too, so ids cannot be probed.
    refused(await as('officerB', 'GET', '/v1/finance/loans/no-such-loan'));
    expect(ids(await as('officerB', 'GET', '/v1/finance/loans'), 'loanId')).toEqual(['loan-b']);
    expect(ids(await as('auditorB', 'GET', '/v1/finance/loans'), 'loanId')).toEqual(['loan-b']);
    // Bank A and its borrower still see the loan; the borrower reads only; others not at all.
    expect(ids(await as('officerA', 'GET', '/v1/finance/loans'), 'loanId')).toEqual(['loan-a']);
    expectAnswer(await as('officerA', 'GET', '/v1/finance/loans/loan-a'), 200);
    expectAnswer(
      await as('officerA', 'POST', '/v1/finance/loans/loan-a/assess', {
        assessorId: 'risk',
        recommendation: 'recommend',
      }),
      200,
    );
    expect(ids(await as('steelAdmin', 'GET', '/v1/finance/loans'), 'loanId')).toEqual(['loan-a']);
    expectAnswer(await as('steelAdmin', 'GET', '/v1/finance/loans/loan-a'), 200);
    expectAnswer(
      await as('steelAdmin', 'POST', '/v1/finance/loans/loan-a/approve', { approverId: 'x' }),
      403,
      'permission_denied',
    );
    refused(await as('textileAdmin', 'GET', '/v1/finance/loans/loan-a'));
    expectAnswer(await as('witness', 'GET', '/v1/finance/loans'), 403, 'permission_denied');
    expect(ids(await admin('GET', '/v1/finance/loans'), 'loanId')).toEqual(['loan-a', 'loan-b']);
  });

  it('collateral: another bank is refused the lot and its releases, cannot pledge to another bank, lists none', async () => {
    refused(await as('officerB', 'GET', '/v1/finance/collateral/lots/lot-a'));
    refused(
      await as('officerB', 'POST', '/v1/finance/collateral/lots/lot-a/release-orders', {
        releaseOrderId: 'ro-1',
        authorisedGrams: '1000',
        validFromMs: 0,
        validUntilMs: 1,
        actorId: 'x',
      }),
    );
    const pledge = {
      lotId: 'lot-c',
      pledgorId: 'steel',
      pledgeeId: 'bank-a',
      loanId: 'loan-a',
      commodity: 'steel.hrc',
      siteId: 'steel-yard',
      goodsIdentity: 'coils-c',
      receiptNumbers: [],
      monitoringDeviceIds: ['scale-c'],
      quantityGrams: '1000',
      haircutBasisPoints: 3000,
      lines: {
        pledgeRatioBasisPoints: 7000,
        warningBasisPoints: 7500,
        topUpBasisPoints: 8000,
        forcedSaleBasisPoints: 9000,
      },
      currency: 'CNY',
      loanAmountMinor: '1000',
      actorId: 'x',
    };
    refused(await as('officerB', 'POST', '/v1/finance/collateral/lots', pledge));
    refused(await as('officerB', 'POST', '/v1/finance/collateral/lots', { ...pledge, pledgeeId: 'bank-b' }));
    expect(ids(await as('officerB', 'GET', '/v1/finance/lots'), 'lot.lotId')).toEqual(['lot-b']);
    expect(ids(await as('officerA', 'GET', '/v1/finance/lots'), 'lot.lotId')).toEqual(['lot-a']);
    expect(ids(await as('steelAdmin', 'GET', '/v1/finance/lots'), 'lot.lotId')).toEqual(['lot-a']);
    expectAnswer(await as('officerA', 'GET', '/v1/finance/collateral/lots/lot-a'), 200);
    expectAnswer(await as('steelAdmin', 'GET', '/v1/finance/collateral/lots/lot-a'), 200);
    refused(await as('textileAdmin', 'GET', '/v1/finance/collateral/lots/lot-a'));
  });

  it('parties and flows: each bank sees itself and its borrowers; another bank cannot rewrite them or read their findings', async () => {
    const partyIds = (answer: Answer) => (answer.body.parties as { partyId: string }[]).map((party) => party.partyId);
    expect(partyIds(await as('officerB', 'GET', '/v1/finance/parties'))).toEqual(['textile']);
    expect(partyIds(await as('officerA', 'GET', '/v1/finance/parties'))).toEqual(['steel']);
    expect(partyIds(await as('steelAdmin', 'GET', '/v1/finance/parties'))).toEqual(['steel']);
    refused(
      await as('officerB', 'POST', '/v1/finance/parties', {
        kind: 'organisation',
        partyId: 'steel',
        name: 'Mine',
        roles: [],
      }),
    );
    expectAnswer(
      await admin('POST', '/v1/finance/parties', { kind: 'organisation', partyId: 'ore-mine', name: 'Ore', roles: [] }),
      201,
    );
    const supplies = { relationshipId: 'rel-1', type: 'supplies', fromPartyId: 'ore-mine', toPartyId: 'steel' };
    refused(await as('officerB', 'POST', '/v1/finance/relationships', supplies));
    expectAnswer(await as('officerA', 'POST', '/v1/finance/relationships', supplies), 201);
    // Bank A sees the relationship of its borrower; Bank B does not.
    const relationshipIds = (answer: Answer) =>
      (answer.body.relationships as { relationshipId: string }[]).map((each) => each.relationshipId);
    expect(relationshipIds(await as('officerA', 'GET', '/v1/finance/parties'))).toEqual(['rel-1']);
    expect(relationshipIds(await as('officerB', 'GET', '/v1/finance/parties'))).toEqual([]);
    refused(await as('officerB', 'GET', '/v1/finance/findings?organisationId=steel'));
    const findingsA = await as('officerA', 'GET', '/v1/finance/findings?organisationId=steel');
    expect(findingsA.body.error).toBeUndefined();
    expectAnswer(findingsA, 200);
    expectAnswer(await as('officerB', 'GET', '/v1/finance/findings'), 200);
  });

  it('console reads: the borrower 360 of another bank is refused; the portfolio counts only the own book', async () => {
    refused(await as('officerB', 'GET', '/v1/borrowers/steel'));
    refused(await as('textileAdmin', 'GET', '/v1/borrowers/steel'));
    const view = await as('officerA', 'GET', '/v1/borrowers/steel');
    expectAnswer(view, 200);
    expect((view.body.loans as { loanId: string }[]).map((loan) => loan.loanId)).toEqual(['loan-a']);
    expect((view.body.alerts as { alertId: string }[]).map((each) => each.alertId).sort()).toEqual([
      'alert-0',
      'alert-2',
      'alert-4',
    ]);
    expectAnswer(await as('steelAdmin', 'GET', '/v1/borrowers/steel'), 200);
    const portfolio = await as('officerB', 'GET', '/v1/portfolio');
    expectAnswer(portfolio, 200);
    expect(portfolio.body.loanCount).toBe(1);
    expect((portfolio.body.lots as { lotId: string }[]).map((each) => each.lotId)).toEqual(['lot-b']);
    expect(portfolio.body.alertsBySeverity).toEqual({ low: 0, medium: 0, high: 3, critical: 0 });
  });

  it('alerts: filtered in the query (full pages, a right cursor); another bank is refused reads and actions', async () => {
    const first = await as('officerB', 'GET', '/v1/alerts?limit=2');
    expect(ids(first, 'alertId')).toEqual(['alert-5', 'alert-3']);
    expect(first.body.nextCursor).toBeDefined();
    const second = await as('officerB', 'GET', `/v1/alerts?limit=2&cursor=${first.body.nextCursor as string}`);
    expect(ids(second, 'alertId')).toEqual(['alert-1']);
    expect(second.body.nextCursor).toBeUndefined();
    expect(ids(await as('officerA', 'GET', '/v1/alerts'), 'alertId')).toEqual(['alert-4', 'alert-2', 'alert-0']);
    refused(await as('officerB', 'GET', '/v1/alerts?organisationId=bank-a'));
    refused(await as('officerB', 'GET', '/v1/alerts/alert-0'));
    refused(await as('officerB', 'POST', '/v1/alerts/alert-0/acknowledge', { actorId: 'x' }));
    refused(await as('officerB', 'POST', '/v1/alerts/alert-0/notes', { actorId: 'x', text: 'mine now' }));
    expectAnswer(await as('officerA', 'GET', '/v1/alerts/alert-0'), 200);
    expectAnswer(await as('officerA', 'POST', '/v1/alerts/alert-0/acknowledge', { actorId: 'risk' }), 200);
    expect(ids(await admin('GET', '/v1/alerts'), 'alertId')).toHaveLength(6);
  });

  it('webhooks: each bank lists, deletes and hears only its own subscriptions', async () => {
    const subscribe = (who: string, subscriptionId: string) =>
      as(who, 'POST', '/v1/webhooks', { subscriptionId, url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] });
    expectAnswer(await subscribe('officerA', 'wh-a'), 201);
    expectAnswer(await subscribe('officerB', 'wh-b'), 201);
    expect(ids(await as('officerB', 'GET', '/v1/webhooks'), 'subscriptionId')).toEqual(['wh-b']);
    refused(await as('officerB', 'DELETE', '/v1/webhooks/wh-a'));
    const services = cloud.finance?.services;
    if (!services) throw new Error('the test cloud runs finance');
    const queued = await enqueueWebhookEvent(
      { webhooks: services.webhooks, clock: services.clock },
      { eventType: 'alert.raised', eventId: 'alert-0', data: {}, organisationId: 'bank-a' },
    );
    expect(queued.queued).toBe(1);
    expect(ids(await as('officerA', 'GET', '/v1/webhooks/deliveries'), 'subscriptionId')).toEqual(['wh-a']);
    expect(ids(await as('officerB', 'GET', '/v1/webhooks/deliveries'), 'subscriptionId')).toEqual([]);
    expectAnswer(await as('officerA', 'DELETE', '/v1/webhooks/wh-a'), 204);
  });

  it("flow imports: a bank imports its borrowers' trade, not records that name none of its parties", async () => {
    const invoice = (invoiceId: string, seller: string, buyer: string) => ({
      invoiceId,
      number: invoiceId,
      sellerOrganisationId: seller,
      buyerOrganisationId: buyer,
      issuedAtMs: Date.now(),
      currency: 'CNY',
      totalAmountMinor: '4000000',
      lines: [
        { lineNumber: 1, itemCode: 'HRC', description: 'coil', quantity: 10, unit: 't', unitPriceMinor: '400000' },
      ],
    });
    const imported = await as('officerA', 'POST', '/v1/finance/flows/invoice', {
      records: [
        invoice('inv-steel-1', 'steel', 'buyer-x'),
        invoice('inv-textile-1', 'textile', 'buyer-x'),
        invoice('inv-steel-2', 'supplier-y', 'steel'),
      ],
    });
    expect(imported.status).toBe(207);
    expect(imported.body).toMatchObject({ stored: 2, duplicates: 0 });
    expect(
      (imported.body.errors as { rowNumber: number; code: string }[]).map((error) => [error.rowNumber, error.code]),
    ).toEqual([[2, 'organisation_forbidden']]);
    // Bank B imports Textile's record; the platform imports anything.
    expectAnswer(
      await as('officerB', 'POST', '/v1/finance/flows/invoice', {
        records: [invoice('inv-textile-1', 'textile', 'buyer-x')],
      }),
      201,
    );
    expectAnswer(
      await admin('POST', '/v1/finance/flows/invoice', { records: [invoice('inv-other-1', 'other-co', 'buyer-x')] }),
      201,
    );
  });

  it('platform inputs: market prices and stock movements feed every bank, so only the platform posts them', async () => {
    const price = {
      commodity: 'steel.hrc',
      priceMinorPerUnit: '400000',
      unitGrams: '1000000',
      currency: 'CNY',
      asOfMs: Date.now(),
      source: 'market-feed',
    };
    for (const who of ['officerA', 'officerB', 'steelAdmin']) {
      expectAnswer(
        await as(who, 'POST', '/v1/finance/prices', { actorId: who, prices: [price] }),
        403,
        'permission_denied',
      );
      expectAnswer(await as(who, 'POST', '/v1/finance/stock-movements', { events: [] }), 403, 'permission_denied');
    }
    expectAnswer(await admin('POST', '/v1/finance/prices', { actorId: 'market-feed', prices: [price] }), 201);
    expectAnswer(await as('officerA', 'GET', '/v1/finance/prices'), 200);
  });

  it("credit with IoT features: the meter's data needs its owner's consent, like any bank read of device data", async () => {
    const meterKey = generateKeyPair('ed25519');
    const edgeKey = generateKeyPair('ed25519');
    expectAnswer(
      await admin('POST', '/v1/edges', { edgeId: 'edge-s', alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) }),
      201,
    );
    expectAnswer(
      await admin('POST', '/v1/devices', {
        deviceId: 'steel-meter',
        alg: 'ed25519',
        publicKey: toBase64(meterKey.publicKey),
        edgeId: 'edge-s',
        organisationId: 'steel',
      }),
      201,
    );
    const dayMs = 86_400_000;
    const fromMs = Math.floor(Date.now() / dayMs) * dayMs - 7 * dayMs;
    const score = {
      borrowerId: 'steel',
      iot: {
        powerMeterDeviceId: 'steel-meter',
        ratedDailyKwh: 1_000,
        runningThresholdBasisPoints: 2_000,
        fromMs,
        toMs: fromMs + 7 * dayMs,
      },
      features: { yearsOperating: 6 },
      annualVerifiedSalesMinor: '500000000',
      collateralLendingValueMinor: '16000000',
      existingExposureMinor: '0',
      productCapMinor: '30000000',
      currency: 'CNY',
      organisationId: 'bank-a',
      actorId: 'officer-risk',
    };
    expectAnswer(await as('officerA', 'POST', '/v1/finance/credit/scores', score), 403, 'consent_missing');
    // A consent for other kinds, or a window that ends before the score's, does not open it.
    const grant = async (body: Record<string, unknown>) => {
      const answer = await as('steelAdmin', 'POST', '/v1/consents', {
        bankId: 'bank-a',
        deviceIds: ['steel-meter'],
        ...body,
      });
      expectAnswer(answer, 201);
      return (answer.body.consent as { id: string }).id;
    };
    await grant({ dataKinds: ['weight'], fromMs, toMs: fromMs + 7 * dayMs });
    await grant({ dataKinds: ['energy'], fromMs, toMs: fromMs + 3 * dayMs });
    expectAnswer(await as('officerA', 'POST', '/v1/finance/credit/scores', score), 403, 'consent_missing');
    const covering = await grant({ dataKinds: ['energy', 'power'], fromMs, toMs: fromMs + 7 * dayMs });
    expectAnswer(await as('officerA', 'POST', '/v1/finance/credit/scores', score), 201);
    // Bank B has no consent of Steel's, and revoking Bank A's closes it again at once.
    expectAnswer(
      await as('officerB', 'POST', '/v1/finance/credit/scores', { ...score, organisationId: 'bank-b' }),
      403,
      'consent_missing',
    );
    expectAnswer(await as('steelAdmin', 'POST', `/v1/consents/${covering}/revoke`, {}), 200);
    expectAnswer(await as('officerA', 'POST', '/v1/finance/credit/scores', score), 403, 'consent_missing');
  });

  it('every refusal above is in the access log, naming the caller, the resource and the owner', async () => {
    const log = (await admin('GET', '/v1/access-log?limit=1000')).body.items as {
      subject: string;
      organisation_id?: string;
      organisationId?: string;
      resource: string;
      outcome: string;
      code: string | null;
    }[];
    const refusedOf = (who: string) =>
      new Set(
        log
          .filter((row) => row.subject === userIds[who] && row.outcome === 'refused')
          .map((row) => `${row.code} ${row.resource}`),
      );
    const bankB = refusedOf('officerB');
    for (const resource of [
      'loan:loan-a',
      'loan:no-such-loan',
      'lot:lot-a',
      'lot:lot-c',
      'party:steel',
      'relationship:rel-1',
      'findings:steel',
      'borrower:steel',
      'alerts',
      'alert:alert-0',
      'webhook:wh-a',
    ]) {
      expect(bankB.has(`organisation_forbidden ${resource}`), resource).toBe(true);
    }
    expect(refusedOf('textileAdmin').has('organisation_forbidden loan:loan-a')).toBe(true);
    // Bank A was refused only the meter's data, before its consent and after revoking it.
    expect([...refusedOf('officerA')]).toEqual(['consent_missing device:steel-meter/credit-features']);
    expect(bankB.has('consent_missing device:steel-meter/credit-features')).toBe(true);
    expect(refusedOf('steelAdmin').size).toBe(0);
  });
});
