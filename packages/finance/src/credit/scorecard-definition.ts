/**
 * The scorecard: three dimensions (entity, asset and transaction credit, as in Ping An's 数字贷),
 * each a few characteristics, each characteristic a points table of bins.
 *
 * Scaling (R `scorecard` convention): 600 points at odds of default 1:19 (a 5% bad rate), and
 * 50 points to double the odds (PDO). factor b = PDO ÷ ln 2 = 72.1348; offset a = 600 + b·ln(1/19)
 * = 387.6; score = a − b·ln(odds of default). With one weight β = 1 per characteristic and the
 * intercept at the population log-odds, a bin's points are round(b × WoE), WoE = ln(%good ÷ %bad)
 * of the bin, and a borrower's score is the base 600 plus the points of its bins.
 *
 * The WoE values below are expert starting values, not fitted on a bank's book [unverified]: a
 * bank refits them on its own outcomes (WoE per bin, 0.5 added to empty bins as SAS HPBIN does)
 * and keeps this shape. The test suite checks that every bin's points equal round(b × WoE).
 */

/** The three dimensions of credit. */
export type CreditDimension = 'entity' | 'asset' | 'transaction';

/** One bin of a points table: values in [lowerInclusive, upperExclusive). */
export interface ScorecardBin {
  /** Lowest value in the bin; null = no lower bound. */
  lowerInclusive: number | null;
  /** First value above the bin; null = no upper bound. */
  upperExclusive: number | null;
  /** Weight of evidence of the bin, ln(%good ÷ %bad). */
  weightOfEvidence: number;
  /** Points, round(factor × WoE). */
  points: number;
  /** Stable reason code shown with the contribution. */
  reasonCode: string;
  /** The reason in words, for the console. */
  reasonText: string;
}

/** A characteristic and its points table. */
export interface ScorecardCharacteristic {
  /** Name of the feature it reads. */
  feature: keyof BorrowerFeatures;
  /** Its dimension. */
  dimension: CreditDimension;
  /** Bins in ascending order, covering every value. */
  bins: readonly ScorecardBin[];
  /** The bin of a missing value (no data is a fact with its own risk, not a zero). */
  missing: ScorecardBin;
}

/** A whole scorecard. */
export interface ScorecardDefinition {
  /** Version, recorded with every score. */
  version: string;
  /** Points at the base odds (600). */
  basePoints: number;
  /** Odds of default at the base points, bad ÷ good (1 ÷ 19). */
  baseOddsOfDefault: number;
  /** Points to double the odds (50). */
  pointsToDoubleOdds: number;
  /** Characteristics in display order. */
  characteristics: readonly ScorecardCharacteristic[];
  /** Grades from best: the first whose minimum the score reaches. */
  grades: readonly { grade: CreditGrade; minimumScore: number }[];
}

/** Credit grades, A best. */
export type CreditGrade = 'A' | 'B' | 'C' | 'D' | 'E';

/** What the scorecard reads about a borrower: integers, or null when unknown. */
export interface BorrowerFeatures {
  /** Whole years since the firm was registered. */
  yearsOperating: number | null;
  /** Times overdue in the last 24 months (credit report). */
  overdueCount24Months: number | null;
  /** Related-party findings on the graph (shared owners, directors, addresses with counterparties). */
  relatedPartyFindings: number | null;
  /** Electricity index 0–100 (电E贷 style, see computeElectricityIndex). */
  electricityIndex: number | null;
  /** Operating rate from power draw, basis points of days running. */
  operatingRateBasisPoints: number | null;
  /** Stock turnover, times a year, in hundredths. */
  stockTurnoverHundredths: number | null;
  /** Output trend, last 3 months against the 3 before, basis points (−10,000 … ). */
  outputTrendBasisPoints: number | null;
  /** Deliveries on time, basis points. */
  onTimeDeliveryBasisPoints: number | null;
  /** Four-flow consistency: matched documents ÷ all reconciled, basis points. */
  fourFlowConsistencyBasisPoints: number | null;
}

