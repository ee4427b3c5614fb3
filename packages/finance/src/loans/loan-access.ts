import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import type { Loan, LoanState } from './loan-types.ts';

/**
 * The lifecycle: which state each operation may start from. Anything else is refused
 * `loan_transition_invalid`; monitor, accrue and repay keep a disbursed loan disbursed.
 */
export const loanTransitions = {
  assess: ['applied'],
  approve: ['assessed'],
  disburse: ['approved'],
  accrue: ['disbursed'],
  monitor: ['disbursed'],
  repay: ['disbursed'],
  close: ['disbursed'],
} as const satisfies Record<string, readonly LoanState[]>;

/** Read a loan. Throws LoanError `loan_not_found`. */
export async function loadLoan(loanStore: LoanStore, loanId: string): Promise<Loan> {
  const loan = await loanStore.getLoan(loanId);
  if (!loan) throw new LoanError('loan_not_found', `loan ${loanId} does not exist`, { loanId });
  return loan;
}

/** Refuse an operation the loan's state does not allow. */
export function requireState(loan: Loan, operation: keyof typeof loanTransitions): void {
  const allowed: readonly LoanState[] = loanTransitions[operation];
  if (!allowed.includes(loan.state)) {
    throw new LoanError(
      'loan_transition_invalid',
      `cannot ${operation} loan ${loan.loanId} while it is ${loan.state} (only when ${allowed.join(' or ')})`,
      { loanId: loan.loanId, state: loan.state, operation },
    );
  }
}

/** Write the next version of a loan read at `loan.version`. Throws LoanError `loan_changed_concurrently`. */
export async function saveLoan(loanStore: LoanStore, loan: Loan): Promise<Loan> {
  const next = { ...loan, version: loan.version + 1 };
  if (!(await loanStore.putLoan(next, loan.version))) {
    throw new LoanError('loan_changed_concurrently', `loan ${loan.loanId} changed while this operation ran; retry`, {
      loanId: loan.loanId,
    });
  }
  return next;
}

/** Principal lent and not yet repaid. */
export function principalOutstanding(loan: Loan): bigint {
  return loan.schedule.reduce((sum, instalment) => sum + instalment.principalMinor - instalment.principalPaidMinor, 0n);
}
