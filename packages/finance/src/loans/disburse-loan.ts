import type { Decision } from '@fieldproof/protocol';
import { createAccount, type JournalStore } from '../journal/index.ts';
import { buildRepaymentSchedule } from './build-repayment-schedule.ts';
import { utcDayIndex } from './calendar.ts';
import { loadLoan, requireState, saveLoan } from './loan-access.ts';
import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import type { Loan, LoanAccounts } from './loan-types.ts';
import { makeDecision } from './make-decision.ts';
import { postLoanTransfers } from './post-loan-transfers.ts';

/** What disburseLoan needs. */
export interface DisburseLoanDependencies {
  /** Where loans and claims are kept. */
  loanStore: LoanStore;
  /** The journal the money moves on. */
  journalStore: JournalStore;
}

/** The disbursement. */
export interface DisburseLoanParameters {
  /** The loan. */
  loanId: string;
  /** The operations officer releasing the funds. */
  actorId: string;
  /** When, UTC ms: interest accrues from this UTC day. */
  disbursedAtMs: number;
  /** When the first instalment falls due, UTC ms (after disbursedAtMs). */
  firstDueAtMs: number;
  /** The borrower's settlement account on the journal (liability, in the loan's currency). */
  borrowerDepositAccountId: string;
  /** The bank's interest income account (income). */
  interestIncomeAccountId: string;
  /** The bank's penalty interest income account (income). */
  penaltyIncomeAccountId: string;
}

/** The disbursed loan and the decision to append to the log. */
export interface DisburseLoanResult {
  /** The loan, `disbursed`, with its schedule. */
  loan: Loan;
  /** `loan.disbursed`, resting on the approval decision. */
  decision: Decision;
}

/**
 * Disburse an approved loan: open its three receivable accounts (principal and penalty may not be
 * over-repaid), move the principal from the principal receivable to the borrower's deposit in one
 * journal transfer `<loanId>.disbursement`, mark a receivables loan's claim `financed`, and fix the
 * schedule. Every write is idempotent, so a retry after a crash completes without moving money twice.
 * Throws LoanError `loan_not_found`, `loan_transition_invalid`, `journal_transfer_refused`,
 * `claim_not_active`, `loan_application_invalid` (first due not after disbursement).
 */
export async function disburseLoan(
  dependencies: DisburseLoanDependencies,
  parameters: DisburseLoanParameters,
): Promise<DisburseLoanResult> {
  const { loanStore, journalStore } = dependencies;
  const loan = await loadLoan(loanStore, parameters.loanId);
  if (loan.state !== 'approved' && loan.disbursement) return { loan, decision: disbursementDecision(loan) };
  requireState(loan, 'disburse');
  if (parameters.firstDueAtMs <= parameters.disbursedAtMs) {
    throw new LoanError('loan_application_invalid', 'the first instalment falls due after the disbursement');
  }
  const accounts: LoanAccounts = {
    principalReceivableAccountId: `${loan.loanId}.principal`,
    interestReceivableAccountId: `${loan.loanId}.interest`,
    penaltyReceivableAccountId: `${loan.loanId}.penalty`,
    borrowerDepositAccountId: parameters.borrowerDepositAccountId,
    interestIncomeAccountId: parameters.interestIncomeAccountId,
    penaltyIncomeAccountId: parameters.penaltyIncomeAccountId,
  };
  const nowMs = parameters.disbursedAtMs;
  const open = { currency: loan.currency, code: 'asset' as const, reference: loan.loanId, nowMs };
  await createAccount(
    { journalStore },
    { ...open, accountId: accounts.principalReceivableAccountId, flags: { creditsMustNotExceedDebits: true } },
  );
  await createAccount({ journalStore }, { ...open, accountId: accounts.interestReceivableAccountId });
  await createAccount(
    { journalStore },
    { ...open, accountId: accounts.penaltyReceivableAccountId, flags: { creditsMustNotExceedDebits: true } },
  );

  if (loan.product === 'receivables') {
    const claimId = loan.collateral.claimId as string;
    const claim = await loanStore.getClaim(claimId);
    if (!claim) throw new LoanError('claim_not_found', `claim ${claimId} does not exist`, { claimId });
    if (!(claim.status === 'financed' && claim.financedByLoanId === loan.loanId)) {
      if (claim.status !== 'active' || claim.holderId !== loan.borrowerId) {
        throw new LoanError('claim_not_active', `claim ${claimId} is ${claim.status}, held by ${claim.holderId}`, {
          claimId,
        });
      }
      const financed = {
        ...claim,
        status: 'financed' as const,
        financedByLoanId: loan.loanId,
        version: claim.version + 1,
      };
      if (!(await loanStore.putClaims([{ claim: financed, expectedVersion: claim.version }]))) {
        throw new LoanError('loan_changed_concurrently', `claim ${claimId} changed while disbursing; retry`);
      }
    }
  }

  const transferId = `${loan.loanId}.disbursement`;
  await postLoanTransfers(
    journalStore,
    [
      {
        transferId,
        kind: 'single',
        debitAccountId: accounts.principalReceivableAccountId,
        creditAccountId: accounts.borrowerDepositAccountId,
        amountMinor: loan.principalMinor,
        currency: loan.currency,
        purpose: 'loan.disbursement',
        reference: loan.loanId,
      },
    ],
    nowMs,
  );
  const schedule = buildRepaymentSchedule({ ...loan, firstDueAtMs: parameters.firstDueAtMs });
  const next = await saveLoan(loanStore, {
    ...loan,
    state: 'disbursed',
    disbursement: { actorId: parameters.actorId, disbursedAtMs: nowMs, transferId, accounts },
    schedule,
    accrual: {
      nextDayIndex: utcDayIndex(nowMs),
      interestRemainder: 0n,
      penaltyRemainder: 0n,
      interestAccruedMinor: 0n,
      penaltyAccruedMinor: 0n,
      penaltyPaidMinor: 0n,
    },
  });
  return { loan: next, decision: disbursementDecision(next) };
}

function disbursementDecision(loan: Loan): Decision {
  const disbursement = loan.disbursement as NonNullable<Loan['disbursement']>;
  return makeDecision({
    decisionId: `${loan.loanId}.disbursed`,
    type: 'loan.disbursed',
    organisationId: loan.lenderId,
    actorId: disbursement.actorId,
    decidedAtMs: disbursement.disbursedAtMs,
    subjectId: loan.loanId,
    inputs: [{ kind: 'decision', id: `${loan.loanId}.approved` }],
    details: {
      currency: loan.currency,
      principalMinor: loan.principalMinor.toString(),
      transferId: disbursement.transferId,
      borrowerDepositAccountId: disbursement.accounts.borrowerDepositAccountId,
      instalmentCount: loan.schedule.length,
      scheduledInterestMinor: loan.schedule.reduce((sum, i) => sum + i.interestMinor, 0n).toString(),
      firstDueAtMs: loan.schedule[0]?.dueAtMs ?? null,
      lastDueAtMs: loan.schedule[loan.schedule.length - 1]?.dueAtMs ?? null,
    },
  });
}
