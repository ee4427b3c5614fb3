import { CollateralError } from '../collateral/collateral-error.ts';
import type { PledgedLot, PriceRecord } from '../collateral/collateral-types.ts';
import { type SelectPriceResult, selectPrice } from '../collateral/select-price.ts';
import type { AlertCandidate, RiskRule } from './alert-types.ts';
import { checkDeviceHealth } from './check-device-health.ts';
import { checkDoublePledge } from './check-double-pledge.ts';
import { checkLoanToValue } from './check-loan-to-value.ts';

/** The book to sweep and the clock. */
export interface SweepRiskParameters {
  /** Pledged lots (released ones are skipped). */
  lots: readonly PledgedLot[];
  /** Loan outstanding allocated to each lot, minor units (a lot with none is not valued). */
  loanOutstandingMinorByLotId: ReadonlyMap<string, bigint>;
  /** The price feed's records. */
  priceRecords: readonly PriceRecord[];
  /** A price older than this is stale, ms. */
  priceMaxAgeMs: number;
  /** Last heartbeat or frame of each monitoring device, UTC ms (a device never seen is offline). */
  deviceLastSeenAtMs: ReadonlyMap<string, number>;
  /** Silence longer than this makes a device offline, ms. */
  offlineAfterMs: number;
  /** Now, UTC ms. */
  nowMs: number;
}

/** What the sweep found. */
export interface SweepRiskResult {
  /** Alert candidates, one per problem (feed them to raiseAlerts). */
  alerts: AlertCandidate[];
  /** Lots valued. */
  lotsValued: number;
  /** Alerts per rule. */
  countsByRule: Partial<Record<RiskRule, number>>;
}

/**
 * The periodic sweep over the whole book: every pledged lot re-valued at the newest price
 * (loan-to-value by line, stale or missing prices once per commodity), every monitoring device
 * checked for silence (once per device), and the book checked against itself for the same goods
 * pledged twice (indexed by site and goods, device and receipt, so the work is linear in the book).
 * Pure: the same book and clock give the same alerts in the same order.
 */
export function sweepRisk(parameters: SweepRiskParameters): SweepRiskResult {
  const { nowMs } = parameters;
  const alerts: AlertCandidate[] = [];
  const prices = new Map<string, SelectPriceResult | null>();
  const reportedPriceKeys = new Set<string>();
  // Three indexes, keyed by the raw ids where possible (no string building per lot), each
  // holding the lot itself and making an array only on a collision: most keys name one lot.
  const byGoods = new Map<string, PledgedLot | PledgedLot[]>();
  const byDevice = new Map<string, PledgedLot | PledgedLot[]>();
  const byReceipt = new Map<string, PledgedLot | PledgedLot[]>();
  let lotsValued = 0;
  const index = (map: Map<string, PledgedLot | PledgedLot[]>, key: string, lot: PledgedLot) => {
    const found = map.get(key);
    if (found === undefined) map.set(key, lot);
    else if (Array.isArray(found)) found.push(lot);
    else map.set(key, [found, lot]);
  };
  for (const lot of parameters.lots) {
    if (lot.status !== 'pledged') continue;
    index(byGoods, `${lot.siteId}\u0000${lot.goodsIdentity}`, lot);
    for (const deviceId of lot.monitoringDeviceIds) index(byDevice, deviceId, lot);
    for (const receipt of lot.receiptNumbers) index(byReceipt, receipt, lot);
    const priceKey = `${lot.commodity}\u0000${lot.currency}`;
    let price = prices.get(priceKey);
    if (price === undefined) {
      try {
        price = selectPrice({
          records: parameters.priceRecords,
          commodity: lot.commodity,
          currency: lot.currency,
          atMs: nowMs,
          priceMaxAgeMs: parameters.priceMaxAgeMs,
        });
      } catch (error) {
        if (!(error instanceof CollateralError) || error.code !== 'collateral_price_missing') throw error;
        price = null;
      }
      prices.set(priceKey, price);
    }
    const loan = parameters.loanOutstandingMinorByLotId.get(lot.lotId);
    if (price === null) {
      const dedupKey = `price_missing.${lot.pledgeeId}.${lot.commodity}.${lot.currency}`;
      if (!reportedPriceKeys.has(dedupKey)) {
        reportedPriceKeys.add(dedupKey);
        alerts.push({
          rule: 'price_missing',
          dedupKey,
          severity: 'high',
          subjectId: lot.commodity,
          organisationId: lot.pledgeeId,
          message: `No ${lot.currency} price of ${lot.commodity}: its lots cannot be valued`,
          details: { commodity: lot.commodity, currency: lot.currency },
          evidence: [],
          observedAtMs: nowMs,
        });
      }
    } else if (loan !== undefined) {
      const checked = checkLoanToValue({ lot, loanOutstandingMinor: loan, price, atMs: nowMs });
      lotsValued++;
      for (const alert of checked.alerts) {
        if (alert.rule === 'price_stale') {
          if (reportedPriceKeys.has(alert.dedupKey)) continue;
          reportedPriceKeys.add(alert.dedupKey);
        }
        alerts.push(alert);
      }
    }
  }
  // Devices after the lots, so that each silent device's alert names every lot it watches.
  for (const [deviceId, found] of byDevice) {
    const lastSeenAtMs = parameters.deviceLastSeenAtMs.get(deviceId);
    if (lastSeenAtMs !== undefined && nowMs - lastSeenAtMs <= parameters.offlineAfterMs) continue;
    const group = Array.isArray(found) ? found : [found];
    const first = group[0] as PledgedLot;
    const health = checkDeviceHealth({
      state: {
        deviceId,
        lastSeenAtMs: lastSeenAtMs ?? 0,
        lotIds: group.map((lot) => lot.lotId),
        organisationId: first.pledgeeId,
      },
      nowMs,
      offlineAfterMs: parameters.offlineAfterMs,
    });
    alerts.push(...health.alerts);
  }
  const pairsSeen = new Set<string>();
  for (const map of [byGoods, byDevice, byReceipt]) {
    for (const group of map.values()) {
      if (!Array.isArray(group)) continue;
      for (const lot of group) {
        for (const alert of checkDoublePledge({ lot, otherLots: group, atMs: nowMs })) {
          if (pairsSeen.has(alert.dedupKey)) continue;
          pairsSeen.add(alert.dedupKey);
          alerts.push(alert);
        }
      }
    }
  }
  const countsByRule: Partial<Record<RiskRule, number>> = {};
  for (const alert of alerts) countsByRule[alert.rule] = (countsByRule[alert.rule] ?? 0) + 1;
  return { alerts, lotsValued, countsByRule };
}