/** factor b = PDO ÷ ln 2. */
export function scorecardFactor(definition: Pick<ScorecardDefinition, 'pointsToDoubleOdds'>): number {
  return definition.pointsToDoubleOdds / Math.LN2;
}

function bin(
  lowerInclusive: number | null,
  upperExclusive: number | null,
  weightOfEvidence: number,
  points: number,
  reasonCode: string,
  reasonText: string,
): ScorecardBin {
  return { lowerInclusive, upperExclusive, weightOfEvidence, points, reasonCode, reasonText };
}

/**
 * Fieldproof's scorecard, version 2026-11. Points = round(72.1348 × WoE): e.g. WoE 0.55 →
 * 39.67 → 40; WoE −1.20 → −86.56 → −87. Score range 600 − 533 = 67 to 600 + 246 = 846.
 */
export const defaultScorecard: ScorecardDefinition = {
  version: 'fieldproof-2026-11',
  basePoints: 600,
  baseOddsOfDefault: 1 / 19,
  pointsToDoubleOdds: 50,
  grades: [
    { grade: 'A', minimumScore: 700 },
    { grade: 'B', minimumScore: 650 },
    { grade: 'C', minimumScore: 600 },
    { grade: 'D', minimumScore: 550 },
    { grade: 'E', minimumScore: Number.NEGATIVE_INFINITY },
  ],
  characteristics: [
    {
      feature: 'yearsOperating',
      dimension: 'entity',
      bins: [
        bin(null, 2, -0.6, -43, 'ENT_YEARS_UNDER_2', 'In business under 2 years'),
        bin(2, 5, -0.1, -7, 'ENT_YEARS_2_TO_5', 'In business 2–5 years'),
        bin(5, 10, 0.25, 18, 'ENT_YEARS_5_TO_10', 'In business 5–10 years'),
        bin(10, null, 0.55, 40, 'ENT_YEARS_10_PLUS', 'In business 10 years or more'),
      ],
      missing: bin(null, null, -0.6, -43, 'ENT_YEARS_MISSING', 'Registration date unknown'),
    },
    {
      feature: 'overdueCount24Months',
      dimension: 'entity',
      bins: [
        bin(null, 1, 0.4, 29, 'ENT_OVERDUE_NONE', 'Never overdue in 24 months'),
        bin(1, 2, -0.3, -22, 'ENT_OVERDUE_ONCE', 'Overdue once in 24 months'),
        bin(2, null, -1.1, -79, 'ENT_OVERDUE_REPEATED', 'Overdue twice or more in 24 months'),
      ],
      missing: bin(null, null, -0.3, -22, 'ENT_OVERDUE_MISSING', 'No credit report'),
    },
    {
      feature: 'relatedPartyFindings',
      dimension: 'entity',
      bins: [
        bin(null, 1, 0.15, 11, 'ENT_RELATED_NONE', 'No related-party links to counterparties'),
        bin(1, 2, -0.35, -25, 'ENT_RELATED_ONE', 'One related-party link to a counterparty'),
        bin(2, null, -0.9, -65, 'ENT_RELATED_SEVERAL', 'Several related-party links to counterparties'),
      ],
      missing: bin(null, null, -0.35, -25, 'ENT_RELATED_MISSING', 'Ownership graph not examined'),
    },
    {
      feature: 'electricityIndex',
      dimension: 'asset',
      bins: [
        bin(null, 40, -0.7, -50, 'AST_POWER_INDEX_LOW', 'Electricity index below 40'),
        bin(40, 60, -0.2, -14, 'AST_POWER_INDEX_MEDIUM_LOW', 'Electricity index 40–59'),
        bin(60, 80, 0.2, 14, 'AST_POWER_INDEX_MEDIUM', 'Electricity index 60–79'),
        bin(80, null, 0.5, 36, 'AST_POWER_INDEX_HIGH', 'Electricity index 80 or more'),
      ],
      missing: bin(null, null, -0.4, -29, 'AST_POWER_INDEX_MISSING', 'No metered electricity history'),
    },
    {
      feature: 'operatingRateBasisPoints',
      dimension: 'asset',
      bins: [
        bin(null, 5_000, -0.8, -58, 'AST_OPERATING_UNDER_50', 'Plant running on under half the days'),
        bin(5_000, 7_000, -0.15, -11, 'AST_OPERATING_50_TO_70', 'Plant running on 50–70% of days'),
        bin(7_000, 8_500, 0.2, 14, 'AST_OPERATING_70_TO_85', 'Plant running on 70–85% of days'),
        bin(8_500, null, 0.45, 32, 'AST_OPERATING_85_PLUS', 'Plant running on 85% of days or more'),
      ],
      missing: bin(null, null, -0.4, -29, 'AST_OPERATING_MISSING', 'No power-draw data'),
    },
    {
      feature: 'stockTurnoverHundredths',
      dimension: 'asset',
      bins: [
        bin(null, 200, -0.5, -36, 'AST_TURNOVER_SLOW', 'Stock turns under 2 times a year (slow-moving)'),
        bin(200, 600, 0.05, 4, 'AST_TURNOVER_MODERATE', 'Stock turns 2–6 times a year'),
        bin(600, 1_200, 0.3, 22, 'AST_TURNOVER_HEALTHY', 'Stock turns 6–12 times a year'),
        bin(1_200, null, 0.1, 7, 'AST_TURNOVER_VERY_FAST', 'Stock turns 12 times a year or more'),
      ],
      missing: bin(null, null, -0.2, -14, 'AST_TURNOVER_MISSING', 'No monitored stock movements'),
    },
    {
      feature: 'outputTrendBasisPoints',
      dimension: 'transaction',
      bins: [
        bin(null, -3_000, -0.9, -65, 'TRX_OUTPUT_COLLAPSING', 'Output down more than 30%'),
        bin(-3_000, -1_000, -0.35, -25, 'TRX_OUTPUT_FALLING', 'Output down 10–30%'),
        bin(-1_000, 1_000, 0.05, 4, 'TRX_OUTPUT_STEADY', 'Output within ±10%'),
        bin(1_000, null, 0.3, 22, 'TRX_OUTPUT_GROWING', 'Output up 10% or more'),
      ],
      missing: bin(null, null, -0.3, -22, 'TRX_OUTPUT_MISSING', 'No output data'),
    },
    {
      feature: 'onTimeDeliveryBasisPoints',
      dimension: 'transaction',
      bins: [
        bin(null, 8_000, -0.7, -50, 'TRX_ON_TIME_UNDER_80', 'Under 80% of deliveries on time'),
        bin(8_000, 9_500, 0, 0, 'TRX_ON_TIME_80_TO_95', '80–95% of deliveries on time'),
        bin(9_500, null, 0.35, 25, 'TRX_ON_TIME_95_PLUS', '95% of deliveries or more on time'),
      ],
      missing: bin(null, null, -0.25, -18, 'TRX_ON_TIME_MISSING', 'No tracked deliveries'),
    },
    {
      feature: 'fourFlowConsistencyBasisPoints',
      dimension: 'transaction',
      bins: [
        bin(null, 9_000, -1.2, -87, 'TRX_FOUR_FLOW_POOR', 'Under 90% of trade documents match goods, money and IoT'),
        bin(9_000, 9_800, -0.1, -7, 'TRX_FOUR_FLOW_FAIR', '90–98% of trade documents match goods, money and IoT'),
        bin(9_800, null, 0.4, 29, 'TRX_FOUR_FLOW_GOOD', '98% or more of trade documents match goods, money and IoT'),
      ],
      missing: bin(null, null, -0.5, -36, 'TRX_FOUR_FLOW_MISSING', 'No reconciled trade documents'),
    },
  ],
};
