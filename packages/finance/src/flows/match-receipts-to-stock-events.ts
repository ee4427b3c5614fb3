import { compareText, type Finding, type FindingEvidence, makeFinding, sortFindings } from './finding.ts';
import { checkBasisPoints, checkUniqueIds, FlowError } from './flow-error.ts';
import type { StockMovementEvent, WarehouseReceipt } from './records.ts';

/** Parameters of {@link matchReceiptsToStockEvents}. */
export interface MatchReceiptsToStockEventsParameters {
  /** Warehouse receipts to check. */
  warehouseReceipts: readonly WarehouseReceipt[];
  /** Load-cell stock movements derived at the edge (only `in` events at the receipt's site count). */
  stockMovementEvents: readonly StockMovementEvent[];
  /** How far an event may be from the receipt's `receivedAtMs`, either way, in ms. */
  windowMs: number;
  /** Allowed difference between the receipt's weight and the matched events' weight, in basis points of the receipt's weight. */
  weightToleranceBasisPoints: number;
}

/** How one receipt fared against the load cells. */
export interface ReceiptStockMatch {
  /** The receipt. */
  warehouseReceiptId: string;
  /** Total weight the receipt states, grams. */
  receiptWeightGrams: number;
  /** Total weight of the events matched to it, grams. */
  matchedWeightGrams: number;
  /** The events matched to it, by id, sorted. */
  eventIds: string[];
  /** `matched` within tolerance; `weight_mismatch` some but not enough (or too much); `missing` no event at all. */
  state: 'matched' | 'weight_mismatch' | 'missing';
}

/** Result of {@link matchReceiptsToStockEvents}. */
export interface MatchReceiptsToStockEventsResult {
  /** One entry per receipt, sorted by receipt id. */
  matches: ReceiptStockMatch[];
  /** `flow.receipt_without_stock_in` and `flow.receipt_weight_mismatch` findings, sorted by id. */
  findings: Finding[];
}

/**
 * The IoT leg of the match: the goods a warehouse receipt says came in must have appeared on the
 * load cells at that site. Each `in` event is used by at most one receipt. Receipts claim events
 * in the order (receivedAtMs, id); a receipt takes unclaimed events at its site within ±windowMs,
 * nearest in time first (ties by event id), while the total stays within weight + tolerance.
 * It matches when `|events − receipt| × 10000 ≤ receipt × tolerance` (exact integers, no rounding).
 * The result does not depend on input order.
 */
export function matchReceiptsToStockEvents(
  _deps: Record<string, never>,
  parameters: MatchReceiptsToStockEventsParameters,
): MatchReceiptsToStockEventsResult {
  checkBasisPoints('weightToleranceBasisPoints', parameters.weightToleranceBasisPoints);
  if (!Number.isInteger(parameters.windowMs) || parameters.windowMs < 0) {
    throw new FlowError('flow_parameter_invalid', 'windowMs must be a non-negative whole number of ms', {
      windowMs: parameters.windowMs,
    });
  }
  checkUniqueIds('warehouse receipt', parameters.warehouseReceipts, (receipt) => receipt.warehouseReceiptId);
  checkUniqueIds('stock movement event', parameters.stockMovementEvents, (event) => event.eventId);
  const tolerance = BigInt(parameters.weightToleranceBasisPoints);

  const inEventsBySite = new Map<string, StockMovementEvent[]>();
  for (const event of parameters.stockMovementEvents) {
    if (event.direction !== 'in') continue;
    const list = inEventsBySite.get(event.siteId) ?? [];
    list.push(event);
    inEventsBySite.set(event.siteId, list);
  }
  const claimed = new Set<string>();
  const receipts = [...parameters.warehouseReceipts].sort(
    (a, b) => a.receivedAtMs - b.receivedAtMs || compareText(a.warehouseReceiptId, b.warehouseReceiptId),
  );
  const matches: ReceiptStockMatch[] = [];
  const findings: Finding[] = [];
  for (const receipt of receipts) {
    const receiptWeight = receipt.lines.reduce((sum, line) => sum + BigInt(line.weightGrams), 0n);
    const ceiling = receiptWeight * (10_000n + tolerance);
    const candidates = (inEventsBySite.get(receipt.siteId) ?? [])
      .filter(
        (event) => !claimed.has(event.eventId) && Math.abs(event.atMs - receipt.receivedAtMs) <= parameters.windowMs,
      )
      .sort(
        (a, b) =>
          Math.abs(a.atMs - receipt.receivedAtMs) - Math.abs(b.atMs - receipt.receivedAtMs) ||
          compareText(a.eventId, b.eventId),
      );
    let matchedWeight = 0n;
    const taken: StockMovementEvent[] = [];
    for (const event of candidates) {
      const next = matchedWeight + BigInt(event.weightGrams);
      if (next * 10_000n > ceiling) continue;
      matchedWeight = next;
      taken.push(event);
    }
    // Release events only when they make a match: a failed receipt must not starve the next one.
    const difference = matchedWeight > receiptWeight ? matchedWeight - receiptWeight : receiptWeight - matchedWeight;
    const withinTolerance = difference * 10_000n <= receiptWeight * tolerance;
    const state = taken.length === 0 ? 'missing' : withinTolerance ? 'matched' : 'weight_mismatch';
    if (state === 'matched') for (const event of taken) claimed.add(event.eventId);
    const eventIds = taken.map((event) => event.eventId).sort(compareText);
    matches.push({
      warehouseReceiptId: receipt.warehouseReceiptId,
      receiptWeightGrams: Number(receiptWeight),
      matchedWeightGrams: Number(matchedWeight),
      eventIds: state === 'missing' ? [] : eventIds,
      state,
    });
    const evidence: FindingEvidence[] = [
      { kind: 'document', id: receipt.warehouseReceiptId },
      ...taken.map((event): FindingEvidence => ({ kind: 'event', id: event.eventId })),
      ...taken.flatMap((event) => event.frameIds.map((id): FindingEvidence => ({ kind: 'frame', id }))),
    ];
    if (state === 'missing') {
      findings.push(
        makeFinding({
          type: 'flow.receipt_without_stock_in',
          severity: 'high',
          subjectIds: [receipt.warehouseReceiptId],
          message: `Warehouse receipt ${receipt.number} states ${receiptWeight} g received at site ${receipt.siteId}, but no load cell there saw goods come in within ${parameters.windowMs} ms.`,
          evidence,
          details: { siteId: receipt.siteId, receiptWeightGrams: String(receiptWeight), windowMs: parameters.windowMs },
        }),
      );
    } else if (state === 'weight_mismatch') {
      findings.push(
        makeFinding({
          type: 'flow.receipt_weight_mismatch',
          severity: 'medium',
          subjectIds: [receipt.warehouseReceiptId],
          message: `Warehouse receipt ${receipt.number} states ${receiptWeight} g, but the load cells at site ${receipt.siteId} saw ${matchedWeight} g come in (tolerance ${parameters.weightToleranceBasisPoints} bp).`,
          evidence,
          details: {
            siteId: receipt.siteId,
            receiptWeightGrams: String(receiptWeight),
            matchedWeightGrams: String(matchedWeight),
          },
        }),
      );
    }
  }
  matches.sort((a, b) => compareText(a.warehouseReceiptId, b.warehouseReceiptId));
  return { matches, findings: sortFindings(findings) };
}
