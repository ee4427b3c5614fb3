import { CreditError } from './credit-error.ts';

/** How the firm pays its electricity bill (the index's integrity part). */
export type ElectricityPaymentMethod = 'auto_debit' | 'bank_transfer' | 'cash';

/** 24 months of metered electricity. */
export interface ComputeElectricityIndexParameters {
  /** kWh per calendar month, oldest first, exactly 24 non-negative integers; the last is this month. */
  monthlyKwh: readonly number[];
  /** How the bill is paid. */
  paymentMethod: ElectricityPaymentMethod;
}

/** The index and its parts, each with the points it gave. */
export interface ComputeElectricityIndexResult {
  /** Weighted index 0–100, rounded down. */
  index: number;
  /** `high` ≥ 80, `medium` ≥ 60 (lenders accept medium or above), else `low`. */
  rating: 'high' | 'medium' | 'low';
  /** (⌊average monthly kWh over the last 12 months ÷ 1,000⌋ + 1) × 10, capped at 100. */
  capacityPoints: number;
  /** This month ÷ peak of the 12 months before, basis points (null when that peak is 0). */
  utilisationBasisPoints: number | null;
  /** Points for utilisation: ≥ 90% 100, ≥ 70% 80, ≥ 50% 60, ≥ 30% 40, else 20 (0 with no peak). */
  utilisationPoints: number;
  /** (last 12 months − the 12 before) ÷ the 12 before, basis points, truncated toward 0 (null when the earlier year is 0). */
  growthBasisPoints: number | null;
  /** Points for growth: ≥ +20% 100, ≥ +5% 80, ≥ −5% 60, ≥ −20% 30, else 0 (no earlier year: 30). */
  growthPoints: number;
  /** Points for payment: auto-debit 100, bank transfer 60, cash 0. */
  integrityPoints: number;
}

const integrityPointsByMethod: Readonly<Record<ElectricityPaymentMethod, number>> = {
  auto_debit: 100,
  bank_transfer: 60,
  cash: 0,
};

/**
 * An electricity index in the manner of State Grid Zhejiang's 电E贷: capacity, utilisation,
 * growth and payment integrity from 24 months of metered use, weighted 30/30/20/20 and summed.
 * The formulas of the four parts follow the published description; the point maps, the cap on
 * capacity and the weights are ours, since the published index does not give them [unverified].
 * Throws CreditError `credit_input_invalid` unless there are 24 non-negative integer months.
 */
export function computeElectricityIndex(parameters: ComputeElectricityIndexParameters): ComputeElectricityIndexResult {
  const months = parameters.monthlyKwh;
  if (months.length !== 24 || !months.every((kwh) => Number.isSafeInteger(kwh) && kwh >= 0)) {
    throw new CreditError('credit_input_invalid', 'the electricity index needs 24 months of non-negative whole kWh', {
      months: months.length,
    });
  }
  let previousYear = 0;
  let lastYear = 0;
  for (let index = 0; index < 12; index++) previousYear += months[index] as number;
  for (let index = 12; index < 24; index++) lastYear += months[index] as number;
  const capacityPoints = Math.min(100, (Math.floor(lastYear / 12_000) + 1) * 10);
  let peak = 0;
  for (let index = 11; index < 23; index++) peak = Math.max(peak, months[index] as number);
  const thisMonth = months[23] as number;
  const utilisationBasisPoints = peak === 0 ? null : Math.floor((thisMonth * 10_000) / peak);
  let utilisationPoints = 0;
  if (utilisationBasisPoints !== null) {
    if (utilisationBasisPoints >= 9_000) utilisationPoints = 100;
    else if (utilisationBasisPoints >= 7_000) utilisationPoints = 80;
    else if (utilisationBasisPoints >= 5_000) utilisationPoints = 60;
    else if (utilisationBasisPoints >= 3_000) utilisationPoints = 40;
    else utilisationPoints = 20;
  }
  const growthBasisPoints = previousYear === 0 ? null : Math.trunc(((lastYear - previousYear) * 10_000) / previousYear);
  let growthPoints = 30;
  if (growthBasisPoints !== null) {
    if (growthBasisPoints >= 2_000) growthPoints = 100;
    else if (growthBasisPoints >= 500) growthPoints = 80;
    else if (growthBasisPoints >= -500) growthPoints = 60;
    else if (growthBasisPoints >= -2_000) growthPoints = 30;
    else growthPoints = 0;
  }
  const integrityPoints = integrityPointsByMethod[parameters.paymentMethod];
  const index = Math.floor(
    (30 * capacityPoints + 30 * utilisationPoints + 20 * growthPoints + 20 * integrityPoints) / 100,
  );
  const rating = index >= 80 ? 'high' : index >= 60 ? 'medium' : 'low';
  return {
    index,
    rating,
    capacityPoints,
    utilisationBasisPoints,
    utilisationPoints,
    growthBasisPoints,
    growthPoints,
    integrityPoints,
  };
}
