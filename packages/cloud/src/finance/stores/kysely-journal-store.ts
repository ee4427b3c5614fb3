import type {
  Account,
  AccountCode,
  JournalStore,
  JournalTransaction,
  PendingStatus,
  Transfer,
  TransferKind,
} from '@fieldproof/finance';
import { assert } from '@fieldproof/protocol';
import { type Kysely, sql, type Transaction } from 'kysely';
import { bigintText, parseBigint } from './finance-codec.ts';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';
import { runSerialisable } from './run-serialisable.ts';

const accountColumns = [
  'account_id',
  'currency',
  'code',
  'debits_must_not_exceed_credits',
  'credits_must_not_exceed_debits',
  'reference',
  'created_at_ms',
  bigintText('debits_pending_minor').as('debits_pending_minor'),
  bigintText('debits_posted_minor').as('debits_posted_minor'),
  bigintText('credits_pending_minor').as('credits_pending_minor'),
  bigintText('credits_posted_minor').as('credits_posted_minor'),
] as const;

const transferColumns = [
  'transfer_id',
  'kind',
  'debit_account_id',
  'credit_account_id',
  bigintText('amount_minor').as('amount_minor'),
  'currency',
  'pending_id',
  'timeout_ms',
  'expires_at_ms',
  'pending_status',
  'purpose',
  'reference',
  'created_at_ms',
  'request_fingerprint',
] as const;

type AccountRow = FinanceDatabase['finance_account'];
type TransferRow = FinanceDatabase['finance_transfer'];

function accountFromRow(row: AccountRow): Account {
  return {
    accountId: row.account_id,
    currency: row.currency,
    code: row.code as AccountCode,
    flags: {
      debitsMustNotExceedCredits: row.debits_must_not_exceed_credits === 1,
      creditsMustNotExceedDebits: row.credits_must_not_exceed_debits === 1,
    },
    reference: row.reference,
    createdAtMs: Number(row.created_at_ms),
    debitsPendingMinor: parseBigint(row.debits_pending_minor),
    debitsPostedMinor: parseBigint(row.debits_posted_minor),
    creditsPendingMinor: parseBigint(row.credits_pending_minor),
    creditsPostedMinor: parseBigint(row.credits_posted_minor),
  };
}

function accountToRow(account: Account): AccountRow {
  return {
    account_id: account.accountId,
    currency: account.currency,
    code: account.code,
    debits_must_not_exceed_credits: account.flags.debitsMustNotExceedCredits ? 1 : 0,
    credits_must_not_exceed_debits: account.flags.creditsMustNotExceedDebits ? 1 : 0,
    reference: account.reference,
    created_at_ms: account.createdAtMs,
    debits_pending_minor: account.debitsPendingMinor.toString(),
    debits_posted_minor: account.debitsPostedMinor.toString(),
    credits_pending_minor: account.creditsPendingMinor.toString(),
    credits_posted_minor: account.creditsPostedMinor.toString(),
  };
}

function transferFromRow(row: TransferRow): Transfer {
  return {
    transferId: row.transfer_id,
    kind: row.kind as TransferKind,
    debitAccountId: row.debit_account_id,
    creditAccountId: row.credit_account_id,
    amountMinor: parseBigint(row.amount_minor),
    currency: row.currency,
    pendingId: row.pending_id,
    timeoutMs: Number(row.timeout_ms),
    expiresAtMs: row.expires_at_ms === null ? null : Number(row.expires_at_ms),
    pendingStatus: row.pending_status as PendingStatus | null,
    purpose: row.purpose,
    reference: row.reference,
    createdAtMs: Number(row.created_at_ms),
    requestFingerprint: row.request_fingerprint,
  };
}

function transferToRow(transfer: Transfer): TransferRow {
  return {
    transfer_id: transfer.transferId,
    kind: transfer.kind,
    debit_account_id: transfer.debitAccountId,
    credit_account_id: transfer.creditAccountId,
    amount_minor: transfer.amountMinor.toString(),
    currency: transfer.currency,
    pending_id: transfer.pendingId,
    timeout_ms: transfer.timeoutMs,
    expires_at_ms: transfer.expiresAtMs,
    pending_status: transfer.pendingStatus,
    purpose: transfer.purpose,
    reference: transfer.reference,
    created_at_ms: transfer.createdAtMs,
    request_fingerprint: transfer.requestFingerprint,
  };
}

