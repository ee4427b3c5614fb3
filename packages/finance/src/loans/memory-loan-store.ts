import type { LoanStore } from './loan-store.ts';
import type { Claim, Loan } from './loan-types.ts';

/** An in-memory LoanStore for embedded use and tests; it copies on every read and write. */
export class MemoryLoanStore implements LoanStore {
  readonly #loans = new Map<string, Loan>();
  readonly #claims = new Map<string, Claim>();

  async getLoan(loanId: string): Promise<Loan | undefined> {
    const loan = this.#loans.get(loanId);
    return loan && structuredClone(loan);
  }

  async putLoan(loan: Loan, expectedVersion: number): Promise<boolean> {
    if ((this.#loans.get(loan.loanId)?.version ?? 0) !== expectedVersion) return false;
    this.#loans.set(loan.loanId, structuredClone(loan));
    return true;
  }

  async getClaim(claimId: string): Promise<Claim | undefined> {
    const claim = this.#claims.get(claimId);
    return claim && structuredClone(claim);
  }

  async putClaims(writes: readonly { claim: Claim; expectedVersion: number }[]): Promise<boolean> {
    for (const { claim, expectedVersion } of writes) {
      if ((this.#claims.get(claim.claimId)?.version ?? 0) !== expectedVersion) return false;
    }
    for (const { claim } of writes) this.#claims.set(claim.claimId, structuredClone(claim));
    return true;
  }
}
