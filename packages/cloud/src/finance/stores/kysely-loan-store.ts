import type { Claim, Loan, LoanStore } from '@fieldproof/finance';
import type { Kysely } from 'kysely';
import { decodeDocument, encodeDocument } from './finance-codec.ts';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';

/** Thrown inside putClaims' transaction to roll it back when one version does not match. */
class VersionMoved extends Error {}

/**
 * Loans and digital claims in the cloud store, each a document beside its key columns. Every write
 * is a compare-and-set on the version the caller read: a new record is `INSERT … ON CONFLICT DO
 * NOTHING` (expected version 0), a change is `UPDATE … WHERE id = ? AND version = ?`; a write that
 * changed no row means another writer won, and the call returns false having written nothing. Both
 * are single atomic statements on SQLite and PostgreSQL (READ COMMITTED re-checks the WHERE on the
 * row it waited for), so two officers acting on one loan cannot both win. `putClaims` runs all its
 * compare-and-sets in one transaction and rolls back if any fails.
 */
export function createKyselyLoanStore(db: Kysely<FinanceDatabase>, _dialect: FinanceStoreDialect): LoanStore {
  const putLoanOn = async (executor: Kysely<FinanceDatabase>, loan: Loan, expectedVersion: number) => {
    const row = {
      loan_id: loan.loanId,
      version: loan.version,
      borrower_id: loan.borrowerId,
      lender_id: loan.lenderId,
      state: loan.state,
      document: encodeDocument(loan),
    };
    if (expectedVersion === 0) {
      const inserted = await executor
        .insertInto('finance_loan')
        .values(row)
        .onConflict((conflict) => conflict.column('loan_id').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const { loan_id: _id, ...changes } = row;
    const updated = await executor
      .updateTable('finance_loan')
      .set(changes)
      .where('loan_id', '=', loan.loanId)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  };
  const putClaimOn = async (executor: Kysely<FinanceDatabase>, claim: Claim, expectedVersion: number) => {
    const row = {
      claim_id: claim.claimId,
      version: claim.version,
      holder_id: claim.holderId,
      document: encodeDocument(claim),
    };
    if (expectedVersion === 0) {
      const inserted = await executor
        .insertInto('finance_claim')
        .values(row)
        .onConflict((conflict) => conflict.column('claim_id').doNothing())
        .executeTakeFirst();
      return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const { claim_id: _id, ...changes } = row;
    const updated = await executor
      .updateTable('finance_claim')
      .set(changes)
      .where('claim_id', '=', claim.claimId)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  };
  return {
    async getLoan(loanId) {
      const row = await db
        .selectFrom('finance_loan')
        .select('document')
        .where('loan_id', '=', loanId)
        .executeTakeFirst();
      return row && decodeDocument<Loan>(row.document);
    },
    putLoan(loan, expectedVersion) {
      return putLoanOn(db, loan, expectedVersion);
    },
    async getClaim(claimId) {
      const row = await db
        .selectFrom('finance_claim')
        .select('document')
        .where('claim_id', '=', claimId)
        .executeTakeFirst();
      return row && decodeDocument<Claim>(row.document);
    },
    async putClaims(writes) {
      if (writes.length === 0) return true;
      try {
        await db.transaction().execute(async (tx) => {
          for (const { claim, expectedVersion } of writes) {
            if (!(await putClaimOn(tx, claim, expectedVersion))) throw new VersionMoved();
          }
        });
        return true;
      } catch (error) {
        if (error instanceof VersionMoved) return false;
        throw error;
      }
    },
  };
}
