import { JournalError } from './journal-error.ts';
import type { JournalStore } from './journal-store.ts';
import {
  type Account,
  type AccountCode,
  type AccountFlags,
  accountCodes,
  CurrencySchema,
  JournalIdSchema,
} from './journal-types.ts';

/** What createAccount needs. */
export interface CreateAccountDependencies {
  /** Where accounts are kept. */
  journalStore: JournalStore;
}

/** The account to open. */
export interface CreateAccountParameters {
  /** Caller-supplied id; opening the same account again is a no-op. */
  accountId: string;
  /** Its currency (ISO 4217). */
  currency: string;
  /** What it is in the chart of accounts. */
  code: AccountCode;
  /** Balance limits; both off when absent. */
  flags?: Partial<AccountFlags>;
  /** Free reference (owner organisation, loan id); empty when absent. */
  reference?: string;
  /** When it is opened, UTC ms. */
  nowMs: number;
}

/** The account and whether this call opened it. */
export interface CreateAccountResult {
  /** `created` now, or `exists` from an earlier identical call. */
  status: 'created' | 'exists';
  /** The account as stored. */
  account: Account;
}

/**
 * Open an account with zero balances. Idempotent: the same id with the same currency, code, flags
 * and reference returns `exists`; with any of them different it is refused `account_id_conflict`.
 * Throws JournalError `id_invalid`, `currency_invalid`, `account_code_invalid`, `account_flags_invalid`.
 */
export async function createAccount(
  dependencies: CreateAccountDependencies,
  parameters: CreateAccountParameters,
): Promise<CreateAccountResult> {
  const { accountId, currency, code } = parameters;
  if (!JournalIdSchema.safeParse(accountId).success) {
    throw new JournalError('id_invalid', `account id ${JSON.stringify(accountId)} is not a valid id`);
  }
  if (!CurrencySchema.safeParse(currency).success) {
    throw new JournalError('currency_invalid', `currency ${JSON.stringify(currency)} is not an ISO 4217 code`);
  }
  if (!accountCodes.includes(code)) {
    throw new JournalError(
      'account_code_invalid',
      `account code ${JSON.stringify(code)} is not one of ${accountCodes.join(', ')}`,
    );
  }
  const flags: AccountFlags = {
    debitsMustNotExceedCredits: parameters.flags?.debitsMustNotExceedCredits ?? false,
    creditsMustNotExceedDebits: parameters.flags?.creditsMustNotExceedDebits ?? false,
  };
  if (flags.debitsMustNotExceedCredits && flags.creditsMustNotExceedDebits) {
    throw new JournalError('account_flags_invalid', 'an account cannot limit both its debits and its credits');
  }
  const reference = parameters.reference ?? '';
  return dependencies.journalStore.transact(async (transaction) => {
    const existing = await transaction.getAccount(accountId);
    if (existing) {
      const same =
        existing.currency === currency &&
        existing.code === code &&
        existing.reference === reference &&
        existing.flags.debitsMustNotExceedCredits === flags.debitsMustNotExceedCredits &&
        existing.flags.creditsMustNotExceedDebits === flags.creditsMustNotExceedDebits;
      if (!same) {
        throw new JournalError('account_id_conflict', `account ${accountId} exists with different fields`, {
          accountId,
        });
      }
      return { status: 'exists' as const, account: existing };
    }
    const account: Account = {
      accountId,
      currency,
      code,
      flags,
      reference,
      createdAtMs: parameters.nowMs,
      debitsPendingMinor: 0n,
      debitsPostedMinor: 0n,
      creditsPendingMinor: 0n,
      creditsPostedMinor: 0n,
    };
    await transaction.putAccount(account);
    return { status: 'created' as const, account };
  });
}
