import { describe, expect, it } from 'vitest';
import { checkJournalBalance } from './check-journal-balance.ts';
import { createAccount } from './create-account.ts';
import { createTransfers, type TransferResult } from './create-transfers.ts';
import { expirePendingTransfers } from './expire-pending-transfers.ts';
import { JournalError } from './journal-error.ts';
import type { TransferRequest } from './journal-types.ts';
import { lookupAccount } from './lookup-account.ts';
import { lookupTransfer } from './lookup-transfer.ts';
import { MemoryJournalStore } from './memory-journal-store.ts';

const nowMs = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/** A bank (asset, may go either way), a borrower deposit that cannot go overdrawn, and a USD account. */
async function setUp() {
  const journalStore = new MemoryJournalStore();
  const deps = { journalStore };
  await createAccount(deps, { accountId: 'bank', currency: 'CNY', code: 'asset', nowMs });
  await createAccount(deps, {
    accountId: 'deposit',
    currency: 'CNY',
    code: 'liability',
    flags: { debitsMustNotExceedCredits: true },
    nowMs,
  });
  await createAccount(deps, { accountId: 'other', currency: 'CNY', code: 'liability', nowMs });
  await createAccount(deps, { accountId: 'usd', currency: 'USD', code: 'asset', nowMs });
  return deps;
}

async function one(
  deps: { journalStore: MemoryJournalStore },
  request: TransferRequest,
  at = nowMs,
): Promise<TransferResult> {
  const { results } = await createTransfers(deps, { transfers: [request], nowMs: at });
  return results[0] as TransferResult;
}

function code(result: TransferResult): string {
  return result.status === 'refused' ? result.code : result.status;
}

const fund = (amountMinor: bigint, transferId = 'fund'): TransferRequest => ({
  transferId,
  kind: 'single',
  debitAccountId: 'bank',
  creditAccountId: 'deposit',
  amountMinor,
  currency: 'CNY',
});

describe('createAccount', () => {
  it('is idempotent and refuses the same id with other fields', async () => {
    const deps = await setUp();
    const again = await createAccount(deps, { accountId: 'bank', currency: 'CNY', code: 'asset', nowMs: nowMs + 5 });
    expect(again.status).toBe('exists');
    expect(again.account.createdAtMs).toBe(nowMs);
    await expect(
      createAccount(deps, { accountId: 'bank', currency: 'CNY', code: 'liability', nowMs }),
    ).rejects.toMatchObject({
      code: 'account_id_conflict',
    });
  });
  it('refuses a bad currency, a bad id and both limit flags', async () => {
    const deps = { journalStore: new MemoryJournalStore() };
    await expect(createAccount(deps, { accountId: 'a', currency: 'cny', code: 'asset', nowMs })).rejects.toMatchObject({
      code: 'currency_invalid',
    });
    await expect(createAccount(deps, { accountId: '-a', currency: 'CNY', code: 'asset', nowMs })).rejects.toMatchObject(
      {
        code: 'id_invalid',
      },
    );
    await expect(
      createAccount(deps, {
        accountId: 'a',
        currency: 'CNY',
        code: 'asset',
        flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: true },
        nowMs,
      }),
    ).rejects.toBeInstanceOf(JournalError);
  });
});

