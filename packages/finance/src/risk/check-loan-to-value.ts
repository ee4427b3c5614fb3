import { type AssessLoanToValueResult, assessLoanToValue } from '../collateral/assess-loan-to-value.ts';
import type { PledgedLot } from '../collateral/collateral-types.ts';
import type { SelectPriceResult } from '../collateral/select-price.ts';
import type { AlertCandidate, AlertSeverity } from './alert-types.ts';

/** A lot, its loan and the price now. */
export interface CheckLoanToValueParameters {
  /** The pledged lot (its quantity as moved by IoT events). */
  lot: PledgedLot;
  /** The loan outstanding, minor units, in the lot's currency. */
  loanOutstandingMinor: bigint;
  /** The price chosen for the lot's commodity (selectPrice), with its age. */
  price: SelectPriceResult;
  /** When the check runs, UTC ms. */
  atMs: number;
}

/** The alerts and the valuation they came from. */
export interface CheckLoanToValueResult {
  /** Zero, one or two alerts: the line reached, and a stale price. */
  alerts: AlertCandidate[];
  /** The valuation. */
  valuation: AssessLoanToValueResult;
}

const severityByLine = { warning: 'medium', top_up: 'high', forced_sale: 'critical' } as const satisfies Record<
  string,
  AlertSeverity
>;

/**
 * The loan-to-value rule: one `ltv_breach` alert per line reached, keyed by lot and line (so a
 * fall from warning to top-up raises a new, worse alert, while the warning repeats), severity
 * warning medium, top-up high, forced sale critical; and `price_stale` (low) when the price used
 * is older than allowed. A lot that is not pledged raises nothing.
 * Throws CollateralError from assessLoanToValue on a currency mismatch or bad terms.
 */
export function checkLoanToValue(parameters: CheckLoanToValueParameters): CheckLoanToValueResult {
  const { lot, price, atMs } = parameters;
  const valuation = assessLoanToValue({
    loanOutstandingMinor: parameters.loanOutstandingMinor,
    currency: lot.currency,
    quantityGrams: lot.quantityGrams,
    price: price.price,
    haircutBasisPoints: lot.haircutBasisPoints,
    lines: lot.lines,
  });
  const alerts: AlertCandidate[] = [];
  if (lot.status !== 'pledged') return { alerts, valuation };
  if (valuation.line !== 'normal') {
    const ltv = valuation.ltvBasisPoints;
    alerts.push({
      rule: 'ltv_breach',
      dedupKey: `ltv.${lot.lotId}.${valuation.line}`,
      severity: severityByLine[valuation.line],
      subjectId: lot.lotId,
      organisationId: lot.pledgeeId,
      message: `Lot ${lot.lotId} is at ${ltv === null ? 'no lending value' : `${ltv} bp loan-to-value`}, on its ${valuation.line.replace('_', '-')} line`,
      details: {
        line: valuation.line,
        ltvBasisPoints: ltv,
        lineBasisPoints:
          valuation.line === 'warning'
            ? lot.lines.warningBasisPoints
            : valuation.line === 'top_up'
              ? lot.lines.topUpBasisPoints
              : lot.lines.forcedSaleBasisPoints,
        loanOutstandingMinor: parameters.loanOutstandingMinor.toString(),
        marketValueMinor: valuation.marketValueMinor.toString(),
        lendingValueMinor: valuation.lendingValueMinor.toString(),
        repaymentToRestoreMinor: valuation.repaymentToRestoreMinor.toString(),
        topUpGramsToRestore: valuation.topUpGramsToRestore?.toString() ?? null,
        quantityGrams: lot.quantityGrams.toString(),
        priceMinorPerUnit: price.price.priceMinorPerUnit.toString(),
        priceAsOfMs: price.price.asOfMs,
        priceSource: price.price.source,
        currency: lot.currency,
      },
      evidence: [{ kind: 'decision', id: lot.pledgeDecisionId }],
      observedAtMs: atMs,
    });
  }
  if (price.stale) {
    alerts.push({
      rule: 'price_stale',
      dedupKey: `price_stale.${lot.pledgeeId}.${lot.commodity}.${lot.currency}`,
      severity: 'low',
      subjectId: lot.commodity,
      organisationId: lot.pledgeeId,
      message: `The ${lot.commodity} price used to value lot ${lot.lotId} is ${Math.floor(price.ageMs / 3_600_000)} h old`,
      details: { ageMs: price.ageMs, priceAsOfMs: price.price.asOfMs, priceSource: price.price.source },
      evidence: [],
      observedAtMs: atMs,
    });
  }
  return { alerts, valuation };
}
