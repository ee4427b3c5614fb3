import { assert } from '@fieldproof/protocol';
import { JournalError, type JournalErrorCode } from './journal-error.ts';
import type { JournalStore, JournalTransaction } from './journal-store.ts';
import {
  type Account,
  amountMinorMax,
  CurrencySchema,
  JournalIdSchema,
  pendingTimeoutMsMax,
  type Transfer,
  type TransferRequest,
  transfersPerBatchMax,
} from './journal-types.ts';

/** What createTransfers needs. */
export interface CreateTransfersDependencies {
  /** Where accounts and transfers are kept. */
  journalStore: JournalStore;
}

/** A batch of transfers. */
export interface CreateTransfersParameters {
  /** The transfers, in order; a run of `linked` transfers and the one after it form one chain. */
  transfers: readonly TransferRequest[];
  /** Now, UTC ms: the creation time, and the clock for pending timeouts. */
  nowMs: number;
}

/** The outcome of one transfer of a batch. */
export type TransferResult =
  | {
      /** The transfer's id. */
      transferId: string;
      /** `created` now, or `exists` from an earlier identical request (nothing changed). */
      status: 'created' | 'exists';
      /** The transfer as stored. */
      transfer: Transfer;
    }
  | {
      /** The transfer's id. */
      transferId: string;
      /** Refused: nothing of it (or of its chain) was written. */
      status: 'refused';
      /** Why, as a stable code. */
      code: JournalErrorCode;
      /** A message a user can act on. */
      message: string;
    };

/** One result per transfer, in the order given. */
export interface CreateTransfersResult {
  /** Per-transfer outcomes. */
  results: TransferResult[];
}

/** Thrown inside a chain's transaction to roll it back; carries which transfer failed. */
class ChainRefused extends Error {
  constructor(
    readonly index: number,
    readonly refusal: JournalError,
  ) {
    super(refusal.message);
  }
}

/**
 * Create transfers in the manner of TigerBeetle: single-phase, pending (reserve), post (whole or
 * part) and void. Each chain of linked transfers commits in one store transaction or not at all;
 * unlinked transfers succeed or fail one by one. A refusal is a result with a stable code, never a
 * partial write. Ids are idempotency keys: a replay with the same fields returns `exists` and
 * changes nothing; with different fields it is refused `transfer_id_conflict`.
 * Throws JournalError `batch_size_invalid` for an empty batch or one over transfersPerBatchMax.
 */
export async function createTransfers(
  dependencies: CreateTransfersDependencies,
  parameters: CreateTransfersParameters,
): Promise<CreateTransfersResult> {
  const { transfers, nowMs } = parameters;
  if (transfers.length === 0 || transfers.length > transfersPerBatchMax) {
    throw new JournalError(
      'batch_size_invalid',
      `a batch holds 1 to ${transfersPerBatchMax} transfers, not ${transfers.length}`,
    );
  }
  const results: TransferResult[] = [];
  let start = 0;
  while (start < transfers.length) {
    let end = start;
    while (end < transfers.length - 1 && transfers[end]?.linked) end += 1;
    const chain = transfers.slice(start, end + 1);
    results.push(...(await applyChain(dependencies.journalStore, chain, nowMs)));
    start = end + 1;
  }
  assert(results.length === transfers.length, 'one result per transfer');
  return { results };
}

async function applyChain(
  store: JournalStore,
  chain: readonly TransferRequest[],
  nowMs: number,
): Promise<TransferResult[]> {
  const last = chain[chain.length - 1] as TransferRequest;
  if (last.linked) {
    return chain.map((request, index) =>
      refused(
        request.transferId,
        index === chain.length - 1
          ? new JournalError('linked_event_chain_open', 'the last transfer of the batch is linked to nothing')
          : new JournalError('linked_event_failed', 'another transfer of its linked chain was refused'),
      ),
    );
  }
  try {
    return await store.transact(async (transaction) => {
      const outcomes: TransferResult[] = [];
      for (const [index, request] of chain.entries()) {
        try {
          const outcome = await applyTransfer(transaction, request, nowMs);
          outcomes.push({ transferId: request.transferId, ...outcome });
        } catch (error) {
          if (error instanceof JournalError) throw new ChainRefused(index, error);
          throw error;
        }
      }
      return outcomes;
    });
  } catch (error) {
    if (!(error instanceof ChainRefused)) throw error;
    return chain.map((request, index) =>
      refused(
        request.transferId,
        index === error.index
          ? error.refusal
          : new JournalError(
              'linked_event_failed',
              `transfer ${chain[error.index]?.transferId} of its linked chain was refused (${error.refusal.code})`,
            ),
      ),
    );
  }
}

