import { type FlowStore, FlowStoreConflictError, type Invoice, type Payment } from '@fieldproof/finance';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FinanceBackend, financeBackends } from '../../../_test/finance-backends.ts';

const dayMs = 86_400_000;
const startMs = Date.UTC(2026, 9, 1);

function invoice(invoiceId: string, issuedAtMs: number, seller = 'org-smelter', buyer = 'org-core'): Invoice {
  return {
    invoiceId,
    number: `No.${invoiceId}`,
    sellerOrganisationId: seller,
    buyerOrganisationId: buyer,
    issuedAtMs,
    currency: 'CNY',
    totalAmountMinor: 9_223_372_036_854_775_807n,
    lines: [
      {
        itemCode: 'CU-CATH',
        description: '阴极铜',
        quantity: 1,
        unit: 't',
        unitPriceMinor: 9_223_372_036_854_775_807n,
      },
    ],
  } as Invoice;
}

function payment(paymentId: string, paidAtMs: number, amountMinor: bigint): Payment {
  return {
    paymentId,
    payerOrganisationId: 'org-core',
    payeeOrganisationId: 'org-smelter',
    payerAccountId: 'acct-core',
    payeeAccountId: 'acct-smelter',
    amountMinor,
    currency: 'CNY',
    paidAtMs,
    invoiceIds: ['inv-1'],
  };
}

describe.each(financeBackends())('flow store contract on $name', (backend: FinanceBackend) => {
  let flowStore: FlowStore;
  let available = true;
  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    ({ flowStore } = await backend.open());
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('stores a record once: identical is duplicate, different is a conflict, and the first stays', async () => {
    expect(await flowStore.put('invoice', invoice('inv-1', startMs))).toBe('stored');
    expect(await flowStore.put('invoice', invoice('inv-1', startMs))).toBe('duplicate');
    await expect(flowStore.put('invoice', invoice('inv-1', startMs + 1))).rejects.toBeInstanceOf(
      FlowStoreConflictError,
    );
    expect(await flowStore.list('invoice', {})).toEqual([invoice('inv-1', startMs)]);
    // The same id under another record type is another record.
    expect(await flowStore.put('payment', { ...payment('inv-1', startMs, 5n) })).toBe('stored');
  });

  it('lists by organisation and main time, half-open, in id order, with bigints exact', async () => {
    await flowStore.put('invoice', invoice('inv-3', startMs + 2 * dayMs));
    await flowStore.put('invoice', invoice('inv-1', startMs));
    await flowStore.put('invoice', invoice('inv-2', startMs + dayMs, 'org-trader', 'org-core'));
    await flowStore.put('invoice', invoice('inv-4', startMs + dayMs, 'org-trader', 'org-other'));
    await flowStore.put('payment', payment('pay-1', startMs + dayMs, 2n ** 62n));
    const ids = async (query: Parameters<FlowStore['list']>[1]) =>
      (await flowStore.list('invoice', query)).map((record) => record.invoiceId);
    expect(await ids({})).toEqual(['inv-1', 'inv-2', 'inv-3', 'inv-4']);
    expect(await ids({ organisationId: 'org-core' })).toEqual(['inv-1', 'inv-2', 'inv-3']);
    expect(await ids({ organisationId: 'org-trader', fromMs: startMs + dayMs, toMs: startMs + dayMs + 1 })).toEqual([
      'inv-2',
      'inv-4',
    ]);
    expect(await ids({ fromMs: startMs, toMs: startMs + 2 * dayMs })).toEqual(['inv-1', 'inv-2', 'inv-4']);
    expect(await ids({ organisationId: 'org-nobody' })).toEqual([]);
    expect(await flowStore.list('payment', { organisationId: 'org-smelter' })).toEqual([
      payment('pay-1', startMs + dayMs, 2n ** 62n),
    ]);
    expect((await flowStore.list('invoice', { organisationId: 'org-smelter' }))[0]?.totalAmountMinor).toBe(
      9_223_372_036_854_775_807n,
    );
  });

  it('lets one of two concurrent writers of one id store it, the other see a duplicate', async () => {
    const outcomes = await Promise.all([
      flowStore.put('payment', payment('pay-9', startMs, 10n)),
      flowStore.put('payment', payment('pay-9', startMs, 10n)),
    ]);
    expect(outcomes.sort()).toEqual(['duplicate', 'stored']);
  });
});
