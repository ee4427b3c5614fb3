import {
  type ComputeElectricityIndexResult,
  computeElectricityIndex,
  type ElectricityPaymentMethod,
} from './compute-electricity-index.ts';
import { CreditError } from './credit-error.ts';
import type { BorrowerFeatures } from './scorecard-definition.ts';

/** One delivery the borrower owed a buyer. */
export interface DeliveryRecord {
  /** When it was due, UTC ms. */
  dueAtMs: number;
  /** When the GPS trail or the receiving load cell shows it arrived, UTC ms; null if it has not. */
  deliveredAtMs: number | null;
}

/** The raw IoT and flow data behind the asset and transaction features; any part may be absent. */
export interface ComputeIotFeaturesParameters {
  /** Power draw: energy per day, kWh, oldest first (e.g. 90 days), with the plant's rated daily use. */
  power?: {
    /** kWh per day. */
    dailyEnergyKwh: readonly number[];
    /** kWh a day at full running. */
    ratedDailyKwh: number;
    /** A day counts as running when it draws at least this share of rated, basis points (e.g. 3,000). */
    runningThresholdBasisPoints: number;
  };
  /** Output units per month, oldest first, at least 6 months (the last 6 are used). */
  monthlyOutputUnits?: readonly number[];
  /** Stock monitored by load cells over a period. */
  stock?: {
    /** Grams that left over the period. */
    outboundGrams: bigint;
    /** Average grams held over the period. */
    averageStockGrams: bigint;
    /** Days in the period, ≥ 1. */
    periodDays: number;
  };
  /** Deliveries owed, with a grace period. */
  deliveries?: {
    /** The deliveries. */
    records: readonly DeliveryRecord[];
    /** How late still counts as on time, ms. */
    graceMs: number;
  };
  /** The four-flow reconciliation's counts for the borrower's trade documents. */
  fourFlow?: {
    /** Documents whose PO, receipt, invoice, payment and IoT events all match. */
    matchedDocuments: number;
    /** Documents with at least one finding. */
    mismatchedDocuments: number;
  };
  /** 24 months of metered electricity, for the electricity index. */
  electricity?: {
    /** kWh per month, oldest first, 24 of them. */
    monthlyKwh: readonly number[];
    /** How the bill is paid. */
    paymentMethod: ElectricityPaymentMethod;
  };
}

/** The IoT features (null where the input was absent) and the working behind them. */
export interface ComputeIotFeaturesResult {
  /** The features the scorecard reads. */
  features: Pick<
    BorrowerFeatures,
    | 'electricityIndex'
    | 'operatingRateBasisPoints'
    | 'stockTurnoverHundredths'
    | 'outputTrendBasisPoints'
    | 'onTimeDeliveryBasisPoints'
    | 'fourFlowConsistencyBasisPoints'
  >;
  /** The counts and sums each feature came from, for the console's "why". */
  working: {
    /** Running days and days observed. */
    runningDays: number | null;
    /** Days of power data. */
    powerDays: number | null;
    /** Output of the last 3 months and of the 3 before. */
    outputRecentUnits: number | null;
    /** Output of the 3 months before the last 3. */
    outputPreviousUnits: number | null;
    /** Deliveries on time and in all. */
    deliveriesOnTime: number | null;
    /** Deliveries counted. */
    deliveriesTotal: number | null;
    /** The electricity index's parts. */
    electricity: ComputeElectricityIndexResult | null;
  };
}

function wholeNonNegative(values: readonly number[], what: string): void {
  for (const value of values) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new CreditError('credit_input_invalid', `${what} must be non-negative whole numbers`, { what });
    }
  }
}

/**
 * Compute the IoT features of a borrower from raw series. Rounding: every ratio is an integer,
 * rounded down (the output trend is truncated toward zero).
 * - operating rate = running days × 10,000 ÷ days, a day running when kWh × 10,000 ≥ rated × threshold;
 * - output trend = (last 3 months − 3 before) × 10,000 ÷ 3 before (null when those are 0);
 * - stock turnover = outbound × 365 × 100 ÷ (average stock × days), in hundredths a year (null when no stock);
 * - on-time deliveries = delivered by due + grace × 10,000 ÷ all (an undelivered one is late);
 * - four-flow consistency = matched × 10,000 ÷ (matched + mismatched);
 * - electricity index: computeElectricityIndex.
 * Throws CreditError `credit_input_invalid` on negative or fractional inputs or too few months.
 */
