import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeElectricityIndex } from './compute-electricity-index.ts';
import { computeIotFeatures } from './compute-iot-features.ts';
import { CreditError } from './credit-error.ts';
import { recommendLimit } from './recommend-limit.ts';
import { scoreBorrower } from './score-borrower.ts';
import { type BorrowerFeatures, defaultScorecard, scorecardFactor } from './scorecard-definition.ts';

const hourMs = 3_600_000;

/** Every characteristic in its best bin. */
const strongFeatures: BorrowerFeatures = {
  yearsOperating: 12,
  overdueCount24Months: 0,
  relatedPartyFindings: 0,
  electricityIndex: 86,
  operatingRateBasisPoints: 9_000,
  stockTurnoverHundredths: 800,
  outputTrendBasisPoints: 1_500,
  onTimeDeliveryBasisPoints: 9_700,
  fourFlowConsistencyBasisPoints: 9_900,
};

/** The demo's weak borrower: young, related to its counterparties, output collapsing, documents not matching. */
const weakFeatures: BorrowerFeatures = {
  yearsOperating: 3,
  overdueCount24Months: 1,
  relatedPartyFindings: 2,
  electricityIndex: null,
  operatingRateBasisPoints: 4_500,
  stockTurnoverHundredths: 150,
  outputTrendBasisPoints: -3_500,
  onTimeDeliveryBasisPoints: 8_500,
  fourFlowConsistencyBasisPoints: 8_800,
};