describe('single-phase transfers', () => {
  it('moves money and balances both sides', async () => {
    const deps = await setUp();
    expect(code(await one(deps, fund(100_000n)))).toBe('created');
    const bank = await lookupAccount(deps, { accountId: 'bank' });
    const deposit = await lookupAccount(deps, { accountId: 'deposit' });
    expect(bank.debitsPostedMinor).toBe(100_000n);
    expect(deposit.creditsPostedMinor).toBe(100_000n);
    expect((await checkJournalBalance(deps, { currency: 'CNY' })).balanced).toBe(true);
  });

  it('is idempotent by id: a replay changes nothing, other fields are a conflict', async () => {
    const deps = await setUp();
    await one(deps, fund(100_000n));
    expect(code(await one(deps, fund(100_000n), nowMs + 1000))).toBe('exists');
    expect(code(await one(deps, fund(100_001n)))).toBe('transfer_id_conflict');
    expect((await lookupAccount(deps, { accountId: 'deposit' })).creditsPostedMinor).toBe(100_000n);
    expect(deps.journalStore.transferCount).toBe(1);
  });

  it('refuses each bad transfer with its code and writes nothing', async () => {
    const deps = await setUp();
    await one(deps, fund(500n));
    const base = { transferId: 't', kind: 'single' as const, currency: 'CNY' };
    const cases: [TransferRequest, string][] = [
      [{ ...base, debitAccountId: 'nobody', creditAccountId: 'bank', amountMinor: 1n }, 'account_not_found'],
      [{ ...base, debitAccountId: 'bank', creditAccountId: 'nobody', amountMinor: 1n }, 'account_not_found'],
      [{ ...base, debitAccountId: 'bank', creditAccountId: 'bank', amountMinor: 1n }, 'accounts_must_be_different'],
      [{ ...base, debitAccountId: 'bank', creditAccountId: 'usd', amountMinor: 1n }, 'currency_mismatch'],
      [{ ...base, debitAccountId: 'bank', creditAccountId: 'other', amountMinor: 0n }, 'amount_not_positive'],
      [{ ...base, debitAccountId: 'bank', creditAccountId: 'other', amountMinor: -5n }, 'amount_not_positive'],
      [{ ...base, debitAccountId: 'bank', creditAccountId: 'other', amountMinor: 2n ** 63n }, 'amount_too_large'],
      // The deposit holds 500 credits; 501 of debits would overdraw it.
      [{ ...base, debitAccountId: 'deposit', creditAccountId: 'other', amountMinor: 501n }, 'insufficient_funds'],
      [
        { ...base, debitAccountId: 'bank', creditAccountId: 'other', amountMinor: 1n, pendingId: 'x' },
        'pending_id_invalid',
      ],
      [{ ...base, debitAccountId: 'bank', creditAccountId: 'other', amountMinor: 1n, timeoutMs: 5 }, 'timeout_invalid'],
      [{ ...base, creditAccountId: 'other', amountMinor: 1n }, 'transfer_fields_missing'],
    ];
    for (const [request, expected] of cases) expect(code(await one(deps, request)), expected).toBe(expected);
    expect(deps.journalStore.transferCount).toBe(1);
    expect((await lookupAccount(deps, { accountId: 'deposit' })).creditsPostedMinor).toBe(500n);
    expect((await lookupAccount(deps, { accountId: 'other' })).creditsPostedMinor).toBe(0n);
    // Exactly the balance is allowed: 500 − 500 = 0.
    expect(
      code(await one(deps, { ...base, debitAccountId: 'deposit', creditAccountId: 'other', amountMinor: 500n })),
    ).toBe('created');
  });

  it('refuses a credit past the credits-must-not-exceed-debits limit', async () => {
    const deps = await setUp();
    await createAccount(deps, {
      accountId: 'loan',
      currency: 'CNY',
      code: 'asset',
      flags: { creditsMustNotExceedDebits: true },
      nowMs,
    });
    await one(deps, {
      transferId: 'out',
      kind: 'single',
      debitAccountId: 'loan',
      creditAccountId: 'other',
      amountMinor: 300n,
      currency: 'CNY',
    });
    const repay = (transferId: string, amountMinor: bigint): TransferRequest => ({
      transferId,
      kind: 'single',
      debitAccountId: 'bank',
      creditAccountId: 'loan',
      amountMinor,
      currency: 'CNY',
    });
    expect(code(await one(deps, repay('r1', 301n)))).toBe('credit_limit_exceeded');
    expect(code(await one(deps, repay('r2', 300n)))).toBe('created');
  });
});

