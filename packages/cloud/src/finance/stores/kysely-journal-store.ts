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
import type { Kysely, Transaction } from 'kysely';
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
 * finance_transfer). `transact` is serialisable on both backends (see runSerialisable): on
 * PostgreSQL `work` may run more than once. As MemoryJournalStore does, it asserts before every
 * commit that the accounts written moved pending and posted debits exactly as much as credits per
 * currency and that no balance is negative (the tables' CHECKs hold the latter too).
 */
export function createKyselyJournalStore(db: Kysely<FinanceDatabase>, dialect: FinanceStoreDialect): JournalStore {
  return {
    transact(work) {
      return runSerialisable(db, dialect, async (tx) => {
        const transaction = journalTransaction(tx);
        try {
          const result = await work(transaction.queries);
          transaction.assertBalanced();
          return result;
        } finally {
          transaction.close();
        }
      });
    },
  };
}

function journalTransaction(tx: Transaction<FinanceDatabase>) {
  /** Each account as first read in this transaction (undefined: it did not exist). */
  const before = new Map<string, Account | undefined>();
  /** Each account as last written in this transaction. */
  const after = new Map<string, Account>();
  let open = true;
  const readAccount = async (accountId: string): Promise<Account | undefined> => {
    const row = await tx
      .selectFrom('finance_account')
      .select(accountColumns)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row && accountFromRow(row as AccountRow);
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
      after.set(account.accountId, { ...account, flags: { ...account.flags } });
      const row = accountToRow(account);
      const { account_id: _id, ...changes } = row;
      await tx
        .insertInto('finance_account')
        .values(row)
        .onConflict((conflict) => conflict.column('account_id').doUpdateSet(changes))
        .execute();
    },
    async getTransfer(transferId) {
      assert(open, 'journal transaction used after it ended');
      const row = await tx
        .selectFrom('finance_transfer')
        .select(transferColumns)
        .where('transfer_id', '=', transferId)
        .executeTakeFirst();
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
      const rows = await tx
        .selectFrom('finance_transfer')
        .select(transferColumns)
        .where('pending_status', '=', 'pending')
        .where('expires_at_ms', 'is not', null)
        .where('expires_at_ms', '<=', nowMs)
        .orderBy('expires_at_ms')
        .orderBy('transfer_id')
        .limit(limit)
        .execute();
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
