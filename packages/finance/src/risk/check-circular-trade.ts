import type { AlertCandidate, AlertEvidence } from './alert-types.ts';

/** A trade cycle found on the party graph (by the parties module), with the goods the IoT flow saw. */
export interface TradeCycleFinding {
  /** Id of the finding. */
  cycleId: string;
  /** Organisations around the cycle, in trade order (A → B → … → A). */
  organisationIds: readonly string[];
  /** Money that went round, minor units. */
  amountMinor: bigint;
  /** Its currency. */
  currency: string;
  /** Start of the window the trades fall in, UTC ms. */
  windowStartMs: number;
  /** End of the window, UTC ms. */
  windowEndMs: number;
  /** Goods the cycle's documents claim moved, grams (null when the documents name no weight). */
  claimedGoodsGrams: bigint | null;
  /** Goods IoT stock movements show for those trades, grams (null when no site of the cycle is monitored). */
  iotMovedGrams: bigint | null;
  /** The documents, payments and decisions behind it. */
  evidence: readonly AlertEvidence[];
}

/** The cycles and whom the bank watches. */
export interface CheckCircularTradeParameters {
  /** Cycle findings. */
  cycles: readonly TradeCycleFinding[];
  /** Borrowers (and their core enterprises) the bank lends to. */
  monitoredOrganisationIds: ReadonlySet<string>;
  /** The bank. */
  organisationId: string;
  /** IoT-seen goods below claimed × (10,000 − this) ÷ 10,000 make the trade fictitious, basis points (e.g. 1,000). */
  goodsToleranceBasisPoints: number;
  /** When the check runs, UTC ms. */
  atMs: number;
}

/**
 * The circular-trade rule: a cycle through a monitored organisation raises `circular_trade`
 * (high); when the IoT flow saw materially less goods than the documents claim (只走票不走货:
 * invoices and money move, goods do not) it raises `fictitious_trade` (critical) instead.
 * Keyed by cycle. Cycles with no monitored member raise nothing.
 */
export function checkCircularTrade(parameters: CheckCircularTradeParameters): AlertCandidate[] {
  const alerts: AlertCandidate[] = [];
  const kept = 10_000n - BigInt(parameters.goodsToleranceBasisPoints);
  for (const cycle of parameters.cycles) {
    const monitored = cycle.organisationIds.filter((id) => parameters.monitoredOrganisationIds.has(id));
    if (monitored.length === 0) continue;
    const claimed = cycle.claimedGoodsGrams;
    const seen = cycle.iotMovedGrams;
    const fictitious = claimed !== null && seen !== null && claimed > 0n && seen * 10_000n < claimed * kept;
    const ring = [...cycle.organisationIds, cycle.organisationIds[0]].join(' → ');
    alerts.push({
      rule: fictitious ? 'fictitious_trade' : 'circular_trade',
      dedupKey: `cycle.${cycle.cycleId}`,
      severity: fictitious ? 'critical' : 'high',
      subjectId: cycle.cycleId,
      organisationId: parameters.organisationId,
      message: fictitious
        ? `Trade ring ${ring} moved ${cycle.amountMinor} ${cycle.currency} minor units but IoT saw ${seen} g of ${claimed} g claimed`
        : `Trade ring ${ring} moved ${cycle.amountMinor} ${cycle.currency} minor units`,
      details: {
        organisationIds: cycle.organisationIds.join(' '),
        monitoredOrganisationIds: monitored.join(' '),
        amountMinor: cycle.amountMinor.toString(),
        currency: cycle.currency,
        windowStartMs: cycle.windowStartMs,
        windowEndMs: cycle.windowEndMs,
        claimedGoodsGrams: claimed?.toString() ?? null,
        iotMovedGrams: seen?.toString() ?? null,
      },
      evidence: [...cycle.evidence],
      observedAtMs: parameters.atMs,
    });
  }
  return alerts;
}
