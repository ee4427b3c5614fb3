import type { Decision } from '@fieldproof/protocol';
import { loadLoan, requireState, saveLoan } from './loan-access.ts';
import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import { type Loan, PartyIdSchema } from './loan-types.ts';
import { makeDecision } from './make-decision.ts';

/** What approveLoan needs. */
export interface ApproveLoanDependencies {
  /** Where loans and claims are kept. */
  loanStore: LoanStore;
}

/** The approval. */
export interface ApproveLoanParameters {
  /** The loan. */
  loanId: string;
  /** The approver (the checker): neither the officer who entered the loan nor its assessor. */
  approverId: string;
  /** When, UTC ms. */
  approvedAtMs: number;
}

/** The approved loan and the decision to append to the log. */
export interface ApproveLoanResult {
  /** The loan, `approved`. */
  loan: Loan;
  /** `loan.approved`, resting on the assessment's inputs (and the claim's confirmation for receivables). */
  decision: Decision;
}

/**
 * Approve an assessed loan under four eyes: the checker must differ from every maker (the officer
 * who entered it and the assessor), else `maker_checker_same_person`. For receivables financing
 * the claim must be active, held by the borrower, in the loan's currency, at least the principal,
 * and mature after the approval (`collateral_insufficient`). Approving again by the same approver
 * returns the same decision. Throws LoanError `loan_not_found`, `loan_transition_invalid`.
 */
export async function approveLoan(
  dependencies: ApproveLoanDependencies,
  parameters: ApproveLoanParameters,
): Promise<ApproveLoanResult> {
  if (!PartyIdSchema.safeParse(parameters.approverId).success) {
    throw new LoanError('loan_application_invalid', `approver id ${JSON.stringify(parameters.approverId)} is invalid`);
  }
  const loan = await loadLoan(dependencies.loanStore, parameters.loanId);
  if (loan.approval && loan.approval.approverId === parameters.approverId) {
    return { loan, decision: await approvalDecision(dependencies.loanStore, loan) };
  }
  requireState(loan, 'approve');
  const makers = [loan.enteredById, loan.assessment?.assessorId];
  if (makers.includes(parameters.approverId)) {
    throw new LoanError(
      'maker_checker_same_person',
      `${parameters.approverId} made loan ${loan.loanId} and cannot also approve it`,
      {
        loanId: loan.loanId,
        approverId: parameters.approverId,
      },
    );
  }
  if (loan.product === 'receivables') {
    const claimId = loan.collateral.claimId as string;
    const claim = await dependencies.loanStore.getClaim(claimId);
    if (!claim) throw new LoanError('claim_not_found', `claim ${claimId} does not exist`, { claimId });
    if (claim.status !== 'active')
      throw new LoanError('claim_not_active', `claim ${claimId} is ${claim.status}`, { claimId });
    if (
      claim.holderId !== loan.borrowerId ||
      claim.currency !== loan.currency ||
      claim.amountMinor < loan.principalMinor ||
      claim.maturityAtMs <= parameters.approvedAtMs
    ) {
      throw new LoanError(
        'collateral_insufficient',
        `claim ${claimId} (${claim.amountMinor} ${claim.currency}, held by ${claim.holderId}) does not secure ${loan.principalMinor} ${loan.currency} to ${loan.borrowerId}`,
        { claimId },
      );
    }
  }
  const next = await saveLoan(dependencies.loanStore, {
    ...loan,
    state: 'approved',
    approval: { approverId: parameters.approverId, approvedAtMs: parameters.approvedAtMs },
  });
  return { loan: next, decision: await approvalDecision(dependencies.loanStore, next) };
}

async function approvalDecision(loanStore: LoanStore, loan: Loan): Promise<Decision> {
  const approval = loan.approval as NonNullable<Loan['approval']>;
  const inputs = [...(loan.assessment?.inputs ?? [])];
  if (loan.collateral.claimId !== null) {
    const claim = await loanStore.getClaim(loan.collateral.claimId);
    if (claim) inputs.push({ kind: 'decision', id: claim.confirmationDecisionId });
  }
  return makeDecision({
    decisionId: `${loan.loanId}.approved`,
    type: 'loan.approved',
    organisationId: loan.lenderId,
    actorId: approval.approverId,
    decidedAtMs: approval.approvedAtMs,
    subjectId: loan.loanId,
    inputs,
    details: {
      borrowerId: loan.borrowerId,
      product: loan.product,
      currency: loan.currency,
      principalMinor: loan.principalMinor.toString(),
      annualRateBasisPoints: loan.annualRateBasisPoints,
      penaltyAnnualRateBasisPoints: loan.penaltyAnnualRateBasisPoints,
      termMonths: loan.termMonths,
      repaymentMethod: loan.repaymentMethod,
      makerId: loan.assessment?.assessorId ?? loan.enteredById,
      checkerId: approval.approverId,
      collateral: JSON.stringify(loan.collateral),
    },
  });
}
