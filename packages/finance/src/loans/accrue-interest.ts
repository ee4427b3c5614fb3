import { assert } from '@fieldproof/protocol';
import type { JournalStore, TransferRequest } from '../journal/index.ts';
import { dayMs, utcDayIndex } from './calendar.ts';
import { classifyOverdue } from './classify-overdue.ts';
import { loadLoan, principalOutstanding, requireState, saveLoan } from './loan-access.ts';
import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import type { Loan } from './loan-types.ts';
import { postLoanTransfers } from './post-loan-transfers.ts';

/** ACT/365 Fixed: a year is 365 days whatever the calendar (the day count of CNY loans). */
export const dayCountDaysPerYear = 365n;
/** Denominator of one day's interest numerator: 10,000 basis points × 365 days. */
export const accrualDenominator = 10_000n * dayCountDaysPerYear;

/** What accrueInterest needs. */
export interface AccrueInterestDependencies {
  /** Where loans are kept. */
  loanStore: LoanStore;
  /** The journal the accrual posts to. */
  journalStore: JournalStore;
}

/** The day to accrue. */
export interface AccrueInterestParameters {
  /** The loan. */
  loanId: string;
  /** Any instant in the UTC day to accrue; days accrue one by one, in order, from the disbursement day. */
  dayMs: number;
}

/** What the day added. */
export interface AccrueInterestResult {
  /** `accrued` now, or `already_accrued` (the day was accrued before; nothing changed). */
  status: 'accrued' | 'already_accrued';
  /** Interest posted for the day, minor units. */
  interestMinor: bigint;
  /** Penalty interest posted for the day, minor units. */
  penaltyMinor: bigint;
  /** The loan after the accrual. */
  loan: Loan;
}

/**
 * Accrue one UTC day of interest, ACT/365 Fixed: the day's interest is outstanding principal ×
 * annual rate ÷ 365, and the day's penalty interest is (principal and interest past due before
 * that day) × penalty rate ÷ 365. Rounding: each day posts the whole fen of the running exact
 * total and carries the fraction (in units of 1/3,650,000 fen) to the next day, so after any
 * number of days the posted total is the exact total rounded down, never more than 1 fen short,
 * and no fen is lost to per-day rounding. Posts `<loanId>.accrual.<day>.interest` (debit interest
 * receivable, credit interest income) and `.penalty` likewise, as one linked chain.
 * Call it after the day has ended and its repayments are in: the day accrues on the principal left
 * at its end, so the disbursement day accrues and a repayment day does not on what was repaid
 * (first day in, last day out); repayments dated on an accrued day are refused `repayment_backdated`.
 * Throws LoanError `loan_not_found`, `loan_transition_invalid`, `accrual_day_out_of_order`, `journal_transfer_refused`.
 */
export async function accrueInterest(
  dependencies: AccrueInterestDependencies,
  parameters: AccrueInterestParameters,
): Promise<AccrueInterestResult> {
  const loan = await loadLoan(dependencies.loanStore, parameters.loanId);
  requireState(loan, 'accrue');
  const accrual = loan.accrual;
  const disbursement = loan.disbursement;
  assert(accrual && disbursement, 'a disbursed loan has its accrual state and accounts');
  const day = utcDayIndex(parameters.dayMs);
  if (day < accrual.nextDayIndex) return { status: 'already_accrued', interestMinor: 0n, penaltyMinor: 0n, loan };
  if (day > accrual.nextDayIndex) {
    throw new LoanError(
      'accrual_day_out_of_order',
      `loan ${loan.loanId} accrues day ${accrual.nextDayIndex} before day ${day}`,
      {
        nextDayIndex: accrual.nextDayIndex,
        dayIndex: day,
      },
    );
  }
  const interestTotal = accrual.interestRemainder + principalOutstanding(loan) * BigInt(loan.annualRateBasisPoints);
  const interestMinor = interestTotal / accrualDenominator;
  // Past due on this day: instalments whose due day is before it (the end of this day, so asOf = day start).
  const overdue = classifyOverdue({ schedule: loan.schedule, asOfMs: day * dayMs });
  const penaltyBase = overdue.overduePrincipalMinor + overdue.overdueInterestMinor;
  const penaltyTotal = accrual.penaltyRemainder + penaltyBase * BigInt(loan.penaltyAnnualRateBasisPoints);
  const penaltyMinor = penaltyTotal / accrualDenominator;

  const { accounts } = disbursement;
  const transfers: TransferRequest[] = [];
  const common = { kind: 'single' as const, currency: loan.currency, reference: loan.loanId };
  if (interestMinor > 0n) {
    transfers.push({
      ...common,
      transferId: `${loan.loanId}.accrual.${day}.interest`,
      debitAccountId: accounts.interestReceivableAccountId,
      creditAccountId: accounts.interestIncomeAccountId,
      amountMinor: interestMinor,
      purpose: 'loan.accrual.interest',
    });
  }
  if (penaltyMinor > 0n) {
    transfers.push({
      ...common,
      transferId: `${loan.loanId}.accrual.${day}.penalty`,
      debitAccountId: accounts.penaltyReceivableAccountId,
      creditAccountId: accounts.penaltyIncomeAccountId,
      amountMinor: penaltyMinor,
      purpose: 'loan.accrual.penalty',
    });
  }
  await postLoanTransfers(dependencies.journalStore, transfers, day * dayMs + dayMs - 1);
  const next = await saveLoan(dependencies.loanStore, {
    ...loan,
    accrual: {
      ...accrual,
      nextDayIndex: day + 1,
      interestRemainder: interestTotal % accrualDenominator,
      penaltyRemainder: penaltyTotal % accrualDenominator,
      interestAccruedMinor: accrual.interestAccruedMinor + interestMinor,
      penaltyAccruedMinor: accrual.penaltyAccruedMinor + penaltyMinor,
    },
  });
  return { status: 'accrued', interestMinor, penaltyMinor, loan: next };
}