function refused(transferId: string, error: JournalError): TransferResult {
  return { transferId, status: 'refused', code: error.code, message: error.message };
}

/** The canonical text of a request: a replay must match it exactly. */
function fingerprint(request: TransferRequest): string {
  return JSON.stringify([
    request.kind,
    request.debitAccountId ?? null,
    request.creditAccountId ?? null,
    request.amountMinor === undefined ? null : request.amountMinor.toString(),
    request.currency ?? null,
    request.pendingId ?? null,
    request.timeoutMs ?? 0,
    request.purpose ?? '',
    request.reference ?? '',
    request.linked ?? false,
  ]);
}

async function applyTransfer(
  transaction: JournalTransaction,
  request: TransferRequest,
  nowMs: number,
): Promise<{ status: 'created' | 'exists'; transfer: Transfer }> {
  if (!JournalIdSchema.safeParse(request.transferId).success) {
    throw new JournalError('id_invalid', `transfer id ${JSON.stringify(request.transferId)} is not a valid id`);
  }
  const requestFingerprint = fingerprint(request);
  const existing = await transaction.getTransfer(request.transferId);
  if (existing) {
    if (existing.requestFingerprint !== requestFingerprint) {
      throw new JournalError(
        'transfer_id_conflict',
        `transfer ${request.transferId} was created before with different fields`,
        {
          transferId: request.transferId,
        },
      );
    }
    return { status: 'exists', transfer: existing };
  }
  if (!['single', 'pending', 'post', 'void'].includes(request.kind)) {
    throw new JournalError(
      'transfer_flags_invalid',
      `transfer kind ${JSON.stringify(request.kind)} is not single, pending, post or void`,
    );
  }
  if (request.amountMinor !== undefined && request.amountMinor > amountMinorMax) {
    throw new JournalError('amount_too_large', `amount ${request.amountMinor} is above ${amountMinorMax}`);
  }
  if (request.currency !== undefined && !CurrencySchema.safeParse(request.currency).success) {
    throw new JournalError('currency_invalid', `currency ${JSON.stringify(request.currency)} is not an ISO 4217 code`);
  }
  const common = {
    transferId: request.transferId,
    purpose: request.purpose ?? '',
    reference: request.reference ?? '',
    createdAtMs: nowMs,
    requestFingerprint,
  };
  if (request.kind === 'single' || request.kind === 'pending') {
    return { status: 'created', transfer: await applyNewMovement(transaction, request, nowMs, common) };
  }
  return { status: 'created', transfer: await applyPendingClosure(transaction, request, nowMs, common) };
}

type CommonFields = Pick<Transfer, 'transferId' | 'purpose' | 'reference' | 'createdAtMs' | 'requestFingerprint'>;

async function loadAccounts(
  transaction: JournalTransaction,
  debitAccountId: string,
  creditAccountId: string,
): Promise<[Account, Account]> {
  if (debitAccountId === creditAccountId) {
    throw new JournalError('accounts_must_be_different', `account ${debitAccountId} cannot pay itself`);
  }
  const debit = await transaction.getAccount(debitAccountId);
  if (!debit) {
    throw new JournalError('account_not_found', `debit account ${debitAccountId} does not exist`, {
      accountId: debitAccountId,
    });
  }
  const credit = await transaction.getAccount(creditAccountId);
  if (!credit) {
    throw new JournalError('account_not_found', `credit account ${creditAccountId} does not exist`, {
      accountId: creditAccountId,
    });
  }
  return [debit, credit];
}

