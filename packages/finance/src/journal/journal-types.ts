import * as z from 'zod';

/** Largest amount or balance, in minor units: the largest signed 64-bit integer, so SQL stores can hold it. */
export const amountMinorMax = 2n ** 63n - 1n;

/** Most transfers in one createTransfers call (TigerBeetle's batch size). */
export const transfersPerBatchMax = 8_190;

/** Longest pending timeout: 400 days in ms. */
export const pendingTimeoutMsMax = 400 * 86_400_000;

/** Account and transfer ids: the same alphabet as protocol's IdSchema. */
export const JournalIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);

/** An ISO 4217 currency code: one ledger per currency; transfers never cross currencies. */
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/);

/** What an account is in the chart of accounts. */
export type AccountCode = 'asset' | 'liability' | 'equity' | 'income' | 'expense';
/** All account codes. */
export const accountCodes: readonly AccountCode[] = ['asset', 'liability', 'equity', 'income', 'expense'];

/** Balance limits of an account (TigerBeetle's account flags). */
export interface AccountFlags {
  /** Refuse a debit that makes posted plus pending debits exceed posted credits (a deposit that cannot go overdrawn). */
  debitsMustNotExceedCredits: boolean;
  /** Refuse a credit that makes posted plus pending credits exceed posted debits. */
  creditsMustNotExceedDebits: boolean;
}

/** An account on the journal with its four balances, all bigint minor units, never negative. */
export interface Account {
  /** Caller-supplied id. */
  accountId: string;
  /** Its currency (the ledger); every transfer on it is in this currency. */
  currency: string;
  /** What it is in the chart of accounts. */
  code: AccountCode;
  /** Balance limits. */
  flags: AccountFlags;
  /** Free reference for the owner (an organisation id, a loan id), or empty. */
  reference: string;
  /** When it was created, UTC ms. */
  createdAtMs: number;
  /** Sum of pending (reserved, not yet posted) debits. */
  debitsPendingMinor: bigint;
  /** Sum of posted debits. */
  debitsPostedMinor: bigint;
  /** Sum of pending credits. */
  creditsPendingMinor: bigint;
  /** Sum of posted credits. */
  creditsPostedMinor: bigint;
}

/** What a transfer does. */
export type TransferKind = 'single' | 'pending' | 'post' | 'void';

/** Where a pending transfer stands. */
export type PendingStatus = 'pending' | 'posted' | 'voided' | 'expired';

/** A transfer as the caller asks for it. */
export interface TransferRequest {
  /** Caller-supplied id: repeating a request with the same id and fields is a no-op. */
  transferId: string;
  /** single-phase, pending (reserve), post or void of a pending transfer. */
  kind: TransferKind;
  /** The account debited. Optional for post and void (taken from the pending transfer; must match if given). */
  debitAccountId?: string;
  /** The account credited. Optional for post and void, as above. */
  creditAccountId?: string;
  /** Amount in minor units. Post: absent means the whole pending amount. Void: absent or the pending amount. */
  amountMinor?: bigint;
  /** Currency; optional for post and void (must match if given). */
  currency?: string;
  /** The pending transfer a post or void closes. */
  pendingId?: string;
  /** A pending transfer's timeout from its creation, ms; 0 or absent is no timeout. */
  timeoutMs?: number;
  /** Why money moved, dotted (`loan.disbursement`, `loan.repayment.principal`), or empty. */
  purpose?: string;
  /** Free reference (a loan id, a claim id), or empty. */
  reference?: string;
  /** Succeed or fail together with the next transfer of the batch (TigerBeetle's linked flag). */
  linked?: boolean;
}

/** A transfer as stored: resolved accounts, amount and currency. */
export interface Transfer {
  /** Caller-supplied id. */
  transferId: string;
  /** What it does. */
  kind: TransferKind;
  /** The account debited. */
  debitAccountId: string;
  /** The account credited. */
  creditAccountId: string;
  /** Amount moved (single, post), reserved (pending) or released (void), minor units. */
  amountMinor: bigint;
  /** Currency. */
  currency: string;
  /** The pending transfer a post or void closed, or empty. */
  pendingId: string;
  /** Pending only: the timeout given, ms (0 = none). */
  timeoutMs: number;
  /** Pending only: when it expires, UTC ms, or null for never. */
  expiresAtMs: number | null;
  /** Pending only: where it stands; null for other kinds. */
  pendingStatus: PendingStatus | null;
  /** Why money moved. */
  purpose: string;
  /** Free reference. */
  reference: string;
  /** When it was created, UTC ms. */
  createdAtMs: number;
  /** Canonical text of the request, compared on a replay to tell "exists" from "transfer_id_conflict". */
  requestFingerprint: string;
}
