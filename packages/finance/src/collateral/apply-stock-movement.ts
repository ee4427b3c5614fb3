import { assert } from '@fieldproof/protocol';
import { CollateralError } from './collateral-error.ts';
import type { CollateralStore, PledgedLot, StockMovementEvent } from './collateral-types.ts';
import { matchReleaseOrders, type ReleaseOrderUse } from './match-release-orders.ts';

/** Where lots and orders are kept. */
export interface ApplyStockMovementDependencies {
  /** The lot registry. */
  store: CollateralStore;
}

/** One IoT stock-movement event. */
export interface ApplyStockMovementParameters {
  /** The event, as derived by the edge. */
  event: StockMovementEvent;
  /** Weighing tolerance for matching an out-movement to release orders, grams. */
  toleranceGrams: bigint;
}

/** What the event did. */
export interface ApplyStockMovementResult {
  /** `applied`, `duplicate` (seen before, nothing changed) or `unmonitored` (no active lot is watched by that device at that site). */
  status: 'applied' | 'duplicate' | 'unmonitored';
  /** The lot after the movement, when one was moved. */
  lot: PledgedLot | undefined;
  /** Release orders drawn on (out-movements). */
  uses: ReleaseOrderUse[];
  /** Grams that left with no release order (beyond the tolerance): the risk rule raises an alert on it. */
  unauthorisedGrams: bigint;
  /** Grams the event took out beyond what the lot held (the lot is floored at 0; the excess is reported, not lost). */
  shortfallGrams: bigint;
}

/**
 * Move a pledged lot's quantity by an IoT stock-movement event: in-events add, out-events
 * subtract and are set against the lot's release orders. Idempotent by eventId. The lot is the
 * active lot at the event's site that the device watches. Quantities never go negative.
 * Throws CollateralError `collateral_input_invalid` for a non-positive weight.
 */
export async function applyStockMovement(
  dependencies: ApplyStockMovementDependencies,
  parameters: ApplyStockMovementParameters,
): Promise<ApplyStockMovementResult> {
  const { store } = dependencies;
  const { event } = parameters;
  const none = { lot: undefined, uses: [], unauthorisedGrams: 0n, shortfallGrams: 0n };
  if (event.weightGrams <= 0n) {
    throw new CollateralError('collateral_input_invalid', 'a stock movement weighs a positive number of grams', {
      eventId: event.eventId,
    });
  }
  if (await store.hasAppliedEvent(event.eventId)) return { status: 'duplicate', ...none };
  const lots = (await store.findActiveLotsByDevice(event.deviceId)).filter((lot) => lot.siteId === event.siteId);
  // A device watches one heap; two active lots on one device are a double pledge, which the
  // registry refuses, so there is at most one (the first by id, should an old store hold two).
  const lot = lots.sort((a, b) => (a.lotId < b.lotId ? -1 : 1))[0];
  if (!lot) return { status: 'unmonitored', ...none };
  let uses: ReleaseOrderUse[] = [];
  let unauthorisedGrams = 0n;
  let shortfallGrams = 0n;
  let quantityGrams = lot.quantityGrams;
  if (event.direction === 'in') {
    quantityGrams += event.weightGrams;
  } else {
    const match = matchReleaseOrders({
      orders: await store.findReleaseOrders(lot.lotId),
      weightGrams: event.weightGrams,
      atMs: event.atMs,
      toleranceGrams: parameters.toleranceGrams,
    });
    for (const order of match.updatedOrders) await store.putReleaseOrder(order);
    uses = match.uses;
    unauthorisedGrams = match.unauthorisedGrams;
    if (event.weightGrams > quantityGrams) {
      shortfallGrams = event.weightGrams - quantityGrams;
      quantityGrams = 0n;
    } else {
      quantityGrams -= event.weightGrams;
    }
  }
  assert(quantityGrams >= 0n, 'a lot quantity is never negative');
  const moved: PledgedLot = { ...lot, quantityGrams };
  await store.putLot(moved);
  await store.recordAppliedEvent(event.eventId, lot.lotId);
  return { status: 'applied', lot: moved, uses, unauthorisedGrams, shortfallGrams };
}
