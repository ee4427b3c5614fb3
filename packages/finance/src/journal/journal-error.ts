import { CodedError } from '@fieldproof/protocol';

/** Stable codes of journal refusals. A code never changes meaning once released. */
export type JournalErrorCode =
  /** An account or transfer id is not 1–128 of A–Z a–z 0–9 . _ - starting with a letter or digit. */
  | 'id_invalid'
  /** The currency is not three upper-case letters (ISO 4217). */
  | 'currency_invalid'
  /** The account code is not one of asset, liability, equity, income, expense. */
  | 'account_code_invalid'
  /** Both balance-limit flags were set on one account; they cannot both hold on a used account. */
  | 'account_flags_invalid'
  /** An account with this id exists with different fields. */
  | 'account_id_conflict'
  /** The debit or credit account of a transfer does not exist. */
  | 'account_not_found'
  /** The debit and credit accounts of a transfer are the same account. */
  | 'accounts_must_be_different'
  /** The transfer's currency differs from an account's, or a post/void differs from its pending transfer. */
  | 'currency_mismatch'
  /** The amount is zero or negative (or, for a post, more than the pending amount). */
  | 'amount_not_positive'
  /** The amount is above amountMinorMax, or a balance would pass it. */
  | 'amount_too_large'
  /** The debit would make the debit account's debits exceed its credits (debitsMustNotExceedCredits). */
  | 'insufficient_funds'
  /** The credit would make the credit account's credits exceed its debits (creditsMustNotExceedDebits). */
  | 'credit_limit_exceeded'
  /** A transfer with this id was created before with different fields. */
  | 'transfer_id_conflict'
  /** More than one of pending, postPending and voidPending is set. */
  | 'transfer_flags_invalid'
  /** A post or void names no pending transfer, or a pending id on a transfer that is not a post or void. */
  | 'pending_id_invalid'
  /** The pending transfer named by a post or void does not exist. */
  | 'pending_transfer_not_found'
  /** The transfer named by a post or void is not a pending transfer. */
  | 'pending_transfer_not_pending'
  /** The pending transfer was already posted, voided or expired. */
  | 'pending_already_closed'
  /** The pending transfer's timeout has passed; it can only expire. */
  | 'pending_transfer_expired'
  /** A post asks for more than the pending amount, or a void for an amount other than it. */
  | 'pending_amount_mismatch'
  /** A post or void names accounts other than its pending transfer's. */
  | 'pending_accounts_mismatch'
  /** A timeout was given on a transfer that is not pending, or it is negative or too long. */
  | 'timeout_invalid'
  /** Another transfer of the same linked chain was refused, so this one was not applied. */
  | 'linked_event_failed'
  /** The last transfer of a batch has `linked` set: the chain is never closed. */
  | 'linked_event_chain_open'
  /** A single or pending transfer lacks its debit account, credit account, currency or amount. */
  | 'transfer_fields_missing'
  /** A batch holds no transfers or more than transfersPerBatchMax. */
  | 'batch_size_invalid';

/** A journal operation was refused (an operating error: nothing was written). */
export class JournalError extends CodedError<JournalErrorCode> {
  override name = 'JournalError';
}
