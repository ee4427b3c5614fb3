import { assert } from '@fieldproof/protocol';
import { addMonthsUtc } from './calendar.ts';
import { divideRoundHalfUp } from './divide-round-half-up.ts';
import { LoanError } from './loan-error.ts';
import { annualRateBasisPointsMax, type Instalment, type RepaymentMethod, termMonthsMax } from './loan-types.ts';

/** The loan terms a schedule is built from. */
export interface BuildRepaymentScheduleParameters {
  /** Principal lent, minor units (> 0). */
  principalMinor: bigint;
  /** Contractual rate, basis points a year; the period rate is a twelfth of it. */
  annualRateBasisPoints: number;
  /** Number of monthly instalments (1 … termMonthsMax). */
  termMonths: number;
  /** How principal and interest are repaid. */
  repaymentMethod: RepaymentMethod;
  /** When the first instalment falls due, UTC ms; the others on the same day of later months. */
  firstDueAtMs: number;
}

/** The instalments, in due order, nothing paid. */
export type BuildRepaymentScheduleResult = Instalment[];

/** 10,000 basis points × 12 months: the denominator of a monthly period rate. */
const periodRateDenominator = 120_000n;

/**
 * Build a monthly repayment schedule in bigint minor units. Period interest is the outstanding
 * principal × annual rate ÷ 12 (the monthly-rate convention of Chinese consumer and SME loans),
 * rounded half-up to the fen each period. Equal instalments: the annuity payment
 * P·r(1+r)^n / ((1+r)^n − 1), computed exactly as a fraction of bigints and rounded half-up.
 * Equal principal: ⌊P ÷ n⌋ a period. In every method the last instalment takes the remaining
 * principal, so principal sums exactly to P and rounding never creates or loses a fen.
 * Throws LoanError `loan_application_invalid` on out-of-range terms.
 */
export function buildRepaymentSchedule(parameters: BuildRepaymentScheduleParameters): BuildRepaymentScheduleResult {
  const { principalMinor, annualRateBasisPoints, termMonths, repaymentMethod, firstDueAtMs } = parameters;
  if (principalMinor <= 0n) throw new LoanError('amount_not_positive', `principal ${principalMinor} is not positive`);
  if (!Number.isInteger(termMonths) || termMonths < 1 || termMonths > termMonthsMax) {
    throw new LoanError('loan_application_invalid', `a term is 1 to ${termMonthsMax} months, not ${termMonths}`);
  }
  if (
    !Number.isInteger(annualRateBasisPoints) ||
    annualRateBasisPoints < 0 ||
    annualRateBasisPoints > annualRateBasisPointsMax
  ) {
    throw new LoanError(
      'loan_application_invalid',
      `a rate is 0 to ${annualRateBasisPointsMax} basis points, not ${annualRateBasisPoints}`,
    );
  }
  const rate = BigInt(annualRateBasisPoints);
  const n = BigInt(termMonths);
  let level = 0n;
  if (repaymentMethod === 'equal_instalments') {
    if (rate === 0n) {
      level = divideRoundHalfUp(principalMinor, n);
    } else {
      // r = rate / 120,000, so P·r(1+r)^n / ((1+r)^n − 1) = P·rate·(D+rate)^n / (D·((D+rate)^n − D^n)).
      const grown = (periodRateDenominator + rate) ** n;
      level = divideRoundHalfUp(
        principalMinor * rate * grown,
        periodRateDenominator * (grown - periodRateDenominator ** n),
      );
    }
  } else if (repaymentMethod !== 'equal_principal' && repaymentMethod !== 'interest_only_bullet') {
    throw new LoanError('loan_application_invalid', `repayment method ${JSON.stringify(repaymentMethod)} is unknown`);
  }
  const schedule: Instalment[] = [];
  let outstanding = principalMinor;
  for (let number = 1; number <= termMonths; number += 1) {
    const interestMinor = divideRoundHalfUp(outstanding * rate, periodRateDenominator);
    let principalPart: bigint;
    if (number === termMonths) principalPart = outstanding;
    else if (repaymentMethod === 'equal_instalments') principalPart = level - interestMinor;
    else if (repaymentMethod === 'equal_principal') principalPart = principalMinor / n;
    else principalPart = 0n;
    // A tiny principal at a high rate could make an annuity's principal part negative or larger than what is left.
    if (principalPart < 0n) principalPart = 0n;
    if (principalPart > outstanding) principalPart = outstanding;
    outstanding -= principalPart;
    schedule.push({
      number,
      dueAtMs: addMonthsUtc(firstDueAtMs, number - 1),
      principalMinor: principalPart,
      interestMinor,
      principalPaidMinor: 0n,
      interestPaidMinor: 0n,
    });
  }
  assert(outstanding === 0n, 'the schedule repays all principal');
  assert(
    schedule.reduce((sum, instalment) => sum + instalment.principalMinor, 0n) === principalMinor,
    'principal conserved',
  );
  return schedule;
}
