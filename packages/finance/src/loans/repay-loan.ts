import { assert } from '@fieldproof/protocol';
import type { JournalStore, TransferRequest } from '../journal/index.ts';
import { utcDayIndex } from './calendar.ts';
import { loadLoan, requireState, saveLoan } from './loan-access.ts';
import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import { type Loan, type LoanRepayment, RepaymentIdSchema } from './loan-types.ts';
import { postLoanTransfers } from './post-loan-transfers.ts';

/** What repayLoan needs. */
export interface RepayLoanDependencies {
  /** Where loans are kept. */
  loanStore: LoanStore;
  /** The journal the repayment moves on. */
  journalStore: JournalStore;
}

/** The repayment. */
export interface RepayLoanParameters {
  /** The loan. */
  loanId: string;
  /** Caller-supplied id, unique per loan (≤ 32 characters); repeating it is a no-op. */
  repaymentId: string;
  /** Amount paid from the borrower's deposit, minor units. */
  amountMinor: bigint;
  /** When, UTC ms. */
  paidAtMs: number;
}

/** How the repayment was applied. */
export interface RepayLoanResult {
  /** `applied` now, or `exists` (this repayment id was applied before; nothing changed). */
  status: 'applied' | 'exists';
  /** The repayment and its allocation. */
  repayment: LoanRepayment;
  /** The loan after it. */
  loan: Loan;
}

/**
 * Apply a repayment from the borrower's deposit: first to penalty interest outstanding, then
 * instalment by instalment in due order, interest before principal (the order of the PRC civil
 * code, art. 561: costs, interest, principal). A repayment may settle future instalments early;
 * their scheduled interest is then paid as scheduled (no rebate). The three journal transfers
 * `<loanId>.repayment.<repaymentId>.{penalty,interest,principal}` post as one linked chain.
 * Throws LoanError `repayment_backdated` (its day already accrued), `amount_not_positive`, `repayment_exceeds_outstanding`, `journal_transfer_refused`
 * (e.g. journalCode `insufficient_funds` when the deposit is short), `loan_transition_invalid`.
 */
export async function repayLoan(
  dependencies: RepayLoanDependencies,
  parameters: RepayLoanParameters,
): Promise<RepayLoanResult> {
  if (!RepaymentIdSchema.safeParse(parameters.repaymentId).success) {
    throw new LoanError(
      'loan_application_invalid',
      `repayment id ${JSON.stringify(parameters.repaymentId)} is invalid`,
    );
  }
  const loan = await loadLoan(dependencies.loanStore, parameters.loanId);
  const earlier = loan.repayments.find((r) => r.repaymentId === parameters.repaymentId);
  if (earlier) return { status: 'exists', repayment: earlier, loan };
  requireState(loan, 'repay');
  const { accrual, disbursement } = loan;
  assert(accrual && disbursement, 'a disbursed loan has its accrual state and accounts');
  // Interest of a day accrues on the principal left at its end, so a day already accrued cannot take a repayment.
  if (utcDayIndex(parameters.paidAtMs) < accrual.nextDayIndex) {
    throw new LoanError('repayment_backdated', `loan ${loan.loanId} has accrued interest past ${parameters.paidAtMs}`, {
      nextDayIndex: accrual.nextDayIndex,
    });
  }
  if (parameters.amountMinor <= 0n)
    throw new LoanError('amount_not_positive', `repayment ${parameters.amountMinor} is not positive`);

  let left = parameters.amountMinor;
  const take = (owed: bigint): bigint => {
    const paid = owed < left ? owed : left;
    left -= paid;
    return paid;
  };
  const penaltyMinor = take(accrual.penaltyAccruedMinor - accrual.penaltyPaidMinor);
  let interestMinor = 0n;
  let principalMinor = 0n;
  const schedule = loan.schedule.map((instalment) => {
    const interest = take(instalment.interestMinor - instalment.interestPaidMinor);
    const principal = take(instalment.principalMinor - instalment.principalPaidMinor);
    interestMinor += interest;
    principalMinor += principal;
    return {
      ...instalment,
      interestPaidMinor: instalment.interestPaidMinor + interest,
      principalPaidMinor: instalment.principalPaidMinor + principal,
    };
  });
  if (left > 0n) {
    throw new LoanError(
      'repayment_exceeds_outstanding',
      `loan ${loan.loanId} owes ${parameters.amountMinor - left}, less than ${parameters.amountMinor}`,
      {
        outstandingMinor: (parameters.amountMinor - left).toString(),
      },
    );
  }
  assert(
    penaltyMinor + interestMinor + principalMinor === parameters.amountMinor,
    'the allocation is the whole repayment',
  );

  const { accounts } = disbursement;
  const base = `${loan.loanId}.repayment.${parameters.repaymentId}`;
  const common = {
    kind: 'single' as const,
    currency: loan.currency,
    reference: loan.loanId,
    debitAccountId: accounts.borrowerDepositAccountId,
  };
  const transfers: TransferRequest[] = [];
  if (penaltyMinor > 0n) {
    transfers.push({
      ...common,
      transferId: `${base}.penalty`,
      creditAccountId: accounts.penaltyReceivableAccountId,
      amountMinor: penaltyMinor,
      purpose: 'loan.repayment.penalty',
    });
  }
  if (interestMinor > 0n) {
    transfers.push({
      ...common,
      transferId: `${base}.interest`,
      creditAccountId: accounts.interestReceivableAccountId,
      amountMinor: interestMinor,
      purpose: 'loan.repayment.interest',
    });
  }
  if (principalMinor > 0n) {
    transfers.push({
      ...common,
      transferId: `${base}.principal`,
      creditAccountId: accounts.principalReceivableAccountId,
      amountMinor: principalMinor,
      purpose: 'loan.repayment.principal',
    });
  }
  await postLoanTransfers(dependencies.journalStore, transfers, parameters.paidAtMs);
  const repayment: LoanRepayment = {
    repaymentId: parameters.repaymentId,
    amountMinor: parameters.amountMinor,
    paidAtMs: parameters.paidAtMs,
    penaltyMinor,
    interestMinor,
    principalMinor,
  };
  const next = await saveLoan(dependencies.loanStore, {
    ...loan,
    schedule,
    accrual: { ...accrual, penaltyPaidMinor: accrual.penaltyPaidMinor + penaltyMinor },
    repayments: [...loan.repayments, repayment],
  });
  return { status: 'applied', repayment, loan: next };
}