export function computeIotFeatures(parameters: ComputeIotFeaturesParameters): ComputeIotFeaturesResult {
  let operatingRateBasisPoints: number | null = null;
  let runningDays: number | null = null;
  let powerDays: number | null = null;
  const { power } = parameters;
  if (power && power.dailyEnergyKwh.length > 0) {
    wholeNonNegative([...power.dailyEnergyKwh, power.ratedDailyKwh, power.runningThresholdBasisPoints], 'power');
    const floorKwhTimesScale = power.ratedDailyKwh * power.runningThresholdBasisPoints;
    runningDays = 0;
    for (const kwh of power.dailyEnergyKwh) if (kwh * 10_000 >= floorKwhTimesScale) runningDays++;
    powerDays = power.dailyEnergyKwh.length;
    operatingRateBasisPoints = Math.floor((runningDays * 10_000) / powerDays);
  }
  let outputTrendBasisPoints: number | null = null;
  let outputRecentUnits: number | null = null;
  let outputPreviousUnits: number | null = null;
  const output = parameters.monthlyOutputUnits;
  if (output) {
    if (output.length < 6) throw new CreditError('credit_input_invalid', 'output trend needs 6 months', {});
    wholeNonNegative(output, 'monthly output');
    const n = output.length;
    outputRecentUnits = (output[n - 1] as number) + (output[n - 2] as number) + (output[n - 3] as number);
    outputPreviousUnits = (output[n - 4] as number) + (output[n - 5] as number) + (output[n - 6] as number);
    if (outputPreviousUnits > 0) {
      outputTrendBasisPoints = Math.trunc(((outputRecentUnits - outputPreviousUnits) * 10_000) / outputPreviousUnits);
    }
  }
  let stockTurnoverHundredths: number | null = null;
  const { stock } = parameters;
  if (stock) {
    if (stock.outboundGrams < 0n || stock.averageStockGrams < 0n || !(stock.periodDays >= 1)) {
      throw new CreditError('credit_input_invalid', 'stock amounts must be ≥ 0 and the period ≥ 1 day', {});
    }
    if (stock.averageStockGrams > 0n) {
      stockTurnoverHundredths = Number(
        (stock.outboundGrams * 36_500n) / (stock.averageStockGrams * BigInt(Math.floor(stock.periodDays))),
      );
    }
  }
  let onTimeDeliveryBasisPoints: number | null = null;
  let deliveriesOnTime: number | null = null;
  let deliveriesTotal: number | null = null;
  const { deliveries } = parameters;
  if (deliveries && deliveries.records.length > 0) {
    deliveriesOnTime = 0;
    for (const record of deliveries.records) {
      if (record.deliveredAtMs !== null && record.deliveredAtMs <= record.dueAtMs + deliveries.graceMs) {
        deliveriesOnTime++;
      }
    }
    deliveriesTotal = deliveries.records.length;
    onTimeDeliveryBasisPoints = Math.floor((deliveriesOnTime * 10_000) / deliveriesTotal);
  }
  let fourFlowConsistencyBasisPoints: number | null = null;
  const { fourFlow } = parameters;
  if (fourFlow) {
    wholeNonNegative([fourFlow.matchedDocuments, fourFlow.mismatchedDocuments], 'four-flow counts');
    const total = fourFlow.matchedDocuments + fourFlow.mismatchedDocuments;
    if (total > 0) fourFlowConsistencyBasisPoints = Math.floor((fourFlow.matchedDocuments * 10_000) / total);
  }
  const electricity = parameters.electricity ? computeElectricityIndex(parameters.electricity) : null;
  return {
    features: {
      electricityIndex: electricity?.index ?? null,
      operatingRateBasisPoints,
      stockTurnoverHundredths,
      outputTrendBasisPoints,
      onTimeDeliveryBasisPoints,
      fourFlowConsistencyBasisPoints,
    },
    working: {
      runningDays,
      powerDays,
      outputRecentUnits,
      outputPreviousUnits,
      deliveriesOnTime,
      deliveriesTotal,
      electricity,
    },
  };
}
