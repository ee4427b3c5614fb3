import {
  type ApplyForLoanParameters,
  applyForLoan,
  approveLoan,
  assessLoan,
  createAccount,
  disburseLoan,
  type Loan,
  lookupTransfer,
  repayLoan,
  type Transfer,
} from '@fieldproof/finance';
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

async function journalEntriesOf(services: FinanceServices, loan: Loan): Promise<Transfer[]> {
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

/** Apply for a loan (the maker is `enteredById`). */
export async function applyLoan(
  services: FinanceServices,
  parameters: Omit<ApplyForLoanParameters, 'appliedAtMs'>,
): Promise<LoanView & { status: 'created' | 'exists' }> {
  const result = await applyForLoan({ loanStore: services.loans }, { ...parameters, appliedAtMs: services.clock() });
  for (const lotId of result.loan.collateral.pledgeLotIds) services.lotLoanAmountMinor.delete(lotId);
  return { status: result.status, loan: result.loan, journalEntries: [] };
}

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

/** Approve under four eyes (`maker_checker_same_person` when the approver entered or assessed it) and log `loan.approved`. */
export async function approveLoanStep(
  services: FinanceServices,
  parameters: { loanId: string; approverId: string },
): Promise<LoanView> {
  const result = await approveLoan({ loanStore: services.loans }, { ...parameters, approvedAtMs: services.clock() });
  await services.decisionLog.append(result.decision);
  return { loan: result.loan, journalEntries: [], decisionId: result.decision.decisionId };
}

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
  return {
    loan: result.loan,
    journalEntries: await journalEntriesOf(services, result.loan),
    decisionId: result.decision.decisionId,
  };
}

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

/** A loan and its journal entries. */
export async function getLoanView(services: FinanceServices, loanId: string): Promise<LoanView | undefined> {
  const loan = await services.loans.getLoan(loanId);
  return loan && { loan, journalEntries: await journalEntriesOf(services, loan) };
}
