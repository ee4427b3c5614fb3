import type { JournalStore } from './journal-store.ts';

/** What checkJournalBalance needs. */
export interface CheckJournalBalanceDependencies {
  /** Where accounts are kept. */
  journalStore: JournalStore;
}

/** Which ledger to check. */
export interface CheckJournalBalanceParameters {
  /** The currency (one ledger per currency). */
  currency: string;
}

/** The ledger's totals. */
export interface CheckJournalBalanceResult {
  /** Sum of posted debits over every account of the currency. */
  debitsPostedMinor: bigint;
  /** Sum of posted credits. */
  creditsPostedMinor: bigint;
  /** Sum of pending debits. */
  debitsPendingMinor: bigint;
  /** Sum of pending credits. */
  creditsPendingMinor: bigint;
  /** Posted debits equal posted credits and pending debits equal pending credits, and no balance is negative. */
  balanced: boolean;
}

/**
 * Sum every account of one currency, for audits and tests: a double-entry ledger is balanced when
 * total debits equal total credits, pending and posted each. Reads only.
 */
export async function checkJournalBalance(
  dependencies: CheckJournalBalanceDependencies,
  parameters: CheckJournalBalanceParameters,
): Promise<CheckJournalBalanceResult> {
  const accounts = await dependencies.journalStore.transact((transaction) =>
    transaction.listAccounts(parameters.currency),
  );
  let debitsPostedMinor = 0n;
  let creditsPostedMinor = 0n;
  let debitsPendingMinor = 0n;
  let creditsPendingMinor = 0n;
  let nonNegative = true;
  for (const account of accounts) {
    debitsPostedMinor += account.debitsPostedMinor;
    creditsPostedMinor += account.creditsPostedMinor;
    debitsPendingMinor += account.debitsPendingMinor;
    creditsPendingMinor += account.creditsPendingMinor;
    nonNegative &&=
      account.debitsPostedMinor >= 0n &&
      account.creditsPostedMinor >= 0n &&
      account.debitsPendingMinor >= 0n &&
      account.creditsPendingMinor >= 0n;
  }
  return {
    debitsPostedMinor,
    creditsPostedMinor,
    debitsPendingMinor,
    creditsPendingMinor,
    balanced: nonNegative && debitsPostedMinor === creditsPostedMinor && debitsPendingMinor === creditsPendingMinor,
  };
}
