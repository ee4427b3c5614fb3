import type { Decision } from '@fieldproof/protocol';
import { CreditError } from './credit-error.ts';
import type { ScoreBorrowerResult } from './score-borrower.ts';
import type { CreditGrade } from './scorecard-definition.ts';

/** Share of verified annual sales lent unsecured, basis points, by grade. */
export const salesShareBasisPointsByGrade: Readonly<Record<CreditGrade, number>> = {
  A: 3_000,
  B: 2_000,
  C: 1_500,
  D: 0,
  E: 0,
};

/** Limits are rounded down to this step: ¥10,000 in fen. */
export const limitStepMinor = 1_000_000n;

/** What the limit rests on. */
export interface RecommendLimitParameters {
  /** The borrower's score. */
  score: ScoreBorrowerResult;
  /** Annual sales verified by the four-flow match (invoices paid into the collection account), minor units. */
  annualVerifiedSalesMinor: bigint;
  /** Sum of the lending values (after haircut) of the lots it has pledged, minor units. */
  collateralLendingValueMinor: bigint;
  /** What it already owes the bank, minor units. */
  existingExposureMinor: bigint;
  /** The product's largest limit, minor units. */
  productCapMinor: bigint;
  /** Currency of every amount. */
  currency: string;
  /** Caller-supplied id of the `credit.limit_recommended` decision. */
  decisionId: string;
  /** The bank. */
  organisationId: string;
  /** The officer or service that asked. */
  actorId: string;
  /** When, UTC ms. */
  atMs: number;
  /** What the inputs rest on (frames, reconciliation decisions, pledge decisions). */
  inputs: Decision['inputs'];
}

/** One step of the limit's working. */
export interface LimitStep {
  /** What the step is. */
  step: 'sales_based' | 'secured' | 'gross' | 'capped' | 'net_of_exposure' | 'rounded';
  /** Its amount, minor units. */
  amountMinor: bigint;
  /** The rule, in words with the numbers. */
  rule: string;
}

/** The recommendation, its working and the decision to log. */
export interface RecommendLimitResult {
  /** Recommended limit, minor units (0 = decline). */
  recommendedLimitMinor: bigint;
  /** The working, in order. */
  steps: LimitStep[];
  /** The `credit.limit_recommended` decision. */
  decision: Decision;
}

/**
 * Recommend a credit limit (all `bigint`, each division rounded down):
 * sales-based = verified annual sales × share(grade) ÷ 10,000 (A 30%, B 20%, C 15%, D and E 0);
 * secured = the pledged lots' lending value (grade E: 0, declined outright);
 * limit = min(sales-based + secured, product cap) − existing exposure, at least 0, rounded down to ¥10,000.
 * Throws CreditError `credit_input_invalid` for a negative amount.
 */
export function recommendLimit(parameters: RecommendLimitParameters): RecommendLimitResult {
  const { score, annualVerifiedSalesMinor: sales, collateralLendingValueMinor: collateral } = parameters;
  const { existingExposureMinor: exposure, productCapMinor: cap } = parameters;
  if (sales < 0n || collateral < 0n || exposure < 0n || cap < 0n) {
    throw new CreditError('credit_input_invalid', 'limit inputs must be non-negative amounts', {});
  }
  const share = salesShareBasisPointsByGrade[score.grade];
  const salesBased = (sales * BigInt(share)) / 10_000n;
  const secured = score.grade === 'E' ? 0n : collateral;
  const gross = salesBased + secured;
  const capped = gross < cap ? gross : cap;
  const net = capped > exposure ? capped - exposure : 0n;
  const rounded = net - (net % limitStepMinor);
  const steps: LimitStep[] = [
    { step: 'sales_based', amountMinor: salesBased, rule: `grade ${score.grade}: ${sales} × ${share} ÷ 10,000` },
    {
      step: 'secured',
      amountMinor: secured,
      rule: score.grade === 'E' ? 'grade E: declined, collateral not counted' : 'lending value of pledged lots',
    },
    { step: 'gross', amountMinor: gross, rule: `${salesBased} + ${secured}` },
    { step: 'capped', amountMinor: capped, rule: `min(${gross}, product cap ${cap})` },
    { step: 'net_of_exposure', amountMinor: net, rule: `max(0, ${capped} − existing exposure ${exposure})` },
    { step: 'rounded', amountMinor: rounded, rule: `rounded down to a multiple of ${limitStepMinor}` },
  ];
  const decision: Decision = {
    decisionId: parameters.decisionId,
    type: 'credit.limit_recommended',
    organisationId: parameters.organisationId,
    actorId: parameters.actorId,
    decidedAtMs: parameters.atMs,
    subjectId: score.borrowerId,
    inputs: [...parameters.inputs],
    details: {
      scorecardVersion: score.scorecardVersion,
      score: score.score,
      grade: score.grade,
      probabilityOfDefaultBasisPoints: score.probabilityOfDefaultBasisPoints,
      entityPoints: score.dimensions.entity.points,
      assetPoints: score.dimensions.asset.points,
      transactionPoints: score.dimensions.transaction.points,
      reasonCodes: score.contributions.map((contribution) => contribution.reasonCode).join(' '),
      adverseReasonCodes: score.adverseReasonCodes.join(' '),
      currency: parameters.currency,
      annualVerifiedSalesMinor: sales.toString(),
      collateralLendingValueMinor: collateral.toString(),
      existingExposureMinor: exposure.toString(),
      productCapMinor: cap.toString(),
      recommendedLimitMinor: rounded.toString(),
    },
  };
  return { recommendedLimitMinor: rounded, steps, decision };
}
