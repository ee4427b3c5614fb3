import {
  type BorrowerFeatures,
  computeIotFeatures,
  defaultScorecard,
  type RecommendLimitResult,
  recommendLimit,
  type ScoreBorrowerResult,
  scoreBorrower,
} from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';
import { type PowerDay, readPowerFeatures } from './read-power-features.ts';

/** Where the power features come from: a registered meter's logged frames over whole UTC days. */
export interface ScoreCreditIot {
  /** The power meter. */
  powerMeterDeviceId: string;
  /** kWh a day at full running. */
  ratedDailyKwh: number;
  /** A day runs when it draws at least this share of rated, basis points. */
  runningThresholdBasisPoints: number;
  /** Window start, a UTC midnight, ms. */
  fromMs: number;
  /** Window end (exclusive), a UTC midnight, ms. */
  toMs: number;
}

/** What the logged frames gave the score. */
export interface ScoreCreditIotBasis {
  /** Features taken from the frames (a feature the caller gave is not among them). */
  featuresFromFrames: (keyof BorrowerFeatures)[];
  /** Features the frames yielded but the caller's explicit value overrode. */
  featuresOverriddenByCaller: (keyof BorrowerFeatures)[];
  /** Running days and days observed. */
  runningDays: number | null;
  /** Days of the window. */
  powerDays: number | null;
  /** Each day's kWh and the frames it rests on. */
  days: PowerDay[];
  /** Frames read. */
  framesRead: number;
  /** The frames the decision cites (first and last of each day), each provable at /v1/frames/:id/proof. */
  citedFrameIds: string[];
}

/** A borrower's features and the amounts its limit is bounded by. */
export interface ScoreCreditParameters {
  /** The borrower. */
  borrowerId: string;
  /** The scorecard's inputs (integers or null when unknown); a non-null one wins over the frames'. */
  features: BorrowerFeatures;
  /** Compute the power features from a meter's logged frames (optional). */
  iot?: ScoreCreditIot;
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
  /** The IoT basis, when an `iot` block was given. */
  iot?: ScoreCreditIotBasis;
}

/**
 * Score a borrower on the default scorecard, recommend a limit, and log the decision. With `iot`,
 * the meter's logged frames give the power features (readPowerFeatures → computeIotFeatures); a
 * feature the caller gave (non-null) wins; the decision's inputs cite the frames used.
 * Throws PowerFeaturesError or CreditError on a refused IoT basis.
 */
export async function scoreCredit(
  services: FinanceServices,
  parameters: ScoreCreditParameters,
): Promise<ScoreCreditResult> {
  const features: BorrowerFeatures = { ...parameters.features };
  let iot: ScoreCreditIotBasis | undefined;
  if (parameters.iot) {
    const read = await readPowerFeatures({ store: services.store }, parameters.iot);
    const computed = computeIotFeatures({
      power: {
        dailyEnergyKwh: read.days.map((day) => day.kwh),
        ratedDailyKwh: parameters.iot.ratedDailyKwh,
        runningThresholdBasisPoints: parameters.iot.runningThresholdBasisPoints,
      },
    });
    const featuresFromFrames: (keyof BorrowerFeatures)[] = [];
    const featuresOverriddenByCaller: (keyof BorrowerFeatures)[] = [];
    for (const [name, value] of Object.entries(computed.features) as [keyof BorrowerFeatures, number | null][]) {
      if (value === null) continue;
      if (features[name] !== null) {
        featuresOverriddenByCaller.push(name);
      } else {
        features[name] = value;
        featuresFromFrames.push(name);
      }
    }
    iot = {
      featuresFromFrames,
      featuresOverriddenByCaller,
      runningDays: computed.working.runningDays,
      powerDays: computed.working.powerDays,
      days: read.days,
      framesRead: read.framesRead,
      citedFrameIds: featuresFromFrames.length > 0 ? read.citedFrameIds : [],
    };
  }
  const score = scoreBorrower({ scorecard: defaultScorecard }, { borrowerId: parameters.borrowerId, features });
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
    inputs: (iot?.citedFrameIds ?? []).map((id) => ({ kind: 'frame' as const, id })),
  });
  await services.decisionLog.append(decision);
  return { score, limit, decisionId, ...(iot ? { iot } : {}) };
}
