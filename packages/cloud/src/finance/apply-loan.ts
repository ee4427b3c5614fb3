import { type ApplyForLoanParameters, applyForLoan } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';
import type { LoanView } from './loan-view.ts';

/** Apply for a loan (the maker is `enteredById`). */
export async function applyLoan(
  services: FinanceServices,
  parameters: Omit<ApplyForLoanParameters, 'appliedAtMs'>,
): Promise<LoanView & { status: 'created' | 'exists' }> {
  const result = await applyForLoan({ loanStore: services.loans }, { ...parameters, appliedAtMs: services.clock() });
  for (const lotId of result.loan.collateral.pledgeLotIds) services.lotLoanAmountMinor.delete(lotId);
  return { status: result.status, loan: result.loan, journalEntries: [] };
}
