import { randomInt } from 'node:crypto';
import { FieldproofError } from '@fieldproof/protocol';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';

/** Most attempts of one transaction on PostgreSQL before it gives up `store_contended`. */
export const transactionAttemptsMax = 16;

/**
 * SQLSTATEs after which the whole transaction is simply run again: serialization failure, deadlock,
 * and a lock not available (a `FOR UPDATE NOWAIT` that found the row locked).
 */
const retryableStates = new Set(['40001', '40P01', '55P03']);

/** Whether a PostgreSQL error says "run the transaction again". */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && retryableStates.has(code);
}

/** How a PostgreSQL transaction is kept serialisable. */
export type PostgresIsolation =
  /** SERIALIZABLE (SSI): PostgreSQL aborts a transaction that would not serialise. */
  | 'serializable'
  /** READ COMMITTED: `work` takes the row and advisory locks that serialise it itself. */
  | 'read committed';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Run `work` as one transaction that no other transaction interleaves with.
 * - SQLite: one transaction on the store's only connection, which Kysely's driver holds from BEGIN
 *   to COMMIT, so transactions run one after another: serialisable by construction.
 * - PostgreSQL: at `isolation`; on a serialization failure, a deadlock or a lock not taken
 *   (40001, 40P01, 55P03) the whole
 *   of `work` runs again, after a growing, jittered pause, at most transactionAttemptsMax times,
 *   then FieldproofError `store_contended`. So `work` may run more than once and must have no
 *   effect outside the transaction. Under SERIALIZABLE, when `work` throws (a refusal), its writes
 *   are rolled back to a savepoint and the read-only remainder is still committed, so the refusal
 *   rests on reads that PostgreSQL validated (SSI only vouches for the reads of a transaction that
 *   commits); under READ COMMITTED the refusal rests on rows `work` locked, and all is rolled back.
 */
export async function runSerialisable<T>(
  db: Kysely<FinanceDatabase>,
  dialect: FinanceStoreDialect,
  isolation: PostgresIsolation,
  work: (tx: Transaction<FinanceDatabase>) => Promise<T>,
): Promise<T> {
  if (dialect === 'sqlite') return db.transaction().execute(work);
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (isolation === 'read committed') return await db.transaction().execute(work);
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
      if (attempt >= transactionAttemptsMax) {
        throw new FieldproofError(
          'store_contended',
          `a finance transaction met concurrent writers ${attempt} times in a row; retry shortly`,
          { attempts: attempt },
        );
      }
      // Exponential, jittered pause (capped at 200 ms) so that the transactions that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, randomInt(Math.min(200, 2 ** attempt) + 1)));
    }
  }
}