const balanceFields = ['debitsPendingMinor', 'creditsPendingMinor', 'debitsPostedMinor', 'creditsPostedMinor'] as const;

/**
 * The journal's accounts and transfers in the cloud store (tables finance_account and
 * finance_transfer). `transact` is serialisable on both backends:
 * - SQLite: transactions run one at a time on the store's one connection.
 * - PostgreSQL: READ COMMITTED with pessimistic locks, so that transactions on one account queue
 *   instead of aborting one another (SERIALIZABLE alone let four writers on two hot accounts abort
 *   each other 16 times in a row). Every account read is `SELECT … FOR UPDATE`; a transfer read
 *   first takes a transaction advisory lock on its id (which also holds for an id not stored yet,
 *   so two creations of one transfer id take turns and the second sees `exists`) and then the row
 *   lock; the expired-pending listing locks the rows it returns. Account locks are waited for only
 *   in ascending id order; one below an id already held is taken with NOWAIT, and if it is busy the
 *   transaction runs again (runSerialisable), so two transfers in opposite directions between the
 *   same accounts never deadlock (a deadlock costs PostgreSQL's deadlock_timeout, 1 s, to detect).
 *   `work` may therefore run more than once.
 * As MemoryJournalStore does, it asserts before every commit that the accounts written moved
 * pending and posted debits exactly as much as credits per currency and that no balance is
 * negative (the tables' CHECKs hold the latter too).
 */
export function createKyselyJournalStore(db: Kysely<FinanceDatabase>, dialect: FinanceStoreDialect): JournalStore {
  return {
    transact(work) {
      // The accounts earlier attempts touched: a retry locks them first, in ascending order, so a
      // transaction that lost a NOWAIT race waits its turn next time instead of losing again.
      let lockFirst = new Set<string>();
      return runSerialisable(db, dialect, 'read committed', async (tx) => {
        const transaction = journalTransaction(tx, dialect === 'postgres');
        try {
          await transaction.lockInOrder([...lockFirst].sort());
          const result = await work(transaction.queries);
          transaction.assertBalanced();
          return result;
        } catch (error) {
          lockFirst = new Set([...lockFirst, ...transaction.touchedAccounts]);
          throw error;
        } finally {
          transaction.close();
        }
      });
    },
  };
}

