import {
  type BorrowerFeatures,
  defaultScorecard,
  type RecommendLimitResult,
  recommendLimit,
  type ScoreBorrowerResult,
  scoreBorrower,
} from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';

/** A borrower's features and the amounts its limit is bounded by. */
export interface ScoreCreditParameters {
  /** The borrower. */
  borrowerId: string;
  /** The scorecard's inputs (integers or null when unknown). */
  features: BorrowerFeatures;
  /** Sales verified by the four flows over a year, minor units. */
  annualVerifiedSalesMinor: bigint;
  /** Lending value of pledged collateral, minor units. */
  collateralLendingValueMinor: bigint;
  /** What the borrower already owes the bank, minor units. */
  existingExposureMinor: bigint;
  /** The product's cap, minor units. */
  productCapMinor: bigint;
  /** Currency of the amounts. */
  currency: string;
  /** The bank. */
  organisationId: string;
  /** The officer asking. */
  actorId: string;
}

/** The score with its reasons, the limit with its steps, and the logged decision. */
export interface ScoreCreditResult {
  /** Score, grade, PD, dimensions and the reasons that moved it. */
  score: ScoreBorrowerResult;
  /** Recommended limit and how it was bounded. */
  limit: Omit<RecommendLimitResult, 'decision'>;
  /** The `credit.limit_recommended` decision id (its proof bundle is at /v1/decisions/:id/proof). */
  decisionId: string;
}

/** Score a borrower on the default scorecard, recommend a limit, and log the decision. */
export async function scoreCredit(
  services: FinanceServices,
  parameters: ScoreCreditParameters,
): Promise<ScoreCreditResult> {
  const score = scoreBorrower(
    { scorecard: defaultScorecard },
    { borrowerId: parameters.borrowerId, features: parameters.features },
  );
  const nowMs = services.clock();
  const decisionId = `credit-${parameters.borrowerId}-${nowMs}`;
  const { decision, ...limit } = recommendLimit({
    score,
    annualVerifiedSalesMinor: parameters.annualVerifiedSalesMinor,
    collateralLendingValueMinor: parameters.collateralLendingValueMinor,
    existingExposureMinor: parameters.existingExposureMinor,
    productCapMinor: parameters.productCapMinor,
    currency: parameters.currency,
    decisionId,
    organisationId: parameters.organisationId,
    actorId: parameters.actorId,
    atMs: nowMs,
    inputs: [],
  });
  await services.decisionLog.append(decision);
  return { score, limit, decisionId };
}
