import type { JournalStore } from './journal-store.ts';
import type { Transfer } from './journal-types.ts';

/** What lookupTransfer needs. */
export interface LookupTransferDependencies {
  /** Where transfers are kept. */
  journalStore: JournalStore;
}

/** Which transfer. */
export interface LookupTransferParameters {
  /** Its id. */
  transferId: string;
}

/** The transfer, or undefined when none has that id. */
export type LookupTransferResult = Transfer | undefined;

/** Read one transfer (a pending transfer shows its current pendingStatus). */
export async function lookupTransfer(
  dependencies: LookupTransferDependencies,
  parameters: LookupTransferParameters,
): Promise<LookupTransferResult> {
  return dependencies.journalStore.transact((transaction) => transaction.getTransfer(parameters.transferId));
}
