import { assert } from '@fieldproof/protocol';
import type { JournalStore } from './journal-store.ts';

/** Most pending transfers expired in one call. */
export const expiriesPerCallMax = 8_190;

/** What expirePendingTransfers needs. */
export interface ExpirePendingTransfersDependencies {
  /** Where accounts and transfers are kept. */
  journalStore: JournalStore;
}

/** Which pending transfers to expire. */
export interface ExpirePendingTransfersParameters {
  /** Now, UTC ms: every pending transfer with expiresAtMs ≤ nowMs expires. */
  nowMs: number;
  /** Most to expire in this call (≤ expiriesPerCallMax); the rest wait for the next call. */
  limit?: number;
}

/** What was expired. */
export interface ExpirePendingTransfersResult {
  /** Ids of the pending transfers expired, oldest expiry first. */
  expiredTransferIds: string[];
}

/**
 * Release the reservations of timed-out pending transfers (TigerBeetle expires them on its own
 * clock; here the host calls this on a timer, e.g. every second). Each expiry returns the pending
 * amounts of both accounts and marks the transfer `expired`; a later post or void of it is refused
 * `pending_already_closed`. All expiries of one call commit together.
 */
export async function expirePendingTransfers(
  dependencies: ExpirePendingTransfersDependencies,
  parameters: ExpirePendingTransfersParameters,
): Promise<ExpirePendingTransfersResult> {
  const limit = Math.min(parameters.limit ?? expiriesPerCallMax, expiriesPerCallMax);
  return dependencies.journalStore.transact(async (transaction) => {
    const expired = await transaction.listExpiredPendingTransfers(parameters.nowMs, limit);
    for (const pending of expired) {
      assert(pending.pendingStatus === 'pending', 'only open pending transfers expire');
      const debit = await transaction.getAccount(pending.debitAccountId);
      const credit = await transaction.getAccount(pending.creditAccountId);
      assert(debit && credit, `accounts of pending transfer ${pending.transferId} exist`);
      const nextDebit = { ...debit, debitsPendingMinor: debit.debitsPendingMinor - pending.amountMinor };
      const nextCredit = { ...credit, creditsPendingMinor: credit.creditsPendingMinor - pending.amountMinor };
      assert(
        nextDebit.debitsPendingMinor >= 0n && nextCredit.creditsPendingMinor >= 0n,
        'pending amounts never go negative',
      );
      await transaction.putAccount(nextDebit);
      await transaction.putAccount(nextCredit);
      await transaction.putTransfer({ ...pending, pendingStatus: 'expired' });
    }
    return { expiredTransferIds: expired.map((transfer) => transfer.transferId) };
  });
}
