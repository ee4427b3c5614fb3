import type { PledgedLot } from '../collateral/collateral-types.ts';
import { findPledgeConflicts } from '../collateral/find-pledge-conflicts.ts';
import type { AlertCandidate } from './alert-types.ts';

/** A lot and the other active lots it may collide with (from this bank's registry or a shared one). */
export interface CheckDoublePledgeParameters {
  /** The lot to check. */
  lot: PledgedLot;
  /** Other active lots (any bank's, where the consortium shares them). */
  otherLots: readonly PledgedLot[];
  /** When the check runs, UTC ms. */
  atMs: number;
}

/**
 * The double-pledge rule, for goods pledged before the registry refused them (an imported book,
 * another bank's registry, a pledge filed outside the platform): every active lot that is the
 * same goods (findPledgeConflicts) raises `double_pledge` (critical), keyed by the pair of lots in
 * sorted order so that checking either lot gives one alert, with both pledge decisions as evidence.
 */
export function checkDoublePledge(parameters: CheckDoublePledgeParameters): AlertCandidate[] {
  const { lot } = parameters;
  if (lot.status !== 'pledged') return [];
  const byId = new Map(parameters.otherLots.map((other) => [other.lotId, other]));
  const active = parameters.otherLots.filter((other) => other.status === 'pledged');
  return findPledgeConflicts({ candidate: lot, existingLots: active }).map((conflict) => {
    const other = byId.get(conflict.lotId) as PledgedLot;
    const [first, second] = [lot.lotId, other.lotId].sort();
    return {
      rule: 'double_pledge',
      dedupKey: `double_pledge.${first}.${second}`,
      severity: 'critical',
      subjectId: lot.lotId,
      organisationId: lot.pledgeeId,
      message: `Lot ${lot.lotId} and lot ${other.lotId} are the same goods (${conflict.reasons.join(', ')})`,
      details: {
        lotId: lot.lotId,
        otherLotId: other.lotId,
        otherPledgeeId: other.pledgeeId,
        reasons: conflict.reasons.join(' '),
        sharedDeviceIds: conflict.sharedDeviceIds.join(' '),
        sharedReceiptNumbers: conflict.sharedReceiptNumbers.join(' '),
      },
      evidence: [
        { kind: 'decision', id: lot.pledgeDecisionId },
        { kind: 'decision', id: other.pledgeDecisionId },
      ],
      observedAtMs: parameters.atMs,
    };
  });
}
