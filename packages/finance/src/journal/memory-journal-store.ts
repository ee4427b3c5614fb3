import { assert } from '@fieldproof/protocol';
import type { JournalStore, JournalTransaction } from './journal-store.ts';
import type { Account, Transfer } from './journal-types.ts';

/**
 * An in-memory JournalStore for embedded use and tests. Transactions run one at a time (a promise
 * queue); writes are staged and applied on success. On every commit it asserts that the staged
 * account changes are balanced per currency (debits changed as much as credits, pending and posted
 * each) and that no balance is negative: a programmer error crashes rather than lose money.
 */
export class MemoryJournalStore implements JournalStore {
  readonly #accounts = new Map<string, Account>();
  readonly #transfers = new Map<string, Transfer>();
  #queue: Promise<unknown> = Promise.resolve();

  transact<T>(work: (transaction: JournalTransaction) => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => this.#run(work));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Number of transfers stored (for tests). */
  get transferCount(): number {
    return this.#transfers.size;
  }

  async #run<T>(work: (transaction: JournalTransaction) => Promise<T>): Promise<T> {
    const stagedAccounts = new Map<string, Account>();
    const stagedTransfers = new Map<string, Transfer>();
    const accounts = this.#accounts;
    const transfers = this.#transfers;
    let open = true;
    const transaction: JournalTransaction = {
      async getAccount(accountId) {
        assert(open, 'journal transaction used after it ended');
        const account = stagedAccounts.get(accountId) ?? accounts.get(accountId);
        return account && { ...account, flags: { ...account.flags } };
      },
      async putAccount(account) {
        assert(open, 'journal transaction used after it ended');
        stagedAccounts.set(account.accountId, { ...account, flags: { ...account.flags } });
      },
      async getTransfer(transferId) {
        assert(open, 'journal transaction used after it ended');
        const transfer = stagedTransfers.get(transferId) ?? transfers.get(transferId);
        return transfer && { ...transfer };
      },
      async putTransfer(transfer) {
        assert(open, 'journal transaction used after it ended');
        stagedTransfers.set(transfer.transferId, { ...transfer });
      },
      async listExpiredPendingTransfers(nowMs, limit) {
        const merged = new Map([...transfers, ...stagedTransfers]);
        return [...merged.values()]
          .filter((t) => t.pendingStatus === 'pending' && t.expiresAtMs !== null && t.expiresAtMs <= nowMs)
          .sort((a, b) => (a.expiresAtMs ?? 0) - (b.expiresAtMs ?? 0) || (a.transferId < b.transferId ? -1 : 1))
          .slice(0, limit)
          .map((t) => ({ ...t }));
      },
      async listAccounts(currency) {
        const merged = new Map([...accounts, ...stagedAccounts]);
        return [...merged.values()]
          .filter((a) => a.currency === currency)
          .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0))
          .map((a) => ({ ...a, flags: { ...a.flags } }));
      },
    };
    try {
      const result = await work(transaction);
      this.#checkBalanced(stagedAccounts);
      for (const [id, account] of stagedAccounts) accounts.set(id, account);
      for (const [id, transfer] of stagedTransfers) transfers.set(id, transfer);
      return result;
    } finally {
      open = false;
    }
  }

  #checkBalanced(staged: Map<string, Account>): void {
    const deltas = new Map<
      string,
      { debitsPending: bigint; creditsPending: bigint; debitsPosted: bigint; creditsPosted: bigint }
    >();
    for (const [id, next] of staged) {
      for (const value of [
        next.debitsPendingMinor,
        next.debitsPostedMinor,
        next.creditsPendingMinor,
        next.creditsPostedMinor,
      ]) {
        assert(value >= 0n, `account ${id} has a negative balance`);
      }
      const before = this.#accounts.get(id);
      if (before) assert(before.currency === next.currency, `account ${id} changed currency`);
      const delta = deltas.get(next.currency) ?? {
        debitsPending: 0n,
        creditsPending: 0n,
        debitsPosted: 0n,
        creditsPosted: 0n,
      };
      delta.debitsPending += next.debitsPendingMinor - (before?.debitsPendingMinor ?? 0n);
      delta.creditsPending += next.creditsPendingMinor - (before?.creditsPendingMinor ?? 0n);
      delta.debitsPosted += next.debitsPostedMinor - (before?.debitsPostedMinor ?? 0n);
      delta.creditsPosted += next.creditsPostedMinor - (before?.creditsPostedMinor ?? 0n);
      deltas.set(next.currency, delta);
    }
    for (const [currency, delta] of deltas) {
      assert(delta.debitsPending === delta.creditsPending, `pending debits and credits of ${currency} moved apart`);
      assert(delta.debitsPosted === delta.creditsPosted, `posted debits and credits of ${currency} moved apart`);
    }
  }
}
