import { describe, expect, it } from 'vitest';
import { createMemoryFlowStore, FlowStoreConflictError } from './flow-store.ts';
import type { Payment } from './records.ts';

const payment = (paymentId: string, payer: string, paidAtMs: number, amountMinor = 100n): Payment => ({
  paymentId,
  payerOrganisationId: payer,
  payeeOrganisationId: 'seller',
  payerAccountId: 'acc-1',
  payeeAccountId: 'acc-2',
  amountMinor,
  currency: 'CNY',
  paidAtMs,
  invoiceIds: [],
});

describe('createMemoryFlowStore', () => {
  it('stores once, treats an identical put as a duplicate and a different one as a conflict', async () => {
    const store = createMemoryFlowStore();
    expect(await store.put('payment', payment('pay-1', 'buyer', 10))).toBe('stored');
    expect(await store.put('payment', payment('pay-1', 'buyer', 10))).toBe('duplicate');
    await expect(store.put('payment', payment('pay-1', 'buyer', 10, 101n))).rejects.toBeInstanceOf(
      FlowStoreConflictError,
    );
    expect(await store.list('payment', {})).toEqual([payment('pay-1', 'buyer', 10)]);
  });

  it('lists by organisation and half-open time range, sorted by id', async () => {
    const store = createMemoryFlowStore();
    for (const record of [
      payment('pay-3', 'buyer', 30),
      payment('pay-1', 'buyer', 10),
      payment('pay-2', 'other', 20),
    ]) {
      await store.put('payment', record);
    }
    expect((await store.list('payment', { organisationId: 'buyer' })).map((p) => p.paymentId)).toEqual([
      'pay-1',
      'pay-3',
    ]);
    expect((await store.list('payment', { fromMs: 10, toMs: 30 })).map((p) => p.paymentId)).toEqual(['pay-1', 'pay-2']);
    expect(await store.list('invoice', {})).toEqual([]);
  });
});
