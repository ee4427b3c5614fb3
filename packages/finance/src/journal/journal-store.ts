import type { Account, Transfer } from './journal-types.ts';

/**
 * The reads and writes of one journal transaction. Every write made through it commits with the
 * transaction or not at all. The cloud implements it on SQLite (better-sqlite3, one immediate
 * transaction) and PostgreSQL (SERIALIZABLE, or SELECT … FOR UPDATE on the accounts read).
 */
export interface JournalTransaction {
  /** The account with this id, or undefined. */
  getAccount(accountId: string): Promise<Account | undefined>;
  /** Insert or replace an account (balances included). */
  putAccount(account: Account): Promise<void>;
  /** The transfer with this id, or undefined. */
  getTransfer(transferId: string): Promise<Transfer | undefined>;
  /** Insert or replace a transfer (a pending transfer's status changes when it is posted, voided or expired). */
  putTransfer(transfer: Transfer): Promise<void>;
  /** Pending transfers still `pending` whose expiresAtMs ≤ nowMs, oldest expiry first, at most `limit`. */
  listExpiredPendingTransfers(nowMs: number, limit: number): Promise<Transfer[]>;
  /** Every account of a currency, in accountId order (for the balance check and audits). */
  listAccounts(currency: string): Promise<Account[]>;
}

/** Where the journal keeps its accounts and transfers; the cloud supplies it, finance ships an in-memory one. */
export interface JournalStore {
  /**
   * Run `work` as one serialisable transaction: if it resolves, all its writes commit; if it
   * throws, none do and the error propagates. Transactions never interleave their writes.
   */
  transact<T>(work: (transaction: JournalTransaction) => Promise<T>): Promise<T>;
}
