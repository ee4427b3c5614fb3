import { FieldproofError } from '@fieldproof/protocol';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';

/** Most attempts of one serialisable transaction on PostgreSQL before it gives up `store_contended`. */
export const serialisableAttemptsMax = 16;

/** SQLSTATEs after which the whole transaction is simply run again: serialization failure, deadlock. */
const retryableStates = new Set(['40001', '40P01']);

/** Whether a PostgreSQL error says "run the transaction again". */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && retryableStates.has(code);
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Run `work` as one serialisable transaction.
 * - SQLite: one transaction on the store's only connection, which Kysely's driver holds from BEGIN
 *   to COMMIT, so transactions run one after another: serialisable by construction.
 * - PostgreSQL: `SERIALIZABLE`, run again from the start on a serialization failure or deadlock
 *   (at most serialisableAttemptsMax times, then FieldproofError `store_contended`). So `work` may
 *   run more than once and must have no effect outside the transaction. When `work` throws (a
 *   refusal), its writes are rolled back to a savepoint and the read-only remainder is still
 *   committed, so the refusal rests on reads that PostgreSQL validated as serialisable (SSI only
 *   vouches for the reads of a transaction that commits).
 */
export async function runSerialisable<T>(
  db: Kysely<FinanceDatabase>,
  dialect: FinanceStoreDialect,
  work: (tx: Transaction<FinanceDatabase>) => Promise<T>,
): Promise<T> {
  if (dialect === 'sqlite') return db.transaction().execute(work);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const outcome = await db
        .transaction()
        .setIsolationLevel('serializable')
        .execute(async (tx): Promise<Outcome<T>> => {
          await sql`SAVEPOINT finance_work`.execute(tx);
          try {
            return { ok: true, value: await work(tx) };
          } catch (error) {
            if (isRetryable(error)) throw error;
            await sql`ROLLBACK TO SAVEPOINT finance_work`.execute(tx);
            return { ok: false, error };
          }
        });
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= serialisableAttemptsMax) {
        throw new FieldproofError(
          'store_contended',
          `a finance transaction met concurrent writers ${attempt} times in a row; retry shortly`,
          { attempts: attempt },
        );
      }
      // Jittered, growing pause so that the transactions that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * attempt));
    }
  }
}
