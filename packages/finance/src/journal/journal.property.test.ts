import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJournalBalance } from './check-journal-balance.ts';
import { createAccount } from './create-account.ts';
import { createTransfers } from './create-transfers.ts';
import { expirePendingTransfers } from './expire-pending-transfers.ts';
import type { Account, TransferKind, TransferRequest } from './journal-types.ts';
import { MemoryJournalStore } from './memory-journal-store.ts';

const startMs = 1_767_225_600_000;
/** Accounts: two CNY deposits that cannot go overdrawn, one CNY loan that cannot be over-repaid, free CNY accounts, one USD. */
const accountIds = ['cash', 'income', 'deposit-a', 'deposit-b', 'loan', 'usd-cash', 'usd-deposit', 'missing'] as const;
const ids = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9', 't10', 't11'];

const requestArbitrary: fc.Arbitrary<TransferRequest> = fc.record(
  {
    transferId: fc.constantFrom(...ids),
    kind: fc.constantFrom<TransferKind>('single', 'single', 'pending', 'post', 'void'),
    debitAccountId: fc.constantFrom(...accountIds),
    creditAccountId: fc.constantFrom(...accountIds),
    amountMinor: fc.bigInt({ min: -2n, max: 2_000n }),
    currency: fc.constantFrom('CNY', 'CNY', 'CNY', 'USD'),
    pendingId: fc.constantFrom(...ids),
    timeoutMs: fc.constantFrom(0, 0, 1_000, 5_000),
    linked: fc.boolean(),
  },
  { requiredKeys: ['transferId', 'kind'] },
);

type Step = { type: 'batch'; requests: TransferRequest[]; advanceMs: number } | { type: 'expire'; advanceMs: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('batch' as const),
      requests: fc.array(requestArbitrary, { minLength: 1, maxLength: 4 }),
      advanceMs: fc.nat(3_000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('expire' as const), advanceMs: fc.nat(6_000) }) },
);

type Balances = Pick<
  Account,
  'debitsPendingMinor' | 'debitsPostedMinor' | 'creditsPendingMinor' | 'creditsPostedMinor'
>;

async function snapshot(store: MemoryJournalStore): Promise<Map<string, Balances>> {
  const all = await store.transact(async (t) => [...(await t.listAccounts('CNY')), ...(await t.listAccounts('USD'))]);
  return new Map(all.map((a) => [a.accountId, a]));
}