function journalTransaction(tx: Transaction<FinanceDatabase>, lockRows: boolean) {
  /** Each account as first read in this transaction (undefined: it did not exist). */
  const before = new Map<string, Account | undefined>();
  /** Each account as last written in this transaction. */
  const after = new Map<string, Account>();
  let open = true;
  /** Accounts this transaction has locked (PostgreSQL), and the highest of their ids. */
  const lockedAccounts = new Set<string>();
  let highestLocked: string | undefined;
  /** Every account id this transaction read or wrote. */
  const touchedAccounts = new Set<string>();
  const accountOrUndefined = (row: unknown) => (row ? accountFromRow(row as AccountRow) : undefined);
  const readAccount = async (accountId: string): Promise<Account | undefined> => {
    const query = tx.selectFrom('finance_account').select(accountColumns).where('account_id', '=', accountId);
    if (!lockRows) return accountOrUndefined(await query.executeTakeFirst());
    // Lock in ascending id order, or not wait at all: waiting only for an id above every id held
    // makes a cycle of waits (a deadlock, which PostgreSQL needs deadlock_timeout to see) impossible.
    // A lock below one held is tried with NOWAIT; if it is taken, the transaction runs again.
    touchedAccounts.add(accountId);
    const inOrder = highestLocked === undefined || accountId >= highestLocked || lockedAccounts.has(accountId);
    const row = await (inOrder ? query.forUpdate() : query.forUpdate().noWait()).executeTakeFirst();
    lockedAccounts.add(accountId);
    if (highestLocked === undefined || accountId > highestLocked) highestLocked = accountId;
    return accountOrUndefined(row);
  };
  const queries: JournalTransaction = {
    async getAccount(accountId) {
      assert(open, 'journal transaction used after it ended');
      const account = await readAccount(accountId);
      if (!before.has(accountId) && !after.has(accountId)) before.set(accountId, account);
      return account;
    },
    async putAccount(account) {
      assert(open, 'journal transaction used after it ended');
      if (!before.has(account.accountId) && !after.has(account.accountId)) {
        before.set(account.accountId, await readAccount(account.accountId));
      }
      const isNew = before.get(account.accountId) === undefined && !after.has(account.accountId);
      after.set(account.accountId, { ...account, flags: { ...account.flags } });
      const row = accountToRow(account);
      const { account_id: _id, ...changes } = row;
      if (!isNew) {
        await tx.updateTable('finance_account').set(changes).where('account_id', '=', account.accountId).execute();
        return;
      }
      // No row to lock when it was read: a concurrent creation of the same id may have committed
      // since. Insert only if still absent; otherwise run the transaction again (it then sees it).
      const inserted = await tx
        .insertInto('finance_account')
        .values(row)
        .onConflict((conflict) => conflict.column('account_id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) {
        throw Object.assign(new Error(`account ${account.accountId} was created concurrently`), { code: '40001' });
      }
    },
    async getTransfer(transferId) {
      assert(open, 'journal transaction used after it ended');
      if (lockRows) {
        await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`fieldproof-transfer:${transferId}`}, 0))`.execute(
          tx,
        );
      }
      const query = tx.selectFrom('finance_transfer').select(transferColumns).where('transfer_id', '=', transferId);
      const row = await (lockRows ? query.forUpdate() : query).executeTakeFirst();
      return row && transferFromRow(row as TransferRow);
    },
    async putTransfer(transfer) {
      assert(open, 'journal transaction used after it ended');
      const row = transferToRow(transfer);
      const { transfer_id: _id, ...changes } = row;
      await tx
        .insertInto('finance_transfer')
        .values(row)
        .onConflict((conflict) => conflict.column('transfer_id').doUpdateSet(changes))
        .execute();
    },
    async listExpiredPendingTransfers(nowMs, limit) {
      assert(open, 'journal transaction used after it ended');
      const query = tx
        .selectFrom('finance_transfer')
        .select(transferColumns)
        .where('pending_status', '=', 'pending')
        .where('expires_at_ms', 'is not', null)
        .where('expires_at_ms', '<=', nowMs)
        .orderBy('expires_at_ms')
        .orderBy('transfer_id')
        .limit(limit);
      // Locked, so that a post or void of one of them waits for the expiry and then finds it closed.
      const rows = await (lockRows ? query.forUpdate() : query).execute();
      return rows.map((row) => transferFromRow(row as TransferRow));
    },
    async listAccounts(currency) {
      assert(open, 'journal transaction used after it ended');
      const rows = await tx
        .selectFrom('finance_account')
        .select(accountColumns)
        .where('currency', '=', currency)
        .orderBy('account_id')
        .execute();
      return rows.map((row) => accountFromRow(row as AccountRow));
    },
  };
  return {
    queries,
    touchedAccounts,
    /** Lock these accounts (sorted ids), waiting for each in turn; PostgreSQL only. */
    async lockInOrder(sortedIds: string[]) {
      if (!lockRows || sortedIds.length === 0) return;
      // ORDER BY sorts before the rows are locked, so the locks are taken in id order.
      await tx
        .selectFrom('finance_account')
        .select('account_id')
        .where('account_id', 'in', sortedIds)
        .orderBy('account_id')
        .forUpdate()
        .execute();
      for (const accountId of sortedIds) lockedAccounts.add(accountId);
      highestLocked = sortedIds.at(-1);
    },
    close() {
      open = false;
    },
    /** The writes of this transaction are balanced per currency, and no balance is negative. */
    assertBalanced() {
      const deltas = new Map<string, Record<(typeof balanceFields)[number], bigint>>();
      for (const [accountId, next] of after) {
        const previous = before.get(accountId);
        if (previous) assert(previous.currency === next.currency, `account ${accountId} changed currency`);
        const delta = deltas.get(next.currency) ?? {
          debitsPendingMinor: 0n,
          creditsPendingMinor: 0n,
          debitsPostedMinor: 0n,
          creditsPostedMinor: 0n,
        };
        for (const field of balanceFields) {
          assert(next[field] >= 0n, `account ${accountId} has a negative balance`);
          delta[field] += next[field] - (previous?.[field] ?? 0n);
        }
        deltas.set(next.currency, delta);
      }
      for (const [currency, delta] of deltas) {
        assert(
          delta.debitsPendingMinor === delta.creditsPendingMinor,
          `pending debits and credits of ${currency} moved apart`,
        );
        assert(
          delta.debitsPostedMinor === delta.creditsPostedMinor,
          `posted debits and credits of ${currency} moved apart`,
        );
      }
    },
  };
}
