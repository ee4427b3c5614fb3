import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchPaymentsToInvoices } from './match-payments-to-invoices.ts';
import type { Invoice, Payment } from './records.ts';

const invoice = (invoiceId: string, totalAmountMinor: bigint, issuedAtMs: number): Invoice => ({
  invoiceId,
  number: invoiceId.toUpperCase(),
  sellerOrganisationId: 'seller',
  buyerOrganisationId: 'buyer',
  issuedAtMs,
  currency: 'CNY',
  totalAmountMinor,
  lines: [
    { lineNumber: 1, itemCode: 'A', description: '', quantity: 1, unit: 'lot', unitPriceMinor: totalAmountMinor },
  ],
});
const payment = (
  paymentId: string,
  amountMinor: bigint,
  invoiceIds: string[],
  overrides: Partial<Payment> = {},
): Payment => ({
  paymentId,
  payerOrganisationId: 'buyer',
  payeeOrganisationId: 'seller',
  payerAccountId: 'acc-buyer',
  payeeAccountId: 'acc-seller',
  amountMinor,
  currency: 'CNY',
  paidAtMs: 1_000,
  invoiceIds,
  ...overrides,
});

describe('matchPaymentsToInvoices', () => {
  it('allocates one payment over two invoices oldest first: 150,000 → 100,000 to inv-1, 50,000 to inv-2 (of 80,000)', () => {
    const result = matchPaymentsToInvoices(
      {},
      {
        invoices: [invoice('inv-2', 80_000n, 20), invoice('inv-1', 100_000n, 10)],
        payments: [payment('pay-1', 150_000n, ['inv-2', 'inv-1'])],
      },
    );
    expect(result.findings).toEqual([]);
    expect(result.statuses).toEqual([
      {
        invoiceId: 'inv-1',
        totalAmountMinor: 100_000n,
        paidAmountMinor: 100_000n,
        outstandingAmountMinor: 0n,
        state: 'paid',
        paymentIds: ['pay-1'],
      },
      {
        invoiceId: 'inv-2',
        totalAmountMinor: 80_000n,
        paidAmountMinor: 50_000n,
        outstandingAmountMinor: 30_000n,
        state: 'partially_paid',
        paymentIds: ['pay-1'],
      },
    ]);
  });

  it('flags money from a third party, an unknown invoice and an overpayment (100,000 + 5,000 paid on 100,000)', () => {
    const result = matchPaymentsToInvoices(
      {},
      {
        invoices: [invoice('inv-1', 100_000n, 10), invoice('inv-2', 10n, 10)],
        payments: [
          payment('pay-1', 100_000n, ['inv-1']),
          payment('pay-2', 5_000n, ['inv-1'], { paidAtMs: 2_000 }),
          payment('pay-3', 10n, ['inv-2'], { payerOrganisationId: 'related-firm' }),
          payment('pay-4', 10n, ['inv-404']),
        ],
      },
    );
    expect(result.findings.map((finding) => finding.type).sort()).toEqual([
      'flow.invoice_overpaid',
      'flow.payment_invoice_unknown',
      'flow.payment_party_mismatch',
    ]);
    const overpaid = result.findings.find((finding) => finding.type === 'flow.invoice_overpaid');
    expect(overpaid?.details).toEqual({ totalAmountMinor: '100000', paidAmountMinor: '105000' });
    expect(overpaid?.subjectIds).toEqual(['inv-1', 'pay-1', 'pay-2']);
    expect(result.statuses.find((status) => status.invoiceId === 'inv-2')?.state).toBe('unpaid');
  });

  it('does not depend on the order of invoices or payments (property)', () => {
    const invoices = [invoice('inv-1', 100n, 10), invoice('inv-2', 50n, 5), invoice('inv-3', 70n, 5)];
    const payments = [
      payment('pay-1', 120n, ['inv-1', 'inv-2'], { paidAtMs: 5 }),
      payment('pay-2', 100n, ['inv-1', 'inv-3'], { paidAtMs: 5 }),
      payment('pay-3', 30n, ['inv-3'], { paidAtMs: 1 }),
    ];
    const baseline = matchPaymentsToInvoices({}, { invoices, payments });
    fc.assert(
      fc.property(
        fc.shuffledSubarray(invoices, { minLength: invoices.length }),
        fc.shuffledSubarray(payments, { minLength: payments.length }),
        (shuffledInvoices, shuffledPayments) => {
          expect(matchPaymentsToInvoices({}, { invoices: shuffledInvoices, payments: shuffledPayments })).toEqual(
            baseline,
          );
        },
      ),
    );
    // Money is neither made nor lost: everything paid is allocated to some invoice.
    const allocated = baseline.statuses.reduce((sum, status) => sum + status.paidAmountMinor, 0n);
    expect(allocated).toBe(120n + 100n + 30n);
  });
});
