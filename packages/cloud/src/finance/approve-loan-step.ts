import { approveLoan } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';
import type { LoanView } from './loan-view.ts';

/** Approve under four eyes (`maker_checker_same_person` when the approver entered or assessed it) and log `loan.approved`. */
export async function approveLoanStep(
  services: FinanceServices,
  parameters: { loanId: string; approverId: string },
): Promise<LoanView> {
  const result = await approveLoan({ loanStore: services.loans }, { ...parameters, approvedAtMs: services.clock() });
  await services.decisionLog.append(result.decision);
  return { loan: result.loan, journalEntries: [], decisionId: result.decision.decisionId };
}
