import { createAccount, disburseLoan } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';
import { journalEntriesOf, type LoanView } from './loan-view.ts';

/**
 * Disburse into the borrower's deposit account (opened here when new, as are the lender's
 * interest and penalty income accounts), log `loan.disbursed`, and show the journal entry.
 */
export async function disburseLoanStep(
  services: FinanceServices,
  parameters: { loanId: string; actorId: string; firstDueAtMs: number },
): Promise<LoanView> {
  const nowMs = services.clock();
  const loan = await services.loans.getLoan(parameters.loanId);
  const borrowerDepositAccountId = `deposit.${loan?.borrowerId ?? 'unknown'}.${loan?.currency ?? 'CNY'}`;
  const interestIncomeAccountId = `income.interest.${loan?.lenderId ?? 'unknown'}.${loan?.currency ?? 'CNY'}`;
  const penaltyIncomeAccountId = `income.penalty.${loan?.lenderId ?? 'unknown'}.${loan?.currency ?? 'CNY'}`;
  if (loan) {
    const open = { currency: loan.currency, nowMs };
    await createAccount(
      { journalStore: services.journal },
      { ...open, accountId: borrowerDepositAccountId, code: 'liability' },
    );
    await createAccount(
      { journalStore: services.journal },
      { ...open, accountId: interestIncomeAccountId, code: 'income' },
    );
    await createAccount(
      { journalStore: services.journal },
      { ...open, accountId: penaltyIncomeAccountId, code: 'income' },
    );
  }
  const result = await disburseLoan(
    { loanStore: services.loans, journalStore: services.journal },
    {
      loanId: parameters.loanId,
      actorId: parameters.actorId,
      disbursedAtMs: nowMs,
      firstDueAtMs: parameters.firstDueAtMs,
      borrowerDepositAccountId,
      interestIncomeAccountId,
      penaltyIncomeAccountId,
    },
  );
  await services.decisionLog.append(result.decision);
  services.disbursedLoanIds.add(result.loan.loanId);
  await services.state.watch('disbursed_loan', result.loan.loanId);
  return {
    loan: result.loan,
    journalEntries: await journalEntriesOf(services, result.loan),
    decisionId: result.decision.decisionId,
  };
}
