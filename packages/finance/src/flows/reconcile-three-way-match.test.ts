import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowError } from './flow-error.ts';
import { reconcileThreeWayMatch } from './reconcile-three-way-match.ts';
import type { Contract, Invoice, PurchaseOrder, WarehouseReceipt } from './records.ts';

const day = 86_400_000;
const order: PurchaseOrder = {
  purchaseOrderId: 'po-1',
  number: 'PO-2026-001',
  buyerOrganisationId: 'buyer',
  sellerOrganisationId: 'seller',
  issuedAtMs: 10 * day,
  currency: 'CNY',
  lines: [
    {
      lineNumber: 1,
      itemCode: 'STEEL-COIL',
      description: 'hot-rolled coil',
      quantity: 100,
      unit: 'kg',
      unitPriceMinor: 5_000n,
    },
    { lineNumber: 2, itemCode: 'BOLT-M8', description: 'bolt M8', quantity: 1_000, unit: 'piece', unitPriceMinor: 20n },
  ],
};
function receipt(id: string, quantity: number, overrides: Partial<WarehouseReceipt> = {}): WarehouseReceipt {
  return {
    warehouseReceiptId: id,
    number: id.toUpperCase(),
    warehouseOrganisationId: 'warehouse',
    depositorOrganisationId: 'buyer',
    siteId: 'site-1',
    purchaseOrderId: 'po-1',
    receivedAtMs: 12 * day,
    lines: [
      {
        lineNumber: 1,
        purchaseOrderLineNumber: 1,
        itemCode: 'STEEL-COIL',
        quantity,
        unit: 'kg',
        weightGrams: quantity * 1000,
      },
    ],
    ...overrides,
  };
}
function invoice(id: string, quantity: number, unitPriceMinor: bigint, overrides: Partial<Invoice> = {}): Invoice {
  return {
    invoiceId: id,
    number: id.toUpperCase(),
    sellerOrganisationId: 'seller',
    buyerOrganisationId: 'buyer',
    purchaseOrderId: 'po-1',
    issuedAtMs: 13 * day,
    currency: 'CNY',
    totalAmountMinor: BigInt(quantity) * unitPriceMinor,
    lines: [
      {
        lineNumber: 1,
        purchaseOrderLineNumber: 1,
        itemCode: 'STEEL-COIL',
        description: 'hot-rolled coil',
        quantity,
        unit: 'kg',
        unitPriceMinor,
      },
    ],
    ...overrides,
  };
}
const tolerances = { quantityToleranceBasisPoints: 200, priceToleranceBasisPoints: 200 };
const types = (result: ReturnType<typeof reconcileThreeWayMatch>) =>
  result.findings.map((finding) => finding.type).sort();

