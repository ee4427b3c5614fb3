import { assert, type Decision } from '@fieldproof/protocol';
import { type JournalStore, lookupAccount, lookupTransfer, type TransferRequest } from '../journal/index.ts';
import { loadLoan, principalOutstanding, requireState, saveLoan } from './loan-access.ts';
import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import type { Loan } from './loan-types.ts';
import { makeDecision } from './make-decision.ts';
import { postLoanTransfers } from './post-loan-transfers.ts';

/** What closeLoan needs. */
export interface CloseLoanDependencies {
  /** Where loans and claims are kept. */
  loanStore: LoanStore;
  /** The journal. */
  journalStore: JournalStore;
}

/** The closure. */
export interface CloseLoanParameters {
  /** The loan. */
  loanId: string;
  /** The officer closing it. */
  actorId: string;
  /** When, UTC ms. */
  closedAtMs: number;
}

/** The closed loan and the decision to append to the log. */
export interface CloseLoanResult {
  /** The loan, `closed`. */
  loan: Loan;
  /** `loan.closed`, resting on the disbursement decision. */
  decision: Decision;
  /** Interest true-up posted at close, minor units: + when more was billed than accrued (income up), − when less. */
  interestTrueUpMinor: bigint;
}

/**
 * Close a fully repaid loan. Scheduled interest (monthly-rate convention) and accrued interest
 * (ACT/365F daily) differ by a few fen over a loan's life; the interest receivable is brought to
 * zero against interest income by `<loanId>.interest-true-up`, so income ends at exactly what the
 * borrower paid. A receivables loan's claim goes back to the borrower, `active`.
 * Closing again by the same officer returns the same decision.
 * Throws LoanError `loan_not_repaid` (principal, interest or penalty unpaid), `loan_transition_invalid`.
 */
export async function closeLoan(
  dependencies: CloseLoanDependencies,
  parameters: CloseLoanParameters,
): Promise<CloseLoanResult> {
  const { loanStore, journalStore } = dependencies;
  const loan = await loadLoan(loanStore, parameters.loanId);
  if (loan.state === 'closed' && loan.closedById === parameters.actorId) {
    const receivable = await lookupAccount(
      { journalStore },
      { accountId: loan.disbursement?.accounts.interestReceivableAccountId as string },
    );
    const trueUp = await lookupTransfer({ journalStore }, { transferId: `${loan.loanId}.interest-true-up` });
    assert(receivable.debitsPostedMinor === receivable.creditsPostedMinor, 'a closed loan has no interest receivable');
    const signed = trueUp
      ? trueUp.creditAccountId === receivable.accountId
        ? -trueUp.amountMinor
        : trueUp.amountMinor
      : 0n;
    return { loan, decision: closureDecision(loan, signed), interestTrueUpMinor: signed };
  }
  requireState(loan, 'close');
  const { accrual, disbursement } = loan;
  assert(accrual && disbursement, 'a disbursed loan has its accrual state and accounts');
  const interestUnpaid = loan.schedule.reduce((sum, i) => sum + i.interestMinor - i.interestPaidMinor, 0n);
  const penaltyUnpaid = accrual.penaltyAccruedMinor - accrual.penaltyPaidMinor;
  if (principalOutstanding(loan) > 0n || interestUnpaid > 0n || penaltyUnpaid > 0n) {
    throw new LoanError('loan_not_repaid', `loan ${loan.loanId} still owes principal, interest or penalty`, {
      principalMinor: principalOutstanding(loan).toString(),
      interestMinor: interestUnpaid.toString(),
      penaltyMinor: penaltyUnpaid.toString(),
    });
  }
  const { accounts } = disbursement;
  const receivable = await lookupAccount({ journalStore }, { accountId: accounts.interestReceivableAccountId });
  // Debits are accruals, credits are payments: a credit excess means more was billed than accrued.
  const excessBilled = receivable.creditsPostedMinor - receivable.debitsPostedMinor;
  const transfers: TransferRequest[] = [];
  if (excessBilled !== 0n) {
    const more = excessBilled > 0n;
    transfers.push({
      transferId: `${loan.loanId}.interest-true-up`,
      kind: 'single',
      debitAccountId: more ? accounts.interestReceivableAccountId : accounts.interestIncomeAccountId,
      creditAccountId: more ? accounts.interestIncomeAccountId : accounts.interestReceivableAccountId,
      amountMinor: more ? excessBilled : -excessBilled,
      currency: loan.currency,
      purpose: 'loan.interest_true_up',
      reference: loan.loanId,
    });
  }
  await postLoanTransfers(journalStore, transfers, parameters.closedAtMs);

  if (loan.product === 'receivables' && loan.collateral.claimId !== null) {
    const claim = await loanStore.getClaim(loan.collateral.claimId);
    if (claim && claim.status === 'financed' && claim.financedByLoanId === loan.loanId) {
      const released = { ...claim, status: 'active' as const, financedByLoanId: null, version: claim.version + 1 };
      if (!(await loanStore.putClaims([{ claim: released, expectedVersion: claim.version }]))) {
        throw new LoanError('loan_changed_concurrently', `claim ${claim.claimId} changed while closing; retry`);
      }
    }
  }
  const next = await saveLoan(loanStore, {
    ...loan,
    state: 'closed',
    closedAtMs: parameters.closedAtMs,
    closedById: parameters.actorId,
  });
  return { loan: next, decision: closureDecision(next, excessBilled), interestTrueUpMinor: excessBilled };
}

function closureDecision(loan: Loan, interestTrueUpMinor: bigint): Decision {
  const accrual = loan.accrual as NonNullable<Loan['accrual']>;
  const sum = (pick: (r: Loan['repayments'][number]) => bigint) =>
    loan.repayments.reduce((total, r) => total + pick(r), 0n);
  return makeDecision({
    decisionId: `${loan.loanId}.closed`,
    type: 'loan.closed',
    organisationId: loan.lenderId,
    actorId: loan.closedById as string,
    decidedAtMs: loan.closedAtMs as number,
    subjectId: loan.loanId,
    inputs: [{ kind: 'decision', id: `${loan.loanId}.disbursed` }],
    details: {
      currency: loan.currency,
      principalRepaidMinor: sum((r) => r.principalMinor).toString(),
      interestPaidMinor: sum((r) => r.interestMinor).toString(),
      penaltyPaidMinor: sum((r) => r.penaltyMinor).toString(),
      interestAccruedMinor: accrual.interestAccruedMinor.toString(),
      interestTrueUpMinor: interestTrueUpMinor.toString(),
      repaymentCount: loan.repayments.length,
    },
  });
}