describe('journal properties', () => {
  it('stays balanced, creates no money, matches a model built from its own results, and replays change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 30 }), async (steps) => {
        const journalStore = new MemoryJournalStore();
        const deps = { journalStore };
        let nowMs = startMs;
        const open = async (accountId: string, currency: string, flags = {}) =>
          createAccount(deps, { accountId, currency, code: 'asset', flags, nowMs });
        await open('cash', 'CNY');
        await open('income', 'CNY');
        await open('deposit-a', 'CNY', { debitsMustNotExceedCredits: true });
        await open('deposit-b', 'CNY', { debitsMustNotExceedCredits: true });
        await open('loan', 'CNY', { creditsMustNotExceedDebits: true });
        await open('usd-cash', 'USD');
        await open('usd-deposit', 'USD', { debitsMustNotExceedCredits: true });

        // The model: what the balances must be, from the results the journal returned.
        const model = new Map<string, Balances>();
        for (const id of accountIds) {
          model.set(id, {
            debitsPendingMinor: 0n,
            debitsPostedMinor: 0n,
            creditsPendingMinor: 0n,
            creditsPostedMinor: 0n,
          });
        }
        const openPending = new Map<string, { debit: string; credit: string; amount: bigint }>();
        const replayable: TransferRequest[][] = [];
        const createdRequests = new Map<string, TransferRequest>();
        const m = (id: string) => model.get(id) as Balances;

        for (const step of steps) {
          nowMs += step.advanceMs;
          if (step.type === 'expire') {
            const { expiredTransferIds } = await expirePendingTransfers(deps, { nowMs });
            for (const id of expiredTransferIds) {
              const p = openPending.get(id);
              expect(p).toBeDefined();
              if (!p) continue;
              m(p.debit).debitsPendingMinor -= p.amount;
              m(p.credit).creditsPendingMinor -= p.amount;
              openPending.delete(id);
            }
          } else {
            const { results } = await createTransfers(deps, { transfers: step.requests, nowMs });
            const firstUse = results.every(
              (r, i) => r.status === 'created' && step.requests.findIndex((q) => q.transferId === r.transferId) === i,
            );
            if (firstUse) replayable.push(step.requests);
            for (const [i, r] of results.entries()) {
              const request = step.requests[i] as TransferRequest;
              // Idempotency: `exists` only for the very request created under that id, a conflict only for another.
              const first = createdRequests.get(request.transferId);
              if (r.status === 'exists') expect(request).toEqual(first);
              if (r.status === 'refused' && r.code === 'transfer_id_conflict') expect(request).not.toEqual(first);
              if (r.status === 'created') {
                expect(first).toBeUndefined();
                createdRequests.set(request.transferId, request);
              }
              if (r.status === 'created' && !request.linked) replayable.push([request]);
            }
            for (const result of results) {
              if (result.status !== 'created') continue;
              const t = result.transfer;
              if (t.kind === 'single') {
                m(t.debitAccountId).debitsPostedMinor += t.amountMinor;
                m(t.creditAccountId).creditsPostedMinor += t.amountMinor;
              } else if (t.kind === 'pending') {
                m(t.debitAccountId).debitsPendingMinor += t.amountMinor;
                m(t.creditAccountId).creditsPendingMinor += t.amountMinor;
                openPending.set(t.transferId, {
                  debit: t.debitAccountId,
                  credit: t.creditAccountId,
                  amount: t.amountMinor,
                });
              } else {
                const p = openPending.get(t.pendingId);
                expect(p).toBeDefined();
                if (!p) continue;
                m(p.debit).debitsPendingMinor -= p.amount;
                m(p.credit).creditsPendingMinor -= p.amount;
                if (t.kind === 'post') {
                  expect(t.amountMinor).toBeLessThanOrEqual(p.amount);
                  m(p.debit).debitsPostedMinor += t.amountMinor;
                  m(p.credit).creditsPostedMinor += t.amountMinor;
                }
                openPending.delete(t.pendingId);
              }
            }
          }

          const actual = await snapshot(journalStore);
          for (const [id, balances] of actual) {
            expect(balances.debitsPendingMinor).toBeGreaterThanOrEqual(0n);
            expect(balances.creditsPendingMinor).toBeGreaterThanOrEqual(0n);
            const expected = m(id);
            expect([
              balances.debitsPendingMinor,
              balances.debitsPostedMinor,
              balances.creditsPendingMinor,
              balances.creditsPostedMinor,
            ]).toEqual([
              expected.debitsPendingMinor,
              expected.debitsPostedMinor,
              expected.creditsPendingMinor,
              expected.creditsPostedMinor,
            ]);
          }
          for (const currency of ['CNY', 'USD']) {
            const totals = await checkJournalBalance(deps, { currency });
            expect(totals.balanced).toBe(true);
          }
          // No money created or destroyed: the net posted positions of a ledger sum to zero.
          let net = 0n;
          for (const balances of actual.values()) net += balances.debitsPostedMinor - balances.creditsPostedMinor;
          expect(net).toBe(0n);
          // Deposits never overdrawn, the loan never over-repaid, counting reservations.
          for (const id of ['deposit-a', 'deposit-b', 'usd-deposit']) {
            const d = actual.get(id) as Balances;
            expect(d.debitsPostedMinor + d.debitsPendingMinor).toBeLessThanOrEqual(d.creditsPostedMinor);
          }
          const loan = actual.get('loan') as Balances;
          expect(loan.creditsPostedMinor + loan.creditsPendingMinor).toBeLessThanOrEqual(loan.debitsPostedMinor);
        }

        // Replaying every batch that fully succeeded, and every created unlinked transfer alone,
        // returns `exists` for each and changes no balance and no transfer.
        const before = await snapshot(journalStore);
        const transfersBefore = journalStore.transferCount;
        for (const requests of replayable) {
          const { results } = await createTransfers(deps, { transfers: requests, nowMs });
          expect(results.map((r) => r.status)).toEqual(requests.map(() => 'exists'));
        }
        expect(journalStore.transferCount).toBe(transfersBefore);
        expect(await snapshot(journalStore)).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});
