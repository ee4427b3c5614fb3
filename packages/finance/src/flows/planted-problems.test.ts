import { describe, expect, it } from 'vitest';
import * as planted from '../../_test/planted-flows.ts';
import { buildPartyGraph } from '../parties/build-party-graph.ts';
import { detectCircularTrades, tradeLinksFromFlows } from '../parties/detect-circular-trades.ts';
import { flagRelatedPartyTrades } from '../parties/flag-related-party-trades.ts';
import { findDuplicateInvoices } from './find-duplicate-invoices.ts';
import { matchPaymentsToInvoices } from './match-payments-to-invoices.ts';
import { matchReceiptsToStockEvents } from './match-receipts-to-stock-events.ts';
import { matchShipmentsToGpsTrails } from './match-shipments-to-gps-trails.ts';
import { reconcileThreeWayMatch } from './reconcile-three-way-match.ts';

describe('the planted demo supply chain', () => {
  it('yields exactly the planted problems, and nothing on the clean trade', () => {
    const day = 86_400_000;
    const graph = buildPartyGraph({}, { parties: planted.plantedParties, relationships: planted.plantedRelationships });
    const tradeLinks = tradeLinksFromFlows({ invoices: planted.plantedInvoices, payments: planted.plantedPayments });
    const findings = [
      ...reconcileThreeWayMatch(
        {},
        {
          purchaseOrders: planted.plantedPurchaseOrders,
          warehouseReceipts: planted.plantedWarehouseReceipts,
          invoices: planted.plantedInvoices.filter((invoice) => invoice.purchaseOrderId !== undefined),
          quantityToleranceBasisPoints: 200,
          priceToleranceBasisPoints: 100,
        },
      ).findings,
      // 10,004,000 + 9,990,000 = 19,994,000 g against 20,000,000: |−6,000| × 10000 = 6 × 10^7 ≤ 2 × 10^7 × 50 = 10^9.
      ...matchReceiptsToStockEvents(
        {},
        {
          warehouseReceipts: planted.plantedWarehouseReceipts,
          stockMovementEvents: planted.plantedStockMovementEvents,
          windowMs: 6 * 3_600_000,
          weightToleranceBasisPoints: 50,
        },
      ).findings,
      ...matchShipmentsToGpsTrails(
        {},
        { shipments: planted.plantedShipments, gpsTrailPoints: planted.plantedGpsTrailPoints },
      ).findings,
      ...matchPaymentsToInvoices({}, { invoices: planted.plantedInvoices, payments: planted.plantedPayments }).findings,
      ...findDuplicateInvoices({}, { invoices: planted.plantedInvoices }).findings,
      ...detectCircularTrades({}, { tradeLinks, windowMs: 30 * day }).findings,
      ...flagRelatedPartyTrades({ graph }, { tradeLinks, depthMax: 2 }).findings,
    ];
    expect(findings.map((finding) => [finding.type, finding.subjectIds.join(' ')]).sort()).toEqual([
      ['flow.receipt_without_stock_in', 'wr-ghost'],
      // Zhou Min represents A and owns 60% of C: C → A is trade between related parties.
      ['trade.circular', 'org-a org-b org-c'],
      ['trade.related_party', 'org-a org-c'],
    ]);
    const circular = findings.find((finding) => finding.type === 'trade.circular');
    // (80,000,000 − 79,200,000) × 10000 = 8 × 10^9 ≤ 80,000,000 × 500 = 4 × 10^10: near-equal, so high.
    expect(circular?.severity).toBe('high');
    expect(circular?.details).toMatchObject({
      spanMs: 23 * day,
      nearEqualAmounts: true,
      amountsMinor: '80000000,79600000,79200000',
    });
  });
});