async function applyNewMovement(
  transaction: JournalTransaction,
  request: TransferRequest,
  nowMs: number,
  common: CommonFields,
): Promise<Transfer> {
  const { debitAccountId, creditAccountId, amountMinor, currency } = request;
  if (request.pendingId !== undefined) {
    throw new JournalError('pending_id_invalid', 'only a post or a void names a pending transfer');
  }
  const timeoutMs = request.timeoutMs ?? 0;
  if (
    timeoutMs !== 0 &&
    (request.kind !== 'pending' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > pendingTimeoutMsMax)
  ) {
    throw new JournalError(
      'timeout_invalid',
      `a timeout is 0 to ${pendingTimeoutMsMax} ms and only on a pending transfer`,
    );
  }
  if (
    debitAccountId === undefined ||
    creditAccountId === undefined ||
    currency === undefined ||
    amountMinor === undefined
  ) {
    throw new JournalError(
      'transfer_fields_missing',
      'a transfer names its debit account, credit account, currency and amount',
    );
  }
  if (amountMinor <= 0n) throw new JournalError('amount_not_positive', `amount ${amountMinor} is not positive`);
  const [debit, credit] = await loadAccounts(transaction, debitAccountId, creditAccountId);
  if (debit.currency !== currency || credit.currency !== currency) {
    throw new JournalError(
      'currency_mismatch',
      `transfer in ${currency} between ${debit.currency} and ${credit.currency} accounts`,
    );
  }
  if (
    debit.flags.debitsMustNotExceedCredits &&
    debit.debitsPendingMinor + debit.debitsPostedMinor + amountMinor > debit.creditsPostedMinor
  ) {
    throw new JournalError(
      'insufficient_funds',
      `account ${debit.accountId} has too little available for ${amountMinor}`,
      {
        accountId: debit.accountId,
        availableMinor: (debit.creditsPostedMinor - debit.debitsPostedMinor - debit.debitsPendingMinor).toString(),
      },
    );
  }
  if (
    credit.flags.creditsMustNotExceedDebits &&
    credit.creditsPendingMinor + credit.creditsPostedMinor + amountMinor > credit.debitsPostedMinor
  ) {
    throw new JournalError(
      'credit_limit_exceeded',
      `account ${credit.accountId} cannot take a credit of ${amountMinor}`,
      {
        accountId: credit.accountId,
      },
    );
  }
  const pending = request.kind === 'pending';
  const nextDebit = pending
    ? { ...debit, debitsPendingMinor: debit.debitsPendingMinor + amountMinor }
    : { ...debit, debitsPostedMinor: debit.debitsPostedMinor + amountMinor };
  const nextCredit = pending
    ? { ...credit, creditsPendingMinor: credit.creditsPendingMinor + amountMinor }
    : { ...credit, creditsPostedMinor: credit.creditsPostedMinor + amountMinor };
  for (const account of [nextDebit, nextCredit]) {
    if (
      account.debitsPendingMinor + account.debitsPostedMinor > amountMinorMax ||
      account.creditsPendingMinor + account.creditsPostedMinor > amountMinorMax
    ) {
      throw new JournalError('amount_too_large', `account ${account.accountId} would pass ${amountMinorMax}`);
    }
  }
  checkEntryBalanced(debit, nextDebit, credit, nextCredit);
  await transaction.putAccount(nextDebit);
  await transaction.putAccount(nextCredit);
  const transfer: Transfer = {
    ...common,
    kind: request.kind,
    debitAccountId,
    creditAccountId,
    amountMinor,
    currency,
    pendingId: '',
    timeoutMs,
    expiresAtMs: pending && timeoutMs > 0 ? nowMs + timeoutMs : null,
    pendingStatus: pending ? 'pending' : null,
  };
  await transaction.putTransfer(transfer);
  return transfer;
}

