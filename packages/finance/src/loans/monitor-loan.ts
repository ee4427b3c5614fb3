import { assert } from '@fieldproof/protocol';
import { classifyOverdue } from './classify-overdue.ts';
import { loadLoan, principalOutstanding, requireState } from './loan-access.ts';
import type { LoanStore } from './loan-store.ts';
import type { OverdueBucket } from './loan-types.ts';

/** What monitorLoan needs. */
export interface MonitorLoanDependencies {
  /** Where loans are kept. */
  loanStore: LoanStore;
}

/** Which loan, when. */
export interface MonitorLoanParameters {
  /** The loan. */
  loanId: string;
  /** The instant to look at, UTC ms. */
  asOfMs: number;
}

/** Where a disbursed loan stands. */
export interface MonitorLoanResult {
  /** Days past due of the oldest unpaid instalment. */
  daysPastDue: number;
  /** Its bucket. */
  bucket: OverdueBucket;
  /** Principal past due. */
  overduePrincipalMinor: bigint;
  /** Scheduled interest past due. */
  overdueInterestMinor: bigint;
  /** Principal not yet repaid (due or not). */
  principalOutstandingMinor: bigint;
  /** Penalty interest accrued and not yet paid. */
  penaltyOutstandingMinor: bigint;
}

/**
 * Read where a disbursed loan stands: its days-past-due bucket and what is owed. Reads only;
 * risk rules and the console call it. Throws LoanError `loan_not_found`, `loan_transition_invalid`.
 */
export async function monitorLoan(
  dependencies: MonitorLoanDependencies,
  parameters: MonitorLoanParameters,
): Promise<MonitorLoanResult> {
  const loan = await loadLoan(dependencies.loanStore, parameters.loanId);
  requireState(loan, 'monitor');
  assert(loan.accrual, 'a disbursed loan has its accrual state');
  const overdue = classifyOverdue({ schedule: loan.schedule, asOfMs: parameters.asOfMs });
  return {
    ...overdue,
    principalOutstandingMinor: principalOutstanding(loan),
    penaltyOutstandingMinor: loan.accrual.penaltyAccruedMinor - loan.accrual.penaltyPaidMinor,
  };
}
