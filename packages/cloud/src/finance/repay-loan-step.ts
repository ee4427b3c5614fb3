import { repayLoan } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';
import { journalEntriesOf, type LoanView } from './loan-view.ts';

/** Apply a repayment (idempotent by repaymentId) and show the loan's journal entries. */
export async function repayLoanStep(
  services: FinanceServices,
  parameters: { loanId: string; repaymentId: string; amountMinor: bigint },
): Promise<LoanView & { status: 'applied' | 'exists' }> {
  const result = await repayLoan(
    { loanStore: services.loans, journalStore: services.journal },
    { ...parameters, paidAtMs: services.clock() },
  );
  return { status: result.status, loan: result.loan, journalEntries: await journalEntriesOf(services, result.loan) };
}
