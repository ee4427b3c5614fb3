import { JournalError } from './journal-error.ts';
import type { JournalStore } from './journal-store.ts';
import type { Account } from './journal-types.ts';

/** What lookupAccount needs. */
export interface LookupAccountDependencies {
  /** Where accounts are kept. */
  journalStore: JournalStore;
}

/** Which account. */
export interface LookupAccountParameters {
  /** Its id. */
  accountId: string;
}

/** The account with its balances. */
export type LookupAccountResult = Account;

/** Read one account. Throws JournalError `account_not_found`. */
export async function lookupAccount(
  dependencies: LookupAccountDependencies,
  parameters: LookupAccountParameters,
): Promise<LookupAccountResult> {
  const account = await dependencies.journalStore.transact((transaction) =>
    transaction.getAccount(parameters.accountId),
  );
  if (!account) {
    throw new JournalError('account_not_found', `account ${parameters.accountId} does not exist`, {
      accountId: parameters.accountId,
    });
  }
  return account;
}