describe('two-phase transfers', () => {
  it('reserves, then posts part and releases the rest', async () => {
    const deps = await setUp();
    await one(deps, fund(1_000n));
    const hold: TransferRequest = {
      transferId: 'hold',
      kind: 'pending',
      debitAccountId: 'deposit',
      creditAccountId: 'other',
      amountMinor: 700n,
      currency: 'CNY',
    };
    expect(code(await one(deps, hold))).toBe('created');
    let deposit = await lookupAccount(deps, { accountId: 'deposit' });
    expect(deposit.debitsPendingMinor).toBe(700n);
    // Available = 1,000 credits − 0 posted − 700 pending = 300, so 301 more is refused.
    expect(code(await one(deps, { ...hold, transferId: 'h2', amountMinor: 301n }))).toBe('insufficient_funds');
    expect(code(await one(deps, { transferId: 'post', kind: 'post', pendingId: 'hold', amountMinor: 701n }))).toBe(
      'pending_amount_mismatch',
    );
    expect(code(await one(deps, { transferId: 'post', kind: 'post', pendingId: 'hold', amountMinor: 250n }))).toBe(
      'created',
    );
    deposit = await lookupAccount(deps, { accountId: 'deposit' });
    const other = await lookupAccount(deps, { accountId: 'other' });
    // Posting 250 of 700: 250 moves, 450 returns; pending is 0 on both sides.
    expect([deposit.debitsPendingMinor, deposit.debitsPostedMinor]).toEqual([0n, 250n]);
    expect([other.creditsPendingMinor, other.creditsPostedMinor]).toEqual([0n, 250n]);
    expect((await lookupTransfer(deps, { transferId: 'hold' }))?.pendingStatus).toBe('posted');
    expect(code(await one(deps, { transferId: 'void', kind: 'void', pendingId: 'hold' }))).toBe(
      'pending_already_closed',
    );
    expect(code(await one(deps, { transferId: 'post2', kind: 'post', pendingId: 'hold' }))).toBe(
      'pending_already_closed',
    );
  });

  it('voids a reservation and refuses wrong closures', async () => {
    const deps = await setUp();
    await one(deps, fund(1_000n));
    await one(deps, {
      transferId: 'hold',
      kind: 'pending',
      debitAccountId: 'deposit',
      creditAccountId: 'other',
      amountMinor: 400n,
      currency: 'CNY',
    });
    expect(code(await one(deps, { transferId: 'v', kind: 'void', pendingId: 'nope' }))).toBe(
      'pending_transfer_not_found',
    );
    expect(code(await one(deps, { transferId: 'v', kind: 'void', pendingId: 'fund' }))).toBe(
      'pending_transfer_not_pending',
    );
    expect(code(await one(deps, { transferId: 'v', kind: 'void' }))).toBe('pending_id_invalid');
    expect(code(await one(deps, { transferId: 'v', kind: 'void', pendingId: 'hold', amountMinor: 399n }))).toBe(
      'pending_amount_mismatch',
    );
    expect(code(await one(deps, { transferId: 'v', kind: 'void', pendingId: 'hold', debitAccountId: 'bank' }))).toBe(
      'pending_accounts_mismatch',
    );
    expect(code(await one(deps, { transferId: 'v', kind: 'void', pendingId: 'hold', currency: 'USD' }))).toBe(
      'currency_mismatch',
    );
    expect(code(await one(deps, { transferId: 'v', kind: 'void', pendingId: 'hold' }))).toBe('created');
    const deposit = await lookupAccount(deps, { accountId: 'deposit' });
    expect([deposit.debitsPendingMinor, deposit.debitsPostedMinor, deposit.creditsPostedMinor]).toEqual([
      0n,
      0n,
      1_000n,
    ]);
  });

  it('expires a reservation at its timeout', async () => {
    const deps = await setUp();
    await one(deps, fund(1_000n));
    await one(deps, {
      transferId: 'hold',
      kind: 'pending',
      debitAccountId: 'deposit',
      creditAccountId: 'other',
      amountMinor: 400n,
      currency: 'CNY',
      timeoutMs: 60_000,
    });
    expect((await expirePendingTransfers(deps, { nowMs: nowMs + 59_999 })).expiredTransferIds).toEqual([]);
    // At the timeout a post is refused even before the sweep runs.
    expect(code(await one(deps, { transferId: 'p', kind: 'post', pendingId: 'hold' }, nowMs + 60_000))).toBe(
      'pending_transfer_expired',
    );
    expect((await expirePendingTransfers(deps, { nowMs: nowMs + 60_000 })).expiredTransferIds).toEqual(['hold']);
    expect((await lookupAccount(deps, { accountId: 'deposit' })).debitsPendingMinor).toBe(0n);
    expect(code(await one(deps, { transferId: 'p', kind: 'post', pendingId: 'hold' }, nowMs + 60_001))).toBe(
      'pending_already_closed',
    );
    expect((await checkJournalBalance(deps, { currency: 'CNY' })).balanced).toBe(true);
  });
});

describe('linked transfers', () => {
  it('apply all or none of a chain, and unlinked transfers stand alone', async () => {
    const deps = await setUp();
    await one(deps, fund(100n));
    const { results } = await createTransfers(deps, {
      nowMs,
      transfers: [
        {
          transferId: 'a',
          kind: 'single',
          debitAccountId: 'deposit',
          creditAccountId: 'other',
          amountMinor: 60n,
          currency: 'CNY',
          linked: true,
        },
        // 60 + 60 = 120 > 100 in the deposit: the second fails, so the first is undone.
        {
          transferId: 'b',
          kind: 'single',
          debitAccountId: 'deposit',
          creditAccountId: 'other',
          amountMinor: 60n,
          currency: 'CNY',
        },
        {
          transferId: 'c',
          kind: 'single',
          debitAccountId: 'deposit',
          creditAccountId: 'other',
          amountMinor: 60n,
          currency: 'CNY',
        },
      ],
    });
    expect(results.map(code)).toEqual(['linked_event_failed', 'insufficient_funds', 'created']);
    expect((await lookupAccount(deps, { accountId: 'other' })).creditsPostedMinor).toBe(60n);
    expect(await lookupTransfer(deps, { transferId: 'a' })).toBeUndefined();
  });

  it('refuse a chain left open at the end of the batch', async () => {
    const deps = await setUp();
    const { results } = await createTransfers(deps, {
      nowMs,
      transfers: [
        { ...fund(1n, 'x'), linked: true },
        { ...fund(1n, 'y'), linked: true },
      ],
    });
    expect(results.map(code)).toEqual(['linked_event_failed', 'linked_event_chain_open']);
    expect(deps.journalStore.transferCount).toBe(0);
  });

  it('can reserve and post inside one chain', async () => {
    const deps = await setUp();
    const { results } = await createTransfers(deps, {
      nowMs,
      transfers: [
        {
          transferId: 'h',
          kind: 'pending',
          debitAccountId: 'bank',
          creditAccountId: 'other',
          amountMinor: 9n,
          currency: 'CNY',
          linked: true,
        },
        { transferId: 'p', kind: 'post', pendingId: 'h', amountMinor: 4n },
      ],
    });
    expect(results.map(code)).toEqual(['created', 'created']);
    expect((await lookupAccount(deps, { accountId: 'other' })).creditsPostedMinor).toBe(4n);
  });

  it('refuse an empty batch', async () => {
    const deps = await setUp();
    await expect(createTransfers(deps, { nowMs, transfers: [] })).rejects.toMatchObject({ code: 'batch_size_invalid' });
  });
});
