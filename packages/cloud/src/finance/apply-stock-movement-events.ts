import {
  type AlertCandidate,
  applyStockMovement,
  checkUnreleasedOutflow,
  type PledgedLot,
  type StockMovementEvent,
} from '@fieldproof/finance';
import { type DerivedEvent, DerivedEventSchema, FieldproofError } from '@fieldproof/protocol';
import { type FinanceServices, lotMovementsKept } from './finance-services.ts';
import { raiseAndNotify } from './raise-and-notify.ts';

/** Most events one call applies. */
export const stockMovementEventsMax = 1_000;

/** Accepted derived events (the edge's `derive-stock-movements` output); other types are skipped. */
export interface ApplyStockMovementEventsParameters {
  /** The events, in the order they happened. */
  events: readonly DerivedEvent[];
}

/** What each event did. */
export interface ApplyStockMovementEventsResult {
  /** Per event: applied, duplicate, unmonitored (no pledged lot watched by its device) or skipped (not a stock movement). */
  outcomes: { eventId: string; status: 'applied' | 'duplicate' | 'unmonitored' | 'skipped'; lotId?: string }[];
  /** Ids of the alerts raised (goods leaving without a release order). */
  alertIds: string[];
}

/** The finance shape of a `stock.movement` event at the site of the lot its device watches. */
function toStockMovement(event: DerivedEvent, siteId: string): StockMovementEvent {
  const payload = event.payload as { direction?: unknown; weightKg?: unknown };
  if ((payload.direction !== 'in' && payload.direction !== 'out') || typeof payload.weightKg !== 'number') {
    throw new FieldproofError(
      'request_invalid',
      `event ${event.eventId}: a stock.movement needs direction and weightKg`,
    );
  }
  return {
    eventId: event.eventId,
    deviceId: event.deviceId,
    siteId,
    direction: payload.direction,
    weightGrams: BigInt(Math.round(payload.weightKg * 1000)),
    atMs: event.endTimeMs,
    frameIds: event.sourceFrameIds,
  };
}

/**
 * Apply IoT stock movements to pledged lots: each `stock.movement` event moves the quantity of
 * the active lot its device watches (idempotent by event id), and an out-movement no release
 * order covers raises `goods_left_without_release` with the event and its frames as evidence.
 * Precondition: the events were accepted (their frames are in the log and re-execution matched).
 */
export async function applyStockMovementEvents(
  services: FinanceServices,
  parameters: ApplyStockMovementEventsParameters,
): Promise<ApplyStockMovementEventsResult> {
  if (parameters.events.length > stockMovementEventsMax) {
    throw new FieldproofError(
      'request_invalid',
      `at most stockMovementEventsMax ${stockMovementEventsMax} events per call`,
    );
  }
  const outcomes: ApplyStockMovementEventsResult['outcomes'] = [];
  const candidates: AlertCandidate[] = [];
  for (const raw of parameters.events) {
    const event = DerivedEventSchema.parse(raw);
    const seen = services.deviceLastSeenAtMs.get(event.deviceId) ?? 0;
    if (event.endTimeMs > seen) services.deviceLastSeenAtMs.set(event.deviceId, event.endTimeMs);
    if (event.type !== 'stock.movement') {
      outcomes.push({ eventId: event.eventId, status: 'skipped' });
      continue;
    }
    const lots = await services.collateral.findActiveLotsByDevice(event.deviceId);
    const lot: PledgedLot | undefined = lots.sort((a, b) => (a.lotId < b.lotId ? -1 : 1))[0];
    if (!lot) {
      outcomes.push({ eventId: event.eventId, status: 'unmonitored' });
      continue;
    }
    const movement = toStockMovement(event, lot.siteId);
    const releaseOrders = await services.collateral.findReleaseOrders(lot.lotId);
    const applied = await applyStockMovement(
      { store: services.collateral },
      { event: movement, toleranceGrams: services.settings.toleranceGrams },
    );
    outcomes.push({ eventId: event.eventId, status: applied.status, lotId: lot.lotId });
    if (applied.status === 'applied') {
      const kept = [
        ...(services.lotMovements.get(lot.lotId) ?? []),
        { eventId: event.eventId, frameIds: event.sourceFrameIds },
      ];
      services.lotMovements.set(lot.lotId, kept.slice(-lotMovementsKept));
      candidates.push(
        ...checkUnreleasedOutflow({
          lot,
          releaseOrders,
          event: movement,
          toleranceGrams: services.settings.toleranceGrams,
        }),
      );
    }
  }
  const { raised } = await raiseAndNotify(services, { candidates });
  return { outcomes, alertIds: raised.map((alert) => alert.alertId) };
}
