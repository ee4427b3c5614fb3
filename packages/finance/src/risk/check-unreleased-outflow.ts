import type { PledgedLot, ReleaseOrder, StockMovementEvent } from '../collateral/collateral-types.ts';
import { matchReleaseOrders } from '../collateral/match-release-orders.ts';
import type { AlertCandidate } from './alert-types.ts';

/** A lot, its release orders before the event, and the event. */
export interface CheckUnreleasedOutflowParameters {
  /** The pledged lot. */
  lot: PledgedLot;
  /** The lot's release orders as they stood before the event (not yet drawn on by it). */
  releaseOrders: readonly ReleaseOrder[];
  /** The stock-movement event. */
  event: StockMovementEvent;
  /** Weighing tolerance, grams. */
  toleranceGrams: bigint;
}

/**
 * The "goods leaving without a release order" rule: an out-event at the lot's site, seen by one
 * of its devices, that no valid open release order covers beyond the tolerance raises a critical
 * `goods_left_without_release` alert, keyed by the event, with the event and its frames as
 * evidence. In-events, other sites and other devices raise nothing.
 */
export function checkUnreleasedOutflow(parameters: CheckUnreleasedOutflowParameters): AlertCandidate[] {
  const { lot, event } = parameters;
  if (
    lot.status !== 'pledged' ||
    event.direction !== 'out' ||
    event.siteId !== lot.siteId ||
    !lot.monitoringDeviceIds.includes(event.deviceId)
  ) {
    return [];
  }
  const match = matchReleaseOrders({
    orders: parameters.releaseOrders,
    weightGrams: event.weightGrams,
    atMs: event.atMs,
    toleranceGrams: parameters.toleranceGrams,
  });
  if (match.unauthorisedGrams === 0n) return [];
  return [
    {
      rule: 'goods_left_without_release',
      dedupKey: `outflow.${event.eventId}`,
      severity: 'critical',
      subjectId: lot.lotId,
      organisationId: lot.pledgeeId,
      message: `${match.unauthorisedGrams} g left lot ${lot.lotId} at ${event.siteId} with no release order`,
      details: {
        eventId: event.eventId,
        deviceId: event.deviceId,
        siteId: event.siteId,
        weightGrams: event.weightGrams.toString(),
        unauthorisedGrams: match.unauthorisedGrams.toString(),
        coveredGrams: (event.weightGrams - match.unauthorisedGrams).toString(),
        releaseOrderIds: match.uses.map((use) => use.releaseOrderId).join(' '),
        atMs: event.atMs,
      },
      evidence: [
        { kind: 'event', id: event.eventId },
        ...event.frameIds.map((id) => ({ kind: 'frame' as const, id })),
        { kind: 'decision', id: lot.pledgeDecisionId },
      ],
      observedAtMs: event.atMs,
    },
  ];
}
