import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchReceiptsToStockEvents } from './match-receipts-to-stock-events.ts';
import type { StockMovementEvent, WarehouseReceipt } from './records.ts';

const hour = 3_600_000;
const t0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
function receipt(id: string, siteId: string, weightGrams: number, receivedAtMs = t0): WarehouseReceipt {
  return {
    warehouseReceiptId: id,
    number: id.toUpperCase(),
    warehouseOrganisationId: 'warehouse',
    depositorOrganisationId: 'borrower',
    siteId,
    receivedAtMs,
    lines: [{ lineNumber: 1, itemCode: 'COPPER-CATHODE', quantity: weightGrams / 1000, unit: 'kg', weightGrams }],
  };
}
function event(
  eventId: string,
  siteId: string,
  weightGrams: number,
  atMs: number,
  direction: 'in' | 'out' = 'in',
): StockMovementEvent {
  return {
    eventId,
    deviceId: `cell-${siteId}`,
    siteId,
    direction,
    weightGrams: BigInt(weightGrams),
    atMs,
    frameIds: [`frame-${eventId}-a`, `frame-${eventId}-b`],
  };
}
const parameters = { windowMs: 2 * hour, weightToleranceBasisPoints: 100 };

describe('matchReceiptsToStockEvents', () => {
  it('matches a receipt of 1,000,000 g to in-events of 600,000 + 399,000 g (|−1,000| × 10000 = 10^7 ≤ 10^6 × 100)', () => {
    const result = matchReceiptsToStockEvents(
      {},
      {
        warehouseReceipts: [receipt('wr-1', 'site-1', 1_000_000)],
        stockMovementEvents: [
          event('ev-1', 'site-1', 600_000, t0 - hour),
          event('ev-2', 'site-1', 399_000, t0 + hour),
          event('ev-far', 'site-1', 1_000, t0 + 3 * hour), // outside ±2 h
          event('ev-out', 'site-1', 1_000, t0, 'out'), // outbound, never counts
          event('ev-other', 'site-2', 1_000, t0), // another site
        ],
        ...parameters,
      },
    );
    expect(result.findings).toEqual([]);
    expect(result.matches).toEqual([
      {
        warehouseReceiptId: 'wr-1',
        receiptWeightGrams: 1_000_000,
        matchedWeightGrams: 999_000,
        eventIds: ['ev-1', 'ev-2'],
        state: 'matched',
      },
    ]);
  });

  it('finds the planted receipt whose goods never appeared on the load cell, with the receipt as evidence', () => {
    const result = matchReceiptsToStockEvents(
      {},
      {
        warehouseReceipts: [receipt('wr-real', 'site-1', 500_000), receipt('wr-ghost', 'site-2', 20_000_000)],
        stockMovementEvents: [event('ev-1', 'site-1', 500_000, t0)],
        ...parameters,
      },
    );
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding?.type).toBe('flow.receipt_without_stock_in');
    expect(finding?.severity).toBe('high');
    expect(finding?.subjectIds).toEqual(['wr-ghost']);
    expect(finding?.evidence).toEqual([{ kind: 'document', id: 'wr-ghost' }]);
    expect(result.matches.map((match) => [match.warehouseReceiptId, match.state])).toEqual([
      ['wr-ghost', 'missing'],
      ['wr-real', 'matched'],
    ]);
  });

  it('flags a receipt of 1,000,000 g against 800,000 g seen (200,000 × 10000 = 2×10^9 > 10^8), citing events and frames', () => {
    const result = matchReceiptsToStockEvents(
      {},
      {
        warehouseReceipts: [receipt('wr-1', 'site-1', 1_000_000)],
        stockMovementEvents: [event('ev-1', 'site-1', 800_000, t0)],
        ...parameters,
      },
    );
    expect(result.findings.map((finding) => finding.type)).toEqual(['flow.receipt_weight_mismatch']);
    expect(result.findings[0]?.evidence).toEqual([
      { kind: 'document', id: 'wr-1' },
      { kind: 'event', id: 'ev-1' },
      { kind: 'frame', id: 'frame-ev-1-a' },
      { kind: 'frame', id: 'frame-ev-1-b' },
    ]);
    expect(result.findings[0]?.details).toMatchObject({ receiptWeightGrams: '1000000', matchedWeightGrams: '800000' });
  });

  it('uses each event once: two receipts of 500,000 g and one event of 500,000 g leave the later receipt missing', () => {
    const result = matchReceiptsToStockEvents(
      {},
      {
        warehouseReceipts: [receipt('wr-b', 'site-1', 500_000, t0 + 1), receipt('wr-a', 'site-1', 500_000, t0)],
        stockMovementEvents: [event('ev-1', 'site-1', 500_000, t0)],
        ...parameters,
      },
    );
    expect(result.matches.map((match) => [match.warehouseReceiptId, match.state])).toEqual([
      ['wr-a', 'matched'],
      ['wr-b', 'missing'],
    ]);
  });

  it('refuses a negative window', () => {
    expect(() =>
      matchReceiptsToStockEvents(
        {},
        { warehouseReceipts: [], stockMovementEvents: [], windowMs: -1, weightToleranceBasisPoints: 0 },
      ),
    ).toThrow(expect.objectContaining({ code: 'flow_parameter_invalid' }));
  });

  it('does not depend on the order of receipts or events (property)', () => {
    const receipts = [
      receipt('wr-1', 'site-1', 500_000, t0),
      receipt('wr-2', 'site-1', 300_000, t0 + hour),
      receipt('wr-3', 'site-2', 100_000, t0),
    ];
    const events = [
      event('ev-1', 'site-1', 300_000, t0 + hour),
      event('ev-2', 'site-1', 500_000, t0 + 10),
      event('ev-3', 'site-2', 50_000, t0),
      event('ev-4', 'site-1', 200_000, t0 - 10),
    ];
    const baseline = matchReceiptsToStockEvents(
      {},
      { warehouseReceipts: receipts, stockMovementEvents: events, ...parameters },
    );
    fc.assert(
      fc.property(
        fc.shuffledSubarray(receipts, { minLength: receipts.length }),
        fc.shuffledSubarray(events, { minLength: events.length }),
        (shuffledReceipts, shuffledEvents) => {
          expect(
            matchReceiptsToStockEvents(
              {},
              { warehouseReceipts: shuffledReceipts, stockMovementEvents: shuffledEvents, ...parameters },
            ),
          ).toEqual(baseline);
        },
      ),
    );
  });
});
