import { DecisionInputSchema } from '@fieldproof/protocol';
import { loadLoan, requireState, saveLoan } from './loan-access.ts';
import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import { type Loan, PartyIdSchema } from './loan-types.ts';

/** What assessLoan needs. */
export interface AssessLoanDependencies {
  /** Where loans are kept. */
  loanStore: LoanStore;
}

/** The assessment. */
export interface AssessLoanParameters {
  /** The loan. */
  loanId: string;
  /** The credit officer assessing it (the maker). */
  assessorId: string;
  /** Recommend approval, or decline (the loan becomes `rejected`). */
  recommendation: 'recommend' | 'decline';
  /** What the assessment rests on: the score decision, collateral and four-flow evidence (≤ 1,000). */
  inputs: { kind: 'frame' | 'decision' | 'document'; id: string }[];
  /** When, UTC ms. */
  assessedAtMs: number;
}

/** The loan, `assessed` or `rejected`. */
export interface AssessLoanResult {
  /** The loan after assessment. */
  loan: Loan;
}

/**
 * Record the maker's assessment of an applied loan. Throws LoanError `loan_not_found`,
 * `loan_transition_invalid` (not `applied`), `loan_application_invalid` (bad ids or inputs).
 */
export async function assessLoan(
  dependencies: AssessLoanDependencies,
  parameters: AssessLoanParameters,
): Promise<AssessLoanResult> {
  if (!PartyIdSchema.safeParse(parameters.assessorId).success || parameters.inputs.length > 1_000) {
    throw new LoanError('loan_application_invalid', 'the assessor id or the inputs are invalid');
  }
  for (const input of parameters.inputs) {
    if (!DecisionInputSchema.safeParse(input).success)
      throw new LoanError('loan_application_invalid', `input ${JSON.stringify(input)} is invalid`);
  }
  const loan = await loadLoan(dependencies.loanStore, parameters.loanId);
  requireState(loan, 'assess');
  const next = await saveLoan(dependencies.loanStore, {
    ...loan,
    state: parameters.recommendation === 'recommend' ? 'assessed' : 'rejected',
    assessment: {
      assessorId: parameters.assessorId,
      assessedAtMs: parameters.assessedAtMs,
      recommendation: parameters.recommendation,
      inputs: parameters.inputs.map((input) => ({ ...input })),
    },
  });
  return { loan: next };
}
