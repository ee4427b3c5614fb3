import type { Claim, Loan } from './loan-types.ts';

/**
 * Where loans and claims are kept. The cloud implements it on SQLite and PostgreSQL with a
 * version column: every write is a compare-and-set on the version read, so two officers acting on
 * one loan at once cannot both win (`UPDATE … WHERE loan_id = ? AND version = ?`).
 */
export interface LoanStore {
  /** The loan with this id, or undefined. */
  getLoan(loanId: string): Promise<Loan | undefined>;
  /** Write the loan if the stored version is `expectedVersion` (0: not stored yet); false, writing nothing, otherwise. */
  putLoan(loan: Loan, expectedVersion: number): Promise<boolean>;
  /** The claim with this id, or undefined. */
  getClaim(claimId: string): Promise<Claim | undefined>;
  /** Write all these claims in one transaction if each stored version matches (0: new); false, writing nothing, otherwise. */
  putClaims(writes: readonly { claim: Claim; expectedVersion: number }[]): Promise<boolean>;
}
