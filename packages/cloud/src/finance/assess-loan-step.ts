import { assessLoan } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';
import type { LoanView } from './loan-view.ts';

/** Record the credit assessment (recommend or decline). */
export async function assessLoanStep(
  services: FinanceServices,
  parameters: {
    loanId: string;
    assessorId: string;
    recommendation: 'recommend' | 'decline';
    inputs: { kind: 'frame' | 'decision' | 'document'; id: string }[];
  },
): Promise<LoanView> {
  const result = await assessLoan({ loanStore: services.loans }, { ...parameters, assessedAtMs: services.clock() });
  return { loan: result.loan, journalEntries: [] };
}
