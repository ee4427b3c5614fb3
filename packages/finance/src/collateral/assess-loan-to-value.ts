import { CollateralError } from './collateral-error.ts';
import type { LoanToValueLines, PriceRecord } from './collateral-types.ts';

/** Which line a loan-to-value has reached, from best to worst. */
export type LoanToValueLine = 'normal' | 'warning' | 'top_up' | 'forced_sale';

/** A valuation of a pledged quantity against a loan. */
export interface AssessLoanToValueParameters {
  /** Loan principal (plus accrued interest, if the bank counts it) outstanding, minor units. */
  loanOutstandingMinor: bigint;
  /** Currency of the loan; the price must be in it. */
  currency: string;
  /** Quantity pledged now, grams. */
  quantityGrams: bigint;
  /** The price to value at. */
  price: PriceRecord;
  /** Haircut on market value, basis points, 0–10,000. */
  haircutBasisPoints: number;
  /** The pledge's lines. */
  lines: LoanToValueLines;
}

/** The valuation and where it stands against the lines. */
export interface AssessLoanToValueResult {
  /** quantity × price ÷ unit, rounded down, minor units. */
  marketValueMinor: bigint;
  /** market value × (1 − haircut), computed exactly from the inputs and rounded down once, minor units. */
  lendingValueMinor: bigint;
  /** loan ÷ lending value in basis points, rounded up; null when the lending value is 0 and a loan is outstanding. */
  ltvBasisPoints: number | null;
  /** The worst line reached (a null LTV is `forced_sale`). */
  line: LoanToValueLine;
  /** Repayment that brings the LTV back to the pledge ratio: loan − ⌊lending × ratio ÷ 10,000⌋, at least 0. */
  repaymentToRestoreMinor: bigint;
  /** Goods to add to restore the pledge ratio at this price and haircut, grams, rounded up; null when the price is 0. */
  topUpGramsToRestore: bigint | null;
}

const basisPointsScale = 10_000n;

/** Check the lines and haircut once; an operating error names the bad field. */
export function checkLoanToValueTerms(lines: LoanToValueLines, haircutBasisPoints: number): void {
  const { pledgeRatioBasisPoints: pledge, warningBasisPoints: warning, topUpBasisPoints: topUp } = lines;
  const forcedSale = lines.forcedSaleBasisPoints;
  const integers = [pledge, warning, topUp, forcedSale, haircutBasisPoints].every(Number.isSafeInteger);
  if (!integers || haircutBasisPoints < 0 || haircutBasisPoints >= 10_000) {
    throw new CollateralError('collateral_input_invalid', 'haircut must be an integer 0–9,999 bp, lines integers', {
      haircutBasisPoints,
    });
  }
  if (!(pledge > 0 && pledge <= warning && warning < topUp && topUp < forcedSale)) {
    throw new CollateralError(
      'collateral_input_invalid',
      'lines must satisfy 0 < pledge ratio ≤ warning < top-up < forced sale (basis points)',
      { ...lines },
    );
  }
}

/**
 * Value a pledged quantity and place its loan-to-value on the lines.
 *
 * LTV = loan ÷ (quantity × price ÷ unit × (1 − haircut)). Rounding: the lending value is rounded
 * down once, from the exact product, and the LTV is rounded up, so both err towards the bank
 * (a lot never looks safer than it is). A line is reached when LTV ≥ the line.
 * Preconditions: non-negative loan and quantity, price unit ≥ 1 g; throws CollateralError
 * `collateral_currency_mismatch` or `collateral_input_invalid` otherwise.
 */
export function assessLoanToValue(parameters: AssessLoanToValueParameters): AssessLoanToValueResult {
  const { loanOutstandingMinor: loan, quantityGrams: quantity, price, lines } = parameters;
  if (price.currency !== parameters.currency) {
    throw new CollateralError(
      'collateral_currency_mismatch',
      `the loan is in ${parameters.currency}, the price in ${price.currency}`,
      { loanCurrency: parameters.currency, priceCurrency: price.currency },
    );
  }
  if (loan < 0n || quantity < 0n || price.priceMinorPerUnit < 0n || price.unitGrams < 1n) {
    throw new CollateralError('collateral_input_invalid', 'loan, quantity and price must be ≥ 0, unit ≥ 1 g', {});
  }
  checkLoanToValueTerms(lines, parameters.haircutBasisPoints);
  const haircutKept = basisPointsScale - BigInt(parameters.haircutBasisPoints);
  const grossValue = quantity * price.priceMinorPerUnit;
  const marketValueMinor = grossValue / price.unitGrams;
  const lendingValueMinor = (grossValue * haircutKept) / (price.unitGrams * basisPointsScale);
  let ltvBasisPoints: number | null;
  if (lendingValueMinor === 0n) ltvBasisPoints = loan === 0n ? 0 : null;
  else ltvBasisPoints = Number((loan * basisPointsScale + lendingValueMinor - 1n) / lendingValueMinor);
  let line: LoanToValueLine = 'normal';
  if (ltvBasisPoints === null || ltvBasisPoints >= lines.forcedSaleBasisPoints) line = 'forced_sale';
  else if (ltvBasisPoints >= lines.topUpBasisPoints) line = 'top_up';
  else if (ltvBasisPoints >= lines.warningBasisPoints) line = 'warning';
  const ratio = BigInt(lines.pledgeRatioBasisPoints);
  const allowedLoan = (lendingValueMinor * ratio) / basisPointsScale;
  const repaymentToRestoreMinor = loan > allowedLoan ? loan - allowedLoan : 0n;
  // Goods g restore the ratio when loan ≤ (q + g) × price × kept × ratio ÷ (unit × 10^8), exactly:
  // g ≥ loan × unit × 10^8 ÷ (price × kept × ratio) − q, rounded up.
  let topUpGramsToRestore: bigint | null = 0n;
  if (repaymentToRestoreMinor > 0n) {
    const perGram = price.priceMinorPerUnit * haircutKept * ratio;
    const scaledLoan = loan * price.unitGrams * basisPointsScale * basisPointsScale;
    if (perGram === 0n) topUpGramsToRestore = null;
    else {
      const needed = (scaledLoan + perGram - 1n) / perGram - quantity;
      topUpGramsToRestore = needed > 0n ? needed : 0n;
    }
  }
  return { marketValueMinor, lendingValueMinor, ltvBasisPoints, line, repaymentToRestoreMinor, topUpGramsToRestore };
}
