import {
  type AlertCandidate,
  checkCircularTrade,
  detectCircularTrades,
  type PledgedLot,
  sweepRisk,
  tradeLinksFromFlows,
} from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';
import { raiseAndNotify } from './raise-and-notify.ts';

/** What one sweep found. */
export interface RunRiskSweepResult {
  /** Lots valued at the latest price. */
  lotsValued: number;
  /** Alert candidates per rule. */
  countsByRule: Record<string, number>;
  /** Ids of alerts raised for the first time. */
  raisedAlertIds: string[];
}

/** Principal still owed on a lot's loan: the disbursed loan's unpaid principal, else the amount pledged for. */
async function outstandingMinor(services: FinanceServices, lot: PledgedLot): Promise<bigint | undefined> {
  const loan = await services.loans.getLoan(lot.loanId);
  if (loan && loan.state === 'disbursed') {
    const paid = loan.schedule.reduce((sum, instalment) => sum + instalment.principalPaidMinor, 0n);
    return loan.principalMinor - paid;
  }
  if (loan && (loan.state === 'closed' || loan.state === 'rejected')) return undefined;
  const known = services.lotLoanAmountMinor.get(lot.lotId);
  if (known !== undefined) return known;
  // Pledged before this start: the amount is in the logged pledge decision.
  const pledge = await services.decisions.decisionById(lot.pledgeDecisionId);
  const amount = pledge
    ? (JSON.parse(pledge.body) as { details?: { loanAmountMinor?: unknown } }).details?.loanAmountMinor
    : undefined;
  if (typeof amount !== 'string' || !/^[0-9]{1,30}$/.test(amount)) return undefined;
  services.lotLoanAmountMinor.set(lot.lotId, BigInt(amount));
  return BigInt(amount);
}

/**
 * One risk sweep over the book: every pledged lot at the latest price (loan-to-value by line,
 * stale or missing prices), silent monitoring devices, the same goods pledged twice (sweepRisk),
 * and trade cycles through monitored organisations over the circular-trade window (from the
 * invoices, shipments and payments of the flow store). New alerts are stored and their webhooks queued.
 */
export async function runRiskSweep(services: FinanceServices): Promise<RunRiskSweepResult> {
  const nowMs = services.clock();
  const lots = new Map<string, PledgedLot>();
  for (const siteId of services.siteIds) {
    for (const lot of await services.collateral.findActiveLotsAtSite(siteId)) lots.set(lot.lotId, lot);
  }
  const loanOutstandingMinorByLotId = new Map<string, bigint>();
  for (const lot of lots.values()) {
    const outstanding = await outstandingMinor(services, lot);
    if (outstanding !== undefined) loanOutstandingMinorByLotId.set(lot.lotId, outstanding);
  }
  // Other banks' lots join the double-pledge check only: they carry no loan of ours to value.
  const external = services.externalLots.filter((lot) => !lots.has(lot.lotId));
  // A device not heard from since start counts its silence from the pledge it watches, not from 1970.
  const deviceLastSeenAtMs = new Map(services.deviceLastSeenAtMs);
  for (const lot of lots.values()) {
    for (const deviceId of lot.monitoringDeviceIds) {
      if (!deviceLastSeenAtMs.has(deviceId)) deviceLastSeenAtMs.set(deviceId, lot.pledgedAtMs);
    }
  }
  const swept = sweepRisk({
    lots: [...lots.values(), ...external].sort((a, b) => (a.lotId < b.lotId ? -1 : 1)),
    loanOutstandingMinorByLotId,
    priceRecords: services.prices,
    priceMaxAgeMs: services.settings.priceMaxAgeMs,
    deviceLastSeenAtMs,
    offlineAfterMs: services.settings.offlineAfterMs,
    nowMs,
  });
  // A loan-to-value alert rests on the pledge, the price and the quantity: cite the price's
  // decision and the frames of the stock movements that set the lot's quantity.
  const candidates: AlertCandidate[] = swept.alerts.map((candidate) => {
    const lot = candidate.rule === 'ltv_breach' ? lots.get(candidate.subjectId) : undefined;
    if (!lot) return candidate;
    const priceDecisionId = services.priceDecisionByCommodity.get(lot.commodity);
    const movements = services.lotMovements.get(lot.lotId) ?? [];
    return {
      ...candidate,
      evidence: [
        ...candidate.evidence,
        ...(priceDecisionId ? [{ kind: 'decision' as const, id: priceDecisionId }] : []),
        ...movements.flatMap((movement) => [
          { kind: 'event' as const, id: movement.eventId },
          ...movement.frameIds.map((id) => ({ kind: 'frame' as const, id })),
        ]),
      ],
    };
  });
  const query = { fromMs: nowMs - services.settings.circularTradeWindowMs };
  const links = tradeLinksFromFlows({
    invoices: await services.flows.list('invoice', query),
    shipments: await services.flows.list('shipment', query),
    payments: await services.flows.list('payment', query),
  });
  const { circularTrades } = detectCircularTrades(
    {},
    { tradeLinks: links, windowMs: services.settings.circularTradeWindowMs },
  );
  candidates.push(
    ...checkCircularTrade({
      cycles: circularTrades
        .filter((cycle) => cycle.kind === 'invoice')
        .map((cycle) => ({
          cycleId: cycle.finding.findingId.replace(/[^A-Za-z0-9._-]/g, '_'),
          organisationIds: cycle.organisationIds,
          amountMinor: cycle.amountsMinor.reduce(
            (sum, amount) => (amount === '' ? sum : sum > BigInt(amount) ? sum : BigInt(amount)),
            0n,
          ),
          currency: 'CNY',
          windowStartMs: nowMs - cycle.spanMs,
          windowEndMs: nowMs,
          claimedGoodsGrams: null,
          iotMovedGrams: null,
          evidence: cycle.documentIds.map((id) => ({ kind: 'document' as const, id })),
        })),
      monitoredOrganisationIds: services.monitoredOrganisationIds,
      organisationId: services.settings.bankOrganisationId,
      goodsToleranceBasisPoints: 1_000,
      atMs: nowMs,
    }),
  );
  const countsByRule: Record<string, number> = {};
  for (const candidate of candidates) countsByRule[candidate.rule] = (countsByRule[candidate.rule] ?? 0) + 1;
  const { raised } = await raiseAndNotify(services, { candidates });
  return { lotsValued: swept.lotsValued, countsByRule, raisedAlertIds: raised.map((alert) => alert.alertId) };
}