async function applyPendingClosure(
  transaction: JournalTransaction,
  request: TransferRequest,
  nowMs: number,
  common: CommonFields,
): Promise<Transfer> {
  if (request.pendingId === undefined) {
    throw new JournalError('pending_id_invalid', `a ${request.kind} names the pending transfer it closes`);
  }
  if ((request.timeoutMs ?? 0) !== 0) {
    throw new JournalError('timeout_invalid', `a ${request.kind} takes no timeout`);
  }
  const pending = await transaction.getTransfer(request.pendingId);
  if (!pending) {
    throw new JournalError('pending_transfer_not_found', `pending transfer ${request.pendingId} does not exist`);
  }
  if (pending.kind !== 'pending' || pending.pendingStatus === null) {
    throw new JournalError('pending_transfer_not_pending', `transfer ${request.pendingId} is not a pending transfer`);
  }
  if (pending.pendingStatus !== 'pending') {
    throw new JournalError(
      'pending_already_closed',
      `pending transfer ${request.pendingId} is already ${pending.pendingStatus}`,
      {
        pendingStatus: pending.pendingStatus,
      },
    );
  }
  if (pending.expiresAtMs !== null && pending.expiresAtMs <= nowMs) {
    throw new JournalError(
      'pending_transfer_expired',
      `pending transfer ${request.pendingId} expired at ${pending.expiresAtMs}`,
    );
  }
  if (
    (request.debitAccountId !== undefined && request.debitAccountId !== pending.debitAccountId) ||
    (request.creditAccountId !== undefined && request.creditAccountId !== pending.creditAccountId)
  ) {
    throw new JournalError(
      'pending_accounts_mismatch',
      `the ${request.kind} names other accounts than pending transfer ${pending.transferId}`,
    );
  }
  if (request.currency !== undefined && request.currency !== pending.currency) {
    throw new JournalError(
      'currency_mismatch',
      `the ${request.kind} is in ${request.currency}, the pending transfer in ${pending.currency}`,
    );
  }
  let amountMinor = pending.amountMinor;
  if (request.amountMinor !== undefined) {
    if (request.kind === 'post' && request.amountMinor <= 0n) {
      throw new JournalError('amount_not_positive', `a post of ${request.amountMinor} is not positive`);
    }
    const allowed =
      request.kind === 'post'
        ? request.amountMinor <= pending.amountMinor
        : request.amountMinor === pending.amountMinor;
    if (!allowed) {
      throw new JournalError(
        'pending_amount_mismatch',
        `a ${request.kind} of ${request.amountMinor} does not fit pending amount ${pending.amountMinor}`,
      );
    }
    amountMinor = request.amountMinor;
  }
  const [debit, credit] = await loadAccounts(transaction, pending.debitAccountId, pending.creditAccountId);
  const posted = request.kind === 'post' ? amountMinor : 0n;
  const nextDebit = {
    ...debit,
    debitsPendingMinor: debit.debitsPendingMinor - pending.amountMinor,
    debitsPostedMinor: debit.debitsPostedMinor + posted,
  };
  const nextCredit = {
    ...credit,
    creditsPendingMinor: credit.creditsPendingMinor - pending.amountMinor,
    creditsPostedMinor: credit.creditsPostedMinor + posted,
  };
  assert(
    nextDebit.debitsPendingMinor >= 0n && nextCredit.creditsPendingMinor >= 0n,
    'pending amounts never go negative',
  );
  checkEntryBalanced(debit, nextDebit, credit, nextCredit);
  await transaction.putAccount(nextDebit);
  await transaction.putAccount(nextCredit);
  await transaction.putTransfer({ ...pending, pendingStatus: request.kind === 'post' ? 'posted' : 'voided' });
  const transfer: Transfer = {
    ...common,
    kind: request.kind,
    debitAccountId: pending.debitAccountId,
    creditAccountId: pending.creditAccountId,
    amountMinor,
    currency: pending.currency,
    pendingId: pending.transferId,
    timeoutMs: 0,
    expiresAtMs: null,
    pendingStatus: null,
  };
  await transaction.putTransfer(transfer);
  return transfer;
}

/** The debit side of one entry moved exactly as much as the credit side, pending and posted each. */
function checkEntryBalanced(debit: Account, nextDebit: Account, credit: Account, nextCredit: Account): void {
  assert(
    nextDebit.debitsPendingMinor - debit.debitsPendingMinor ===
      nextCredit.creditsPendingMinor - credit.creditsPendingMinor,
    'a journal entry moves pending debits and credits by the same amount',
  );
  assert(
    nextDebit.debitsPostedMinor - debit.debitsPostedMinor === nextCredit.creditsPostedMinor - credit.creditsPostedMinor,
    'a journal entry moves posted debits and credits by the same amount',
  );
}
