import { type Evidence, type PledgedLot, pledgeCollateral } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';

/** A pledge as the API takes it (the price comes from the price book). */
export interface PledgeLotParameters {
  /** The lot (status and decision id are set by the pledge). */
  lot: Omit<PledgedLot, 'status' | 'pledgeDecisionId'>;
  /** Loan amount the lot secures, minor units. */
  loanAmountMinor: bigint;
  /** Who registers it. */
  actorId: string;
  /** Weigh-in frames, receipts. */
  inputs: readonly Evidence[];
  /** Id of the `pledge.created` decision; `pledge-<lotId>` by default. */
  decisionId?: string;
}

/** The stored lot, its decision's log index and its opening loan-to-value. */
export interface PledgeLotResult {
  /** The lot as stored. */
  lot: PledgedLot;
  /** The `pledge.created` decision id. */
  decisionId: string;
  /** Its leaf index in the log. */
  logIndex: number;
  /** Opening loan-to-value, basis points. */
  ltvBasisPoints: number;
}

/**
 * Register a pledge (pledgeCollateral: the same goods twice are refused with
 * `collateral_already_pledged`) and record its `pledge.created` decision in the log.
 */
export async function pledgeLot(services: FinanceServices, parameters: PledgeLotParameters): Promise<PledgeLotResult> {
  const decisionId = parameters.decisionId ?? `pledge-${parameters.lot.lotId}`;
  const result = await pledgeCollateral(
    { store: services.collateral },
    {
      lot: parameters.lot,
      loanAmountMinor: parameters.loanAmountMinor,
      priceRecords: services.prices,
      priceMaxAgeMs: services.settings.priceMaxAgeMs,
      decisionId,
      actorId: parameters.actorId,
      inputs: parameters.inputs,
    },
  );
  services.siteIds.add(result.lot.siteId);
  services.lotLoanAmountMinor.set(result.lot.lotId, parameters.loanAmountMinor);
  services.monitoredOrganisationIds.add(result.lot.pledgorId);
  await services.state.watch('monitored_organisation', result.lot.pledgorId);
  const appended = await services.decisionLog.append(result.decision);
  return { lot: result.lot, decisionId, logIndex: appended.logIndex, ltvBasisPoints: result.ltvBasisPoints };
}