describe('reconcileThreeWayMatch', () => {
  it('passes two partial deliveries inside tolerance and one invoice 1% over the agreed price', () => {
    // Received 60 + 41 = 101 kg of 100 ordered: 101 × 10000 = 1,010,000 ≤ 100 × 10200 = 1,020,000, not over.
    // Invoiced 101 kg ≤ received 101 kg. Price 5050 vs 5000: |50| × 10000 = 500,000 ≤ 5000 × 200 = 1,000,000.
    const result = reconcileThreeWayMatch(
      {},
      {
        purchaseOrders: [order],
        warehouseReceipts: [receipt('wr-1', 60), receipt('wr-2', 41)],
        invoices: [invoice('inv-1', 101, 5_050n)],
        ...tolerances,
      },
    );
    expect(result.findings).toEqual([]);
    expect(result.lineStatuses).toEqual([
      {
        purchaseOrderId: 'po-1',
        lineNumber: 1,
        orderedQuantity: 100,
        receivedQuantity: 101,
        invoicedQuantity: 101,
        deliveryState: 'complete',
      },
      {
        purchaseOrderId: 'po-1',
        lineNumber: 2,
        orderedQuantity: 1000,
        receivedQuantity: 0,
        invoicedQuantity: 0,
        deliveryState: 'none',
      },
    ]);
  });

  it('calls 60 of 100 a partial delivery (60 × 10000 = 600,000 < 100 × 9800 = 980,000) and raises nothing', () => {
    const result = reconcileThreeWayMatch(
      {},
      {
        purchaseOrders: [order],
        warehouseReceipts: [receipt('wr-1', 60)],
        invoices: [invoice('inv-1', 60, 5_000n)],
        ...tolerances,
      },
    );
    expect(result.findings).toEqual([]);
    expect(result.lineStatuses[0]?.deliveryState).toBe('partial');
  });

  it('flags 103 kg received against 100 ordered (1,030,000 > 1,020,000) with the PO and receipt as evidence', () => {
    const result = reconcileThreeWayMatch(
      {},
      { purchaseOrders: [order], warehouseReceipts: [receipt('wr-1', 103)], invoices: [], ...tolerances },
    );
    expect(types(result)).toEqual(['flow.over_received']);
    expect(result.findings[0]?.evidence).toEqual([
      { kind: 'document', id: 'po-1' },
      { kind: 'document', id: 'wr-1' },
    ]);
    expect(result.findings[0]?.details).toMatchObject({ ordered: '100', received: '103' });
  });

  it('takes 102 kg (exactly 2% over) as within tolerance', () => {
    const result = reconcileThreeWayMatch(
      {},
      { purchaseOrders: [order], warehouseReceipts: [receipt('wr-1', 102)], invoices: [], ...tolerances },
    );
    expect(result.findings).toEqual([]);
  });

  it('flags billing for goods not received: 70 invoiced, 60 received (700,000 > 60 × 10200 = 612,000)', () => {
    const result = reconcileThreeWayMatch(
      {},
      {
        purchaseOrders: [order],
        warehouseReceipts: [receipt('wr-1', 60)],
        invoices: [invoice('inv-1', 70, 5_000n)],
        ...tolerances,
      },
    );
    expect(types(result)).toEqual(['flow.invoiced_not_received']);
    expect(result.findings[0]?.severity).toBe('high');
  });

  it('flags a price 2.02% over (|101| × 10000 = 1,010,000 > 1,000,000) but not one exactly 2% under (|−100| × 10000 = 1,000,000, not >)', () => {
    const over = reconcileThreeWayMatch(
      {},
      {
        purchaseOrders: [order],
        warehouseReceipts: [receipt('wr-1', 10)],
        invoices: [invoice('inv-1', 10, 5_101n)],
        ...tolerances,
      },
    );
    expect(types(over)).toEqual(['flow.price_mismatch']);
    expect(over.findings[0]?.details).toMatchObject({ invoicedUnitPriceMinor: '5101', orderedUnitPriceMinor: '5000' });
    const edge = reconcileThreeWayMatch(
      {},
      {
        purchaseOrders: [order],
        warehouseReceipts: [receipt('wr-1', 10)],
        invoices: [invoice('inv-1', 10, 4_900n)],
        ...tolerances,
      },
    );
    expect(edge.findings).toEqual([]);
  });

  it('flags an invoice whose printed total differs from its lines (10 × 5000 = 50,000, printed 50,001)', () => {
    const result = reconcileThreeWayMatch(
      {},
      {
        purchaseOrders: [order],
        warehouseReceipts: [receipt('wr-1', 10)],
        invoices: [invoice('inv-1', 10, 5_000n, { totalAmountMinor: 50_001n })],
        ...tolerances,
      },
    );
    expect(types(result)).toEqual(['flow.invoice_total_mismatch']);
    expect(result.findings[0]?.details).toEqual({ totalAmountMinor: '50001', lineSumMinor: '50000' });
  });

  it('flags a missing PO, wrong parties, a wrong currency and an unknown line', () => {
    const result = reconcileThreeWayMatch(
      {},
      {
        purchaseOrders: [order],
        warehouseReceipts: [receipt('wr-1', 50, { depositorOrganisationId: 'someone-else' })],
        invoices: [
          invoice('inv-none', 1, 5_000n, { purchaseOrderId: 'po-404' }),
          invoice('inv-party', 1, 5_000n, { sellerOrganisationId: 'front-company' }),
          invoice('inv-usd', 1, 700n, { currency: 'USD' }),
          invoice('inv-line', 1, 5_000n, {
            lines: [
              {
                lineNumber: 1,
                purchaseOrderLineNumber: 9,
                itemCode: 'X',
                description: '',
                quantity: 1,
                unit: 'kg',
                unitPriceMinor: 5_000n,
              },
            ],
          }),
        ],
        ...tolerances,
      },
    );
    expect(types(result)).toEqual([
      'flow.currency_mismatch',
      'flow.line_unknown',
      'flow.party_mismatch',
      'flow.party_mismatch',
      'flow.purchase_order_missing',
    ]);
  });

  it('gives the same finding id for the same facts, so the cloud can upsert', () => {
    const run = () =>
      reconcileThreeWayMatch(
        {},
        { purchaseOrders: [order], warehouseReceipts: [receipt('wr-1', 103)], invoices: [], ...tolerances },
      ).findings[0]?.findingId;
    expect(run()).toMatch(/^fnd-[0-9a-f]{32}$/);
    expect(run()).toBe(run());
  });

  it('refuses duplicate ids and a tolerance that is not whole basis points', () => {
    expect(() =>
      reconcileThreeWayMatch(
        {},
        { purchaseOrders: [order, order], warehouseReceipts: [], invoices: [], ...tolerances },
      ),
    ).toThrow(expect.objectContaining({ code: 'flow_document_duplicate_id' }));
    expect(() =>
      reconcileThreeWayMatch(
        {},
        {
          purchaseOrders: [order],
          warehouseReceipts: [],
          invoices: [],
          quantityToleranceBasisPoints: 1.5,
          priceToleranceBasisPoints: 0,
        },
      ),
    ).toThrow(FlowError);
  });

  it('does not depend on the order of its inputs (property)', () => {
    const receipts = [receipt('wr-1', 60), receipt('wr-2', 50), receipt('wr-3', 7, { purchaseOrderId: 'po-404' })];
    const invoices = [
      invoice('inv-1', 70, 5_000n),
      invoice('inv-2', 30, 5_300n),
      invoice('inv-3', 5, 5_000n, { totalAmountMinor: 1n }),
    ];
    const baseline = reconcileThreeWayMatch(
      {},
      { purchaseOrders: [order], warehouseReceipts: receipts, invoices, ...tolerances },
    );
    expect(baseline.findings.length).toBeGreaterThan(2);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(receipts, { minLength: receipts.length }),
        fc.shuffledSubarray(invoices, { minLength: invoices.length }),
        (shuffledReceipts, shuffledInvoices) => {
          const result = reconcileThreeWayMatch(
            {},
            { purchaseOrders: [order], warehouseReceipts: shuffledReceipts, invoices: shuffledInvoices, ...tolerances },
          );
          expect(result).toEqual(baseline);
        },
      ),
    );
  });

  describe('with contracts', () => {
    // The order is worth 100 × 5000 + 1000 × 20 = 520,000 minor units.
    const contract: Contract = {
      contractId: 'ct-1',
      number: 'CT-2026-01',
      buyerOrganisationId: 'buyer',
      sellerOrganisationId: 'seller',
      signedAtMs: 1 * day,
      validUntilMs: 100 * day,
      currency: 'CNY',
      totalAmountMinor: 520_000n,
    };
    const run = (contracts: Contract[], orderOverrides: Partial<PurchaseOrder> = {}) =>
      types(
        reconcileThreeWayMatch(
          {},
          {
            purchaseOrders: [{ ...order, contractId: 'ct-1', ...orderOverrides }],
            warehouseReceipts: [],
            invoices: [],
            contracts,
            ...tolerances,
          },
        ),
      );

    it('passes an order that uses the contract exactly to its value (520,000 ≤ 520,000)', () => {
      expect(run([contract])).toEqual([]);
    });

    it('flags an order over the contract value, outside its term, with other parties, or under a contract not on file', () => {
      expect(run([{ ...contract, totalAmountMinor: 519_999n }])).toEqual(['flow.contract_exceeded']);
      expect(run([{ ...contract, validUntilMs: 10 * day }])).toEqual(['flow.contract_out_of_term']); // issued on day 10, end exclusive
      expect(run([{ ...contract, sellerOrganisationId: 'front-company' }])).toEqual(['flow.party_mismatch']);
      expect(run([])).toEqual(['flow.contract_missing']);
    });
  });
});
