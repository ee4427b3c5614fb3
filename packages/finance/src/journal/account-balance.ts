import type { Account } from './journal-types.ts';

/**
 * The posted balance of an account on its normal side: debits minus credits for assets and
 * expenses, credits minus debits for liabilities, equity and income. May be negative (a contra
 * position); pending amounts are not included.
 */
export function accountBalance(account: Account): bigint {
  const debitNormal = account.code === 'asset' || account.code === 'expense';
  return debitNormal
    ? account.debitsPostedMinor - account.creditsPostedMinor
    : account.creditsPostedMinor - account.debitsPostedMinor;
}
