import type { AlertCandidate, AlertEvidence } from './alert-types.ts';
import { RiskError } from './risk-error.ts';

/** A borrower's daily output and the window to compare. */
export interface CheckOutputCollapseParameters {
  /** The borrower. */
  borrowerId: string;
  /** The bank. */
  organisationId: string;
  /** Output units per day, oldest first; at least baselineDays + recentDays of them. */
  dailyOutputUnits: readonly number[];
  /** Days in the recent window (e.g. 7). */
  recentDays: number;
  /** Days in the baseline window just before it (e.g. 28). */
  baselineDays: number;
  /** Collapse when the recent daily average is below this share of the baseline's, basis points (e.g. 5,000). */
  collapseBasisPoints: number;
  /** When the check runs, UTC ms. */
  atMs: number;
  /** The output events or frames behind the series. */
  evidence: readonly AlertEvidence[];
}

/**
 * The output-collapse rule: the recent window's daily average against the baseline's, in whole
 * integers — recent share = ⌊recent sum × baseline days × 10,000 ÷ (baseline sum × recent days)⌋ —
 * raising `output_collapse` (high) below collapseBasisPoints, keyed by borrower. A baseline of
 * zero output raises nothing (there was nothing to collapse from).
 * Throws RiskError `risk_input_invalid` for a series shorter than the two windows or negative output.
 */
export function checkOutputCollapse(parameters: CheckOutputCollapseParameters): AlertCandidate[] {
  const { dailyOutputUnits: series, recentDays, baselineDays } = parameters;
  if (
    !(Number.isSafeInteger(recentDays) && recentDays >= 1 && Number.isSafeInteger(baselineDays) && baselineDays >= 1) ||
    series.length < recentDays + baselineDays ||
    series.some((units) => !Number.isSafeInteger(units) || units < 0)
  ) {
    throw new RiskError('risk_input_invalid', 'output collapse needs whole non-negative output covering both windows', {
      days: series.length,
      recentDays,
      baselineDays,
    });
  }
  let recentSum = 0;
  let baselineSum = 0;
  const end = series.length;
  for (let index = end - recentDays; index < end; index++) recentSum += series[index] as number;
  for (let index = end - recentDays - baselineDays; index < end - recentDays; index++) {
    baselineSum += series[index] as number;
  }
  if (baselineSum === 0) return [];
  const recentShareBasisPoints = Math.floor((recentSum * baselineDays * 10_000) / (baselineSum * recentDays));
  if (recentShareBasisPoints >= parameters.collapseBasisPoints) return [];
  return [
    {
      rule: 'output_collapse',
      dedupKey: `output_collapse.${parameters.borrowerId}`,
      severity: 'high',
      subjectId: parameters.borrowerId,
      organisationId: parameters.organisationId,
      message: `Output of ${parameters.borrowerId} over the last ${recentDays} days is ${(recentShareBasisPoints / 100).toFixed(2)}% of the ${baselineDays} days before`,
      details: {
        recentSumUnits: recentSum,
        baselineSumUnits: baselineSum,
        recentDays,
        baselineDays,
        recentShareBasisPoints,
        collapseBasisPoints: parameters.collapseBasisPoints,
      },
      evidence: [...parameters.evidence],
      observedAtMs: parameters.atMs,
    },
  ];
}
