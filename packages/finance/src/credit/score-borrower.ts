import { CreditError } from './credit-error.ts';
import type {
  BorrowerFeatures,
  CreditDimension,
  CreditGrade,
  ScorecardBin,
  ScorecardCharacteristic,
  ScorecardDefinition,
} from './scorecard-definition.ts';

/** The scorecard to use. */
export interface ScoreBorrowerDependencies {
  /** A scorecard definition (defaultScorecard unless the bank has its own). */
  scorecard: ScorecardDefinition;
}

/** Whom to score, on what. */
export interface ScoreBorrowerParameters {
  /** The borrower (an organisation id). */
  borrowerId: string;
  /** Its features (from computeIotFeatures, the graph and the credit report). */
  features: BorrowerFeatures;
}

/** What one characteristic added to the score, and why. */
export interface ScoreContribution {
  /** The feature read. */
  feature: keyof BorrowerFeatures;
  /** Its dimension. */
  dimension: CreditDimension;
  /** The value read (null = missing). */
  value: number | null;
  /** The bin it fell in, as `[lower, upper)` or `missing`. */
  bin: string;
  /** Points it added (may be negative). */
  points: number;
  /** The most this characteristic can add. */
  maxPoints: number;
  /** Stable reason code. */
  reasonCode: string;
  /** The reason in words. */
  reasonText: string;
}

/** A dimension's share of the score. */
export interface DimensionScore {
  /** Points its characteristics added. */
  points: number;
  /** The most they can add. */
  maxPoints: number;
}

/** The score and everything the console needs to show why. */
export interface ScoreBorrowerResult {
  /** The borrower. */
  borrowerId: string;
  /** The scorecard version used. */
  scorecardVersion: string;
  /** Base points plus every contribution. */
  score: number;
  /** Grade from the scorecard's bands. */
  grade: CreditGrade;
  /** Probability of default implied by the scaling, basis points, rounded to nearest. */
  probabilityOfDefaultBasisPoints: number;
  /** Points per dimension. */
  dimensions: Record<CreditDimension, DimensionScore>;
  /** One contribution per characteristic, in scorecard order: every point has a reason. */
  contributions: ScoreContribution[];
  /** Up to four reason codes that cost the most points against their maximum, worst first. */
  adverseReasonCodes: string[];
}

const validated = new WeakSet<ScorecardDefinition>();

function describeBin(bin: ScorecardBin): string {
  return `[${bin.lowerInclusive ?? '-inf'}, ${bin.upperExclusive ?? '+inf'})`;
}

/** Check a scorecard once: bins ascending and contiguous from −∞ to +∞, integer points. */
function validateScorecard(scorecard: ScorecardDefinition): void {
  if (validated.has(scorecard)) return;
  for (const characteristic of scorecard.characteristics) {
    const { bins } = characteristic;
    const problem =
      bins.length === 0 ||
      bins[0]?.lowerInclusive !== null ||
      bins[bins.length - 1]?.upperExclusive !== null ||
      bins.some((bin, index) => index > 0 && bins[index - 1]?.upperExclusive !== bin.lowerInclusive) ||
      bins.some(
        (bin) => bin.lowerInclusive !== null && bin.upperExclusive !== null && bin.lowerInclusive >= bin.upperExclusive,
      ) ||
      [...bins, characteristic.missing].some((bin) => !Number.isSafeInteger(bin.points));
    if (problem) {
      throw new CreditError('scorecard_invalid', `the bins of ${characteristic.feature} must tile the number line`, {
        feature: characteristic.feature,
      });
    }
  }
  validated.add(scorecard);
}

function findBin(characteristic: ScorecardCharacteristic, value: number | null): ScorecardBin {
  if (value === null) return characteristic.missing;
  for (const bin of characteristic.bins) {
    if (bin.upperExclusive === null || value < bin.upperExclusive) return bin;
  }
  return characteristic.bins[characteristic.bins.length - 1] as ScorecardBin;
}

function maxPointsOf(characteristic: ScorecardCharacteristic): number {
  let max = characteristic.missing.points;
  for (const bin of characteristic.bins) max = Math.max(max, bin.points);
  return max;
}

/**
 * Score a borrower on the scorecard: base points plus, for each characteristic, the points of the
 * bin its value falls in (a missing value takes the missing bin). Deterministic and pure; the PD
 * is odds ÷ (1 + odds) with odds = base odds × 2^((base − score) ÷ PDO).
 * Throws CreditError `scorecard_invalid` for a scorecard whose bins do not tile the line, and
 * `credit_input_invalid` for a non-integer feature value.
 */
export function scoreBorrower(
  dependencies: ScoreBorrowerDependencies,
  parameters: ScoreBorrowerParameters,
): ScoreBorrowerResult {
  const { scorecard } = dependencies;
  validateScorecard(scorecard);
  const dimensions: Record<CreditDimension, DimensionScore> = {
    entity: { points: 0, maxPoints: 0 },
    asset: { points: 0, maxPoints: 0 },
    transaction: { points: 0, maxPoints: 0 },
  };
  const contributions: ScoreContribution[] = [];
  let score = scorecard.basePoints;
  for (const characteristic of scorecard.characteristics) {
    const value = parameters.features[characteristic.feature];
    if (value !== null && !Number.isSafeInteger(value)) {
      throw new CreditError('credit_input_invalid', `${characteristic.feature} must be a whole number or null`, {
        feature: characteristic.feature,
      });
    }
    const bin = findBin(characteristic, value);
    const maxPoints = maxPointsOf(characteristic);
    score += bin.points;
    const dimension = dimensions[characteristic.dimension];
    dimension.points += bin.points;
    dimension.maxPoints += maxPoints;
    contributions.push({
      feature: characteristic.feature,
      dimension: characteristic.dimension,
      value,
      bin: value === null ? 'missing' : describeBin(bin),
      points: bin.points,
      maxPoints,
      reasonCode: bin.reasonCode,
      reasonText: bin.reasonText,
    });
  }
  const grade = scorecard.grades.find((band) => score >= band.minimumScore)?.grade ?? 'E';
  const odds = scorecard.baseOddsOfDefault * 2 ** ((scorecard.basePoints - score) / scorecard.pointsToDoubleOdds);
  const probabilityOfDefaultBasisPoints = Math.round((odds / (1 + odds)) * 10_000);
  const adverseReasonCodes = contributions
    .map((contribution, order) => ({ contribution, order, shortfall: contribution.maxPoints - contribution.points }))
    .filter((entry) => entry.shortfall > 0)
    .sort((a, b) => b.shortfall - a.shortfall || a.order - b.order)
    .slice(0, 4)
    .map((entry) => entry.contribution.reasonCode);
  return {
    borrowerId: parameters.borrowerId,
    scorecardVersion: scorecard.version,
    score,
    grade,
    probabilityOfDefaultBasisPoints,
    dimensions,
    contributions,
    adverseReasonCodes,
  };
}
