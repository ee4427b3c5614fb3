import { type Loan, lookupTransfer, type Transfer } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';

/** A loan with the journal entries it posted. */
export interface LoanView {
  /** The loan. */
  loan: Loan;
  /** The journal transfers of its disbursement and repayments, in that order. */
  journalEntries: Transfer[];
  /** The decision this step recorded in the log, if it recorded one. */
  decisionId?: string;
}

/** The journal transfers a loan posted: its disbursement, then each repayment's penalty, interest and principal parts. */
export async function journalEntriesOf(services: FinanceServices, loan: Loan): Promise<Transfer[]> {
  const ids: string[] = [];
  if (loan.disbursement) ids.push(loan.disbursement.transferId);
  for (const repayment of loan.repayments ?? []) {
    const base = `${loan.loanId}.repayment.${repayment.repaymentId}`;
    ids.push(`${base}.penalty`, `${base}.interest`, `${base}.principal`);
  }
  const entries: Transfer[] = [];
  for (const transferId of ids) {
    const found = await lookupTransfer({ journalStore: services.journal }, { transferId });
    if (found) entries.push(found);
  }
  return entries;
}

/** A loan and its journal entries. */
export async function getLoanView(services: FinanceServices, loanId: string): Promise<LoanView | undefined> {
  const loan = await services.loans.getLoan(loanId);
  return loan && { loan, journalEntries: await journalEntriesOf(services, loan) };
}