describe('the scorecard definition', () => {
  it('states every bin in points = round(PDO ÷ ln 2 × WoE) = round(72.1348 × WoE)', () => {
    const factor = scorecardFactor(defaultScorecard);
    expect(factor).toBeCloseTo(72.1348, 4);
    for (const characteristic of defaultScorecard.characteristics) {
      for (const bin of [...characteristic.bins, characteristic.missing]) {
        expect(bin.points, bin.reasonCode).toBe(Math.round(factor * bin.weightOfEvidence));
      }
    }
  });

  it('gives every bin of the scorecard its own reason code', () => {
    const codes = defaultScorecard.characteristics.flatMap((c) => [...c.bins, c.missing].map((bin) => bin.reasonCode));
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('scoreBorrower', () => {
  it('scores a borrower in every best bin at 846, grade A, PD 17 bp, with no adverse reasons', () => {
    // 600 + 40 + 29 + 11 (entity 80) + 36 + 32 + 22 (asset 90) + 22 + 25 + 29 (transaction 76) = 846
    // odds = (1/19) × 2^((600 − 846) ÷ 50) = 0.052632 × 0.033041 = 0.0017390; PD = 0.0017390 ÷ 1.0017390 = 17.35 bp → 17
    const result = scoreBorrower({ scorecard: defaultScorecard }, { borrowerId: 'org-a', features: strongFeatures });
    expect(result.score).toBe(846);
    expect(result.grade).toBe('A');
    expect(result.probabilityOfDefaultBasisPoints).toBe(17);
    expect(result.dimensions).toEqual({
      entity: { points: 80, maxPoints: 80 },
      asset: { points: 90, maxPoints: 90 },
      transaction: { points: 76, maxPoints: 76 },
    });
    expect(result.adverseReasonCodes).toEqual([]);
  });

  it('scores the weak borrower at 231, grade E, with a reason for every contribution and the four worst first', () => {
    // entity      −7 (3 years) −22 (overdue once) −65 (2 related-party findings)      = −94
    // asset      −29 (no power history) −58 (45% operating) −36 (1.5 turns a year)    = −123
    // transaction −65 (output −35%) + 0 (85% on time) −87 (88% four-flow)             = −152
    // score = 600 − 94 − 123 − 152 = 231; odds = (1/19) × 2^(369 ÷ 50) = 8.767, PD = 8.767 ÷ 9.767 = 8,976 bp
    const result = scoreBorrower({ scorecard: defaultScorecard }, { borrowerId: 'org-w', features: weakFeatures });
    expect(result.score).toBe(231);
    expect(result.grade).toBe('E');
    expect(result.probabilityOfDefaultBasisPoints).toBe(8_976);
    expect(result.dimensions.entity).toEqual({ points: -94, maxPoints: 80 });
    expect(result.dimensions.asset).toEqual({ points: -123, maxPoints: 90 });
    expect(result.dimensions.transaction).toEqual({ points: -152, maxPoints: 76 });
    expect(result.contributions.map((c) => [c.reasonCode, c.points])).toEqual([
      ['ENT_YEARS_2_TO_5', -7],
      ['ENT_OVERDUE_ONCE', -22],
      ['ENT_RELATED_SEVERAL', -65],
      ['AST_POWER_INDEX_MISSING', -29],
      ['AST_OPERATING_UNDER_50', -58],
      ['AST_TURNOVER_SLOW', -36],
      ['TRX_OUTPUT_COLLAPSING', -65],
      ['TRX_ON_TIME_80_TO_95', 0],
      ['TRX_FOUR_FLOW_POOR', -87],
    ]);
    expect(result.contributions[3]).toMatchObject({ value: null, bin: 'missing' });
    // Shortfalls against each maximum: four-flow 29+87 = 116, operating 32+58 = 90, output 22+65 = 87, related 11+65 = 76
    expect(result.adverseReasonCodes).toEqual([
      'TRX_FOUR_FLOW_POOR',
      'AST_OPERATING_UNDER_50',
      'TRX_OUTPUT_COLLAPSING',
      'ENT_RELATED_SEVERAL',
    ]);
  });

  it('scores a middling borrower at 651 (grade B, PD 253 bp) and puts a value on a bin edge in the upper bin', () => {
    // 18 (7 years) + 29 − 25 (one related party) + 14 (index 65) + 14 (75%) + 4 (4 turns) + 4 (flat) + 0 (90%) − 7 (95%) = 51
    // odds = (1/19) × 2^(−51 ÷ 50) = 0.052632 × 0.49312 = 0.025954; PD = 0.025954 ÷ 1.025954 = 252.97 bp → 253
    const middle: BorrowerFeatures = {
      yearsOperating: 7,
      overdueCount24Months: 0,
      relatedPartyFindings: 1,
      electricityIndex: 65,
      operatingRateBasisPoints: 7_500,
      stockTurnoverHundredths: 400,
      outputTrendBasisPoints: 0,
      onTimeDeliveryBasisPoints: 9_000,
      fourFlowConsistencyBasisPoints: 9_500,
    };
    const result = scoreBorrower({ scorecard: defaultScorecard }, { borrowerId: 'org-m', features: middle });
    expect([result.score, result.grade, result.probabilityOfDefaultBasisPoints]).toEqual([651, 'B', 253]);
    // 10 years is in [10, +inf) → 40 instead of 18: 651 + 22 = 673
    const older = scoreBorrower(
      { scorecard: defaultScorecard },
      { borrowerId: 'org-m', features: { ...middle, yearsOperating: 10 } },
    );
    expect(older.score).toBe(673);
    expect(older.contributions[0]?.bin).toBe('[10, +inf)');
  });

  it('refuses a fractional feature and a scorecard whose bins leave a gap', () => {
    expect(() =>
      scoreBorrower(
        { scorecard: defaultScorecard },
        { borrowerId: 'x', features: { ...strongFeatures, yearsOperating: 2.5 } },
      ),
    ).toThrow(expect.objectContaining({ code: 'credit_input_invalid' }));
    const [first, ...rest] = defaultScorecard.characteristics;
    const gapped = {
      ...defaultScorecard,
      characteristics: [{ ...first!, bins: first!.bins.filter((_, index) => index !== 1) }, ...rest],
    };
    expect(() => scoreBorrower({ scorecard: gapped }, { borrowerId: 'x', features: strongFeatures })).toThrow(
      CreditError,
    );
  });

  it('property: score = base + Σ contributions = base + Σ dimensions, within [67, 846], grade monotone in score', () => {
    const value = (min: number, max: number) => fc.option(fc.integer({ min, max }), { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          yearsOperating: value(0, 50),
          overdueCount24Months: value(0, 10),
          relatedPartyFindings: value(0, 10),
          electricityIndex: value(0, 100),
          operatingRateBasisPoints: value(0, 10_000),
          stockTurnoverHundredths: value(0, 5_000),
          outputTrendBasisPoints: value(-10_000, 20_000),
          onTimeDeliveryBasisPoints: value(0, 10_000),
          fourFlowConsistencyBasisPoints: value(0, 10_000),
        }),
        (features) => {
          const result = scoreBorrower({ scorecard: defaultScorecard }, { borrowerId: 'p', features });
          const sum = result.contributions.reduce((total, c) => total + c.points, 0);
          const byDimension =
            result.dimensions.entity.points + result.dimensions.asset.points + result.dimensions.transaction.points;
          const gradeOk =
            defaultScorecard.grades.find((band) => result.score >= band.minimumScore)?.grade === result.grade;
          return (
            result.score === 600 + sum && sum === byDimension && result.score >= 67 && result.score <= 846 && gradeOk
          );
        },
      ),
    );
  });
});

describe('computeElectricityIndex', () => {
  // Previous year 12 × 4,000 kWh = 48,000; last year 11 × 5,000 + 4,000 (this month) = 59,000.
  const monthlyKwh = [...Array(12).fill(4_000), ...Array(11).fill(5_000), 4_000];

  it('works the four parts by hand: capacity 50, utilisation 80%, growth +22.91%, auto-debit → 79, medium', () => {
    // capacity    = (⌊59,000 ÷ 12 ÷ 1,000⌋ + 1) × 10 = (4 + 1) × 10 = 50
    // utilisation = 4,000 ÷ peak of months 12..23 before this (5,000) = 8,000 bp → 80 points
    // growth      = (59,000 − 48,000) × 10,000 ÷ 48,000 = 2,291.67 → 2,291 bp ≥ 2,000 → 100 points
    // index       = ⌊(30×50 + 30×80 + 20×100 + 20×100) ÷ 100⌋ = ⌊7,900 ÷ 100⌋ = 79 → medium
    const result = computeElectricityIndex({ monthlyKwh, paymentMethod: 'auto_debit' });
    expect(result).toEqual({
      index: 79,
      rating: 'medium',
      capacityPoints: 50,
      utilisationBasisPoints: 8_000,
      utilisationPoints: 80,
      growthBasisPoints: 2_291,
      growthPoints: 100,
      integrityPoints: 100,
    });
  });

  it('drops to 59 (low) when the bill is paid in cash, caps capacity at 100, and needs 24 months', () => {
    // (1,500 + 2,400 + 2,000 + 0) ÷ 100 = 59
    expect(computeElectricityIndex({ monthlyKwh, paymentMethod: 'cash' }).index).toBe(59);
    // 1,200,000 kWh a year: (⌊100⌋ + 1) × 10 = 1,010 → capped at 100
    expect(computeElectricityIndex({ monthlyKwh: Array(24).fill(100_000), paymentMethod: 'cash' }).capacityPoints).toBe(
      100,
    );
    expect(() => computeElectricityIndex({ monthlyKwh: [1, 2, 3], paymentMethod: 'cash' })).toThrow(
      expect.objectContaining({ code: 'credit_input_invalid' }),
    );
  });
});

describe('computeIotFeatures', () => {
  it('computes each feature by hand and leaves absent ones null', () => {
    const result = computeIotFeatures({
      // Running when kWh × 10,000 ≥ 1,000 × 3,000, i.e. ≥ 300 kWh: 300, 900, 1,000, 1,000, 300, 1,200 → 6 of 10 = 6,000 bp
      power: {
        dailyEnergyKwh: [0, 100, 250, 300, 900, 1_000, 1_000, 299, 300, 1_200],
        ratedDailyKwh: 1_000,
        runningThresholdBasisPoints: 3_000,
      },
      // Last 3 months 90 + 80 + 70 = 240 against 100 × 3 = 300: (240 − 300) × 10,000 ÷ 300 = −2,000 bp
      monthlyOutputUnits: [500, 100, 100, 100, 90, 80, 70],
      // 600 t out over 90 days on 100 t average: 600 × 36,500 ÷ (100 × 90) = 2,433.3 → 2,433 hundredths (24.33 turns a year)
      stock: { outboundGrams: 600_000_000n, averageStockGrams: 100_000_000n, periodDays: 90 },
      // On time, 1 h late within a 2 h grace, 3 h late, never delivered → 2 of 4 = 5,000 bp
      deliveries: {
        records: [
          { dueAtMs: 10 * hourMs, deliveredAtMs: 9 * hourMs },
          { dueAtMs: 10 * hourMs, deliveredAtMs: 11 * hourMs },
          { dueAtMs: 10 * hourMs, deliveredAtMs: 13 * hourMs },
          { dueAtMs: 10 * hourMs, deliveredAtMs: null },
        ],
        graceMs: 2 * hourMs,
      },
      // 47 of 50 documents match: 9,400 bp
      fourFlow: { matchedDocuments: 47, mismatchedDocuments: 3 },
    });
    expect(result.features).toEqual({
      electricityIndex: null,
      operatingRateBasisPoints: 6_000,
      stockTurnoverHundredths: 2_433,
      outputTrendBasisPoints: -2_000,
      onTimeDeliveryBasisPoints: 5_000,
      fourFlowConsistencyBasisPoints: 9_400,
    });
    expect(result.working).toMatchObject({ runningDays: 6, powerDays: 10, deliveriesOnTime: 2, deliveriesTotal: 4 });
    expect(computeIotFeatures({}).features.operatingRateBasisPoints).toBeNull();
    expect(computeIotFeatures({ monthlyOutputUnits: [0, 0, 0, 5, 5, 5] }).features.outputTrendBasisPoints).toBeNull();
  });

  it('refuses negative energy and too short an output series', () => {
    expect(() =>
      computeIotFeatures({ power: { dailyEnergyKwh: [-1], ratedDailyKwh: 1, runningThresholdBasisPoints: 1 } }),
    ).toThrow(expect.objectContaining({ code: 'credit_input_invalid' }));
    expect(() => computeIotFeatures({ monthlyOutputUnits: [1, 2] })).toThrow(CreditError);
  });
});

describe('recommendLimit', () => {
  const common = {
    currency: 'CNY',
    decisionId: 'dec-limit-1',
    organisationId: 'org-bank-a',
    actorId: 'officer-1',
    atMs: 1_700_000_000_000,
    inputs: [{ kind: 'decision' as const, id: 'dec-pledge-1' }],
  };
  const middleScore = scoreBorrower(
    { scorecard: defaultScorecard },
    {
      borrowerId: 'org-m',
      features: {
        ...strongFeatures,
        yearsOperating: 7,
        relatedPartyFindings: 1,
        electricityIndex: 65,
        operatingRateBasisPoints: 7_500,
        stockTurnoverHundredths: 400,
        outputTrendBasisPoints: 0,
        onTimeDeliveryBasisPoints: 9_000,
        fourFlowConsistencyBasisPoints: 9_500,
      },
    },
  );

  it('works a grade B limit by hand and records the decision with every reason code', () => {
    // sales-based = 1,200,000,000 × 2,000 ÷ 10,000 = 240,000,000 (¥2.4m of ¥12m verified sales)
    // + secured 560,000,000 = 800,000,000; cap 1,000,000,000 → 800,000,000
    // − exposure 123,456,789 = 676,543,211 → rounded down to ¥10,000: 676,000,000 (¥6,760,000)
    expect(middleScore.grade).toBe('B');
    const result = recommendLimit({
      ...common,
      score: middleScore,
      annualVerifiedSalesMinor: 1_200_000_000n,
      collateralLendingValueMinor: 560_000_000n,
      existingExposureMinor: 123_456_789n,
      productCapMinor: 1_000_000_000n,
    });
    expect(result.recommendedLimitMinor).toBe(676_000_000n);
    expect(result.steps.map((step) => step.amountMinor)).toEqual([
      240_000_000n,
      560_000_000n,
      800_000_000n,
      800_000_000n,
      676_543_211n,
      676_000_000n,
    ]);
    expect(result.decision).toMatchObject({
      type: 'credit.limit_recommended',
      subjectId: 'org-m',
      details: { score: 651, grade: 'B', recommendedLimitMinor: '676000000' },
    });
    expect(String(result.decision.details.reasonCodes).split(' ')).toHaveLength(9);
  });

  it('declines grade E outright, caps at the product cap, floors at zero, and refuses negative amounts', () => {
    const weak = scoreBorrower({ scorecard: defaultScorecard }, { borrowerId: 'org-w', features: weakFeatures });
    const amounts = {
      annualVerifiedSalesMinor: 10n ** 10n,
      collateralLendingValueMinor: 10n ** 9n,
      existingExposureMinor: 0n,
      productCapMinor: 5n * 10n ** 8n,
    };
    expect(recommendLimit({ ...common, ...amounts, score: weak }).recommendedLimitMinor).toBe(0n);
    // grade B: 2 × 10^9 + 10^9 = 3 × 10^9, capped at 5 × 10^8
    expect(recommendLimit({ ...common, ...amounts, score: middleScore }).recommendedLimitMinor).toBe(500_000_000n);
    expect(
      recommendLimit({ ...common, ...amounts, existingExposureMinor: 6n * 10n ** 8n, score: middleScore })
        .recommendedLimitMinor,
    ).toBe(0n);
    expect(() => recommendLimit({ ...common, ...amounts, existingExposureMinor: -1n, score: middleScore })).toThrow(
      expect.objectContaining({ code: 'credit_input_invalid' }),
    );
  });
});
