import {
  type Account,
  amountMinorMax,
  checkJournalBalance,
  createAccount,
  createTransfers,
  expirePendingTransfers,
  type JournalStore,
  MemoryJournalStore,
  type TransferKind,
  type TransferRequest,
} from '@fieldproof/finance';
import * as fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FinanceBackend, financeBackends } from '../../../_test/finance-backends.ts';

const startMs = 1_767_225_600_000;

const account = (store: JournalStore, accountId: string) => store.transact((t) => t.getAccount(accountId));
const transfer = (store: JournalStore, transferId: string) => store.transact((t) => t.getTransfer(transferId));

describe.each(financeBackends())('journal store contract on $name', (backend: FinanceBackend) => {
  let journalStore: JournalStore;
  let available = true;
  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    ({ journalStore } = await backend.open());
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  const open = (accountId: string, flags = {}, currency = 'CNY') =>
    createAccount({ journalStore }, { accountId, currency, code: 'asset', flags, nowMs: startMs });

  it('moves money once per id, replays as exists, refuses a changed replay, and stays balanced', async () => {
    await open('cash');
    await open('deposit', { debitsMustNotExceedCredits: true });
    expect((await open('deposit', { debitsMustNotExceedCredits: true })).status).toBe('exists');
    const request: TransferRequest = {
      transferId: 't1',
      kind: 'single',
      debitAccountId: 'cash',
      creditAccountId: 'deposit',
      amountMinor: 500n,
      currency: 'CNY',
      purpose: 'loan.disbursement',
      reference: 'loan-1',
    };
    const first = await createTransfers({ journalStore }, { transfers: [request], nowMs: startMs + 1 });
    expect(first.results[0]).toMatchObject({ status: 'created' });
    const again = await createTransfers({ journalStore }, { transfers: [request], nowMs: startMs + 2 });
    expect(again.results[0]).toMatchObject({ status: 'exists' });
    const changed = await createTransfers(
      { journalStore },
      { transfers: [{ ...request, amountMinor: 501n }], nowMs: startMs + 3 },
    );
    expect(changed.results[0]).toMatchObject({ status: 'refused', code: 'transfer_id_conflict' });
    expect(await account(journalStore, 'deposit')).toMatchObject({ creditsPostedMinor: 500n, debitsPostedMinor: 0n });
    expect(await transfer(journalStore, 't1')).toEqual(
      first.results[0]?.status === 'created' && first.results[0].transfer,
    );
    expect(await checkJournalBalance({ journalStore }, { currency: 'CNY' })).toMatchObject({
      balanced: true,
      debitsPostedMinor: 500n,
      creditsPostedMinor: 500n,
    });
  });

  it('keeps 2^63 − 1 minor units exactly, and refuses one more', async () => {
    await open('source');
    await open('sink');
    const { results } = await createTransfers(
      { journalStore },
      {
        transfers: [
          {
            transferId: 'huge',
            kind: 'single',
            debitAccountId: 'source',
            creditAccountId: 'sink',
            amountMinor: amountMinorMax,
            currency: 'CNY',
          },
          {
            transferId: 'more',
            kind: 'single',
            debitAccountId: 'source',
            creditAccountId: 'sink',
            amountMinor: 1n,
            currency: 'CNY',
          },
        ],
        nowMs: startMs,
      },
    );
    expect(results.map((r) => r.status)).toEqual(['created', 'refused']);
    expect(results[1]).toMatchObject({ code: 'amount_too_large' });
    expect((await account(journalStore, 'sink'))?.creditsPostedMinor).toBe(9_223_372_036_854_775_807n);
    expect((await account(journalStore, 'source'))?.debitsPostedMinor).toBe(amountMinorMax);
    expect((await transfer(journalStore, 'huge'))?.amountMinor).toBe(amountMinorMax);
  });

  it('reserves, posts part, voids, and expires pending transfers oldest first', async () => {
    await open('cash');
    await open('escrow');
    const pending = (transferId: string, amountMinor: bigint, timeoutMs = 0): TransferRequest => ({
      transferId,
      kind: 'pending',
      debitAccountId: 'cash',
      creditAccountId: 'escrow',
      amountMinor,
      currency: 'CNY',
      timeoutMs,
    });
    await createTransfers(
      { journalStore },
      {
        transfers: [pending('p1', 100n), pending('p2', 200n), pending('p3', 300n, 5_000), pending('p4', 400n, 1_000)],
        nowMs: startMs,
      },
    );
    expect(await account(journalStore, 'cash')).toMatchObject({ debitsPendingMinor: 1_000n, debitsPostedMinor: 0n });
    const closed = await createTransfers(
      { journalStore },
      {
        transfers: [
          { transferId: 'post-1', kind: 'post', pendingId: 'p1', amountMinor: 60n },
          { transferId: 'void-2', kind: 'void', pendingId: 'p2' },
        ],
        nowMs: startMs + 10,
      },
    );
    expect(closed.results.map((r) => r.status)).toEqual(['created', 'created']);
    const expired = await expirePendingTransfers({ journalStore }, { nowMs: startMs + 6_000 });
    expect(expired.expiredTransferIds).toEqual(['p4', 'p3']);
    expect(await expirePendingTransfers({ journalStore }, { nowMs: startMs + 9_000 })).toEqual({
      expiredTransferIds: [],
    });
    expect(await account(journalStore, 'cash')).toMatchObject({ debitsPendingMinor: 0n, debitsPostedMinor: 60n });
    expect(await account(journalStore, 'escrow')).toMatchObject({ creditsPendingMinor: 0n, creditsPostedMinor: 60n });
    expect((await transfer(journalStore, 'p3'))?.pendingStatus).toBe('expired');
    const late = await createTransfers(
      { journalStore },
      { transfers: [{ transferId: 'post-3', kind: 'post', pendingId: 'p3' }], nowMs: startMs + 9_001 },
    );
    expect(late.results[0]).toMatchObject({ status: 'refused', code: 'pending_already_closed' });
  });

  it('rolls a refused linked chain back whole: nothing of it is stored', async () => {
    await open('cash');
    await open('deposit', { debitsMustNotExceedCredits: true });
    const { results } = await createTransfers(
      { journalStore },
      {
        transfers: [
          {
            transferId: 'in',
            kind: 'single',
            debitAccountId: 'cash',
            creditAccountId: 'deposit',
            amountMinor: 50n,
            currency: 'CNY',
            linked: true,
          },
          {
            transferId: 'out',
            kind: 'single',
            debitAccountId: 'deposit',
            creditAccountId: 'cash',
            amountMinor: 80n,
            currency: 'CNY',
          },
        ],
        nowMs: startMs,
      },
    );
    expect(results).toMatchObject([
      { status: 'refused', code: 'linked_event_failed' },
      { status: 'refused', code: 'insufficient_funds' },
    ]);
    expect(await transfer(journalStore, 'in')).toBeUndefined();
    expect(await account(journalStore, 'deposit')).toMatchObject({ creditsPostedMinor: 0n, debitsPostedMinor: 0n });
  });

  // Two transactions open at once: the SQL stores only (the in-memory store runs one at a time).
  if (backend.name !== 'memory') {
    it('lets concurrent transfers that would overdraw an account through only while funds last', async () => {
      await open('cash');
      await open('deposit', { debitsMustNotExceedCredits: true });
      await createTransfers(
        { journalStore },
        {
          transfers: [
            {
              transferId: 'fund',
              kind: 'single',
              debitAccountId: 'cash',
              creditAccountId: 'deposit',
              amountMinor: 100n,
              currency: 'CNY',
            },
          ],
          nowMs: startMs,
        },
      );
      const spend = (index: number, amountMinor: bigint) =>
        createTransfers(
          { journalStore },
          {
            transfers: [
              {
                transferId: `spend-${index}`,
                kind: 'single',
                debitAccountId: 'deposit',
                creditAccountId: 'cash',
                amountMinor,
                currency: 'CNY',
              },
            ],
            nowMs: startMs + 1,
          },
        );
      // Two that cannot both fit: exactly one wins.
      const pair = await Promise.all([spend(1, 70n), spend(2, 70n)]);
      const statuses = pair.map(({ results }) => results[0]?.status).sort();
      expect(statuses).toEqual(['created', 'refused']);
      expect(pair.flatMap(({ results }) => results).find((r) => r.status === 'refused')).toMatchObject({
        code: 'insufficient_funds',
      });
      // Ten of 3 against the 30 left: exactly ten created, the deposit never overdrawn.
      const many = await Promise.all(Array.from({ length: 10 }, (_, index) => spend(10 + index, 3n)));
      expect(many.filter(({ results }) => results[0]?.status === 'created')).toHaveLength(10);
      const last = await Promise.all([spend(30, 1n), spend(31, 1n)]);
      expect(last.map(({ results }) => results[0]?.status)).toEqual(['refused', 'refused']);
      expect(await account(journalStore, 'deposit')).toMatchObject({
        creditsPostedMinor: 100n,
        debitsPostedMinor: 100n,
      });
      expect((await checkJournalBalance({ journalStore }, { currency: 'CNY' })).balanced).toBe(true);
    });
  }

  // Only PostgreSQL lets two transactions be open at once; SQLite and memory queue them.
  if (backend.name === 'postgres') {
    it('runs a transaction again rather than deadlock when two transfers lock two accounts in opposite order', async () => {
      await open('cash');
      await open('deposit');
      const runs = { a: 0, b: 0 };
      const firstRead = { a: () => {}, b: () => {} };
      const haveRead = {
        a: new Promise<void>((resolve) => {
          firstRead.a = resolve;
        }),
        b: new Promise<void>((resolve) => {
          firstRead.b = resolve;
        }),
      };
      // a locks cash then deposit, b deposit then cash, each after the other's first lock: b's second lock
      // (below the one it holds) is tried without waiting, fails, and b runs again once a has committed.
      const move = (label: 'a' | 'b', firstId: string, secondId: string, other: 'a' | 'b') =>
        journalStore.transact(async (t) => {
          runs[label] += 1;
          const first = (await t.getAccount(firstId)) as Account;
          if (runs[label] === 1) {
            firstRead[label]();
            await haveRead[other];
          }
          const second = (await t.getAccount(secondId)) as Account;
          const [cash, deposit] = firstId === 'cash' ? [first, second] : [second, first];
          await t.putAccount({ ...cash, debitsPostedMinor: cash.debitsPostedMinor + 1n });
          await t.putAccount({ ...deposit, creditsPostedMinor: deposit.creditsPostedMinor + 1n });
        });
      await Promise.all([move('a', 'cash', 'deposit', 'b'), move('b', 'deposit', 'cash', 'a')]);
      expect(runs.a + runs.b).toBe(3);
      expect(await account(journalStore, 'deposit')).toMatchObject({ creditsPostedMinor: 2n });
      expect(await account(journalStore, 'cash')).toMatchObject({ debitsPostedMinor: 2n });
    });
  }

  it('lets concurrent transfers in both directions between two accounts all through, none starved', async () => {
    await open('left');
    await open('right');
    const writer = (index: number, debitAccountId: string, creditAccountId: string) => async () => {
      for (let step = 0; step < 15; step += 1) {
        const { results } = await createTransfers(
          { journalStore },
          {
            transfers: [
              {
                transferId: `w${index}-${step}`,
                kind: 'single',
                debitAccountId,
                creditAccountId,
                amountMinor: 1n,
                currency: 'CNY',
              },
            ],
            nowMs: startMs,
          },
        );
        expect(results[0]?.status).toBe('created');
      }
    };
    await Promise.all([
      writer(1, 'left', 'right')(),
      writer(2, 'right', 'left')(),
      writer(3, 'left', 'right')(),
      writer(4, 'right', 'left')(),
    ]);
    expect(await account(journalStore, 'left')).toMatchObject({ debitsPostedMinor: 30n, creditsPostedMinor: 30n });
  });

  it('takes turns on one transfer id: of two concurrent creations, one is created and one exists', async () => {
    await open('cash');
    await open('deposit');
    const request: TransferRequest = {
      transferId: 'once',
      kind: 'single',
      debitAccountId: 'cash',
      creditAccountId: 'deposit',
      amountMinor: 7n,
      currency: 'CNY',
    };
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => createTransfers({ journalStore }, { transfers: [request], nowMs: startMs })),
    );
    expect(outcomes.map(({ results }) => results[0]?.status).sort()).toEqual(['created', 'exists', 'exists']);
    expect(await account(journalStore, 'deposit')).toMatchObject({ creditsPostedMinor: 7n });
    // Two concurrent openings of one account: one creates, the other sees it (or is refused if it differs).
    const opened = await Promise.all([open('new-1'), open('new-1')]);
    expect(opened.map((result) => result.status).sort()).toEqual(['created', 'exists']);
  });
});

// The property: random batches and expiries give the same results, step by step, on the store
// under test as on the finance package's MemoryJournalStore, and every state stays balanced (no
// sequence of transfers creates or destroys money). One store per backend; each run uses its own ids.
const accountIds = ['cash', 'income', 'deposit-a', 'deposit-b', 'loan', 'usd-cash', 'usd-deposit', 'missing'] as const;
const transferIds = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'];
const requestArbitrary: fc.Arbitrary<TransferRequest> = fc.record(
  {
    transferId: fc.constantFrom(...transferIds),
    kind: fc.constantFrom<TransferKind>('single', 'single', 'pending', 'post', 'void'),
    debitAccountId: fc.constantFrom(...accountIds),
    creditAccountId: fc.constantFrom(...accountIds),
    amountMinor: fc.oneof(fc.bigInt({ min: -2n, max: 2_000n }), fc.constant(amountMinorMax)),
    currency: fc.constantFrom('CNY', 'CNY', 'CNY', 'USD'),
    pendingId: fc.constantFrom(...transferIds),
    timeoutMs: fc.constantFrom(0, 0, 1_000, 5_000),
    linked: fc.boolean(),
  },
  { requiredKeys: ['transferId', 'kind'] },
);
type Step = { type: 'batch'; requests: TransferRequest[]; advanceMs: number } | { type: 'expire'; advanceMs: number };
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('batch' as const),
      requests: fc.array(requestArbitrary, { minLength: 1, maxLength: 4 }),
      advanceMs: fc.nat(3_000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('expire' as const), advanceMs: fc.nat(6_000) }) },
);

/** The same request with every id prefixed, so that runs sharing one store never meet. */
function prefixed(prefix: string, request: TransferRequest): TransferRequest {
  const rename = (id: string | undefined) => (id === undefined ? undefined : `${prefix}${id}`);
  return Object.fromEntries(
    Object.entries({
      ...request,
      transferId: `${prefix}${request.transferId}`,
      debitAccountId: rename(request.debitAccountId),
      creditAccountId: rename(request.creditAccountId),
      pendingId: rename(request.pendingId),
    }).filter(([, value]) => value !== undefined),
  ) as unknown as TransferRequest;
}

describe.each(financeBackends().slice(1))('journal store property on $name', (backend: FinanceBackend) => {
  let available = true;
  beforeAll(async () => {
    available = await backend.available();
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('matches MemoryJournalStore step by step and never creates or destroys money', async (context) => {
    if (!available) context.skip();
    const { journalStore } = await backend.open();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 12 }), async (steps) => {
        run += 1;
        const prefix = `r${run}-`;
        const reference = new MemoryJournalStore();
        let nowMs = startMs;
        const openBoth = async (id: string, currency: string, flags = {}) => {
          for (const store of [journalStore, reference]) {
            await createAccount(
              { journalStore: store },
              { accountId: `${prefix}${id}`, currency, code: 'asset', flags, nowMs },
            );
          }
        };
        await openBoth('cash', 'CNY');
        await openBoth('income', 'CNY');
        await openBoth('deposit-a', 'CNY', { debitsMustNotExceedCredits: true });
        await openBoth('deposit-b', 'CNY', { debitsMustNotExceedCredits: true });
        await openBoth('loan', 'CNY', { creditsMustNotExceedDebits: true });
        await openBoth('usd-cash', 'USD');
        await openBoth('usd-deposit', 'USD', { debitsMustNotExceedCredits: true });
        for (const step of steps) {
          nowMs += step.advanceMs;
          if (step.type === 'expire') {
            // Other runs' pending transfers share the store: compare only this run's expiries.
            const ours = (ids: string[]) => ids.filter((id) => id.startsWith(prefix));
            const actual = await expirePendingTransfers({ journalStore }, { nowMs });
            const expected = await expirePendingTransfers({ journalStore: reference }, { nowMs });
            expect(ours(actual.expiredTransferIds)).toEqual(expected.expiredTransferIds);
          } else {
            const transfers = step.requests.map((request) => prefixed(prefix, request));
            const actual = await createTransfers({ journalStore }, { transfers, nowMs });
            const expected = await createTransfers({ journalStore: reference }, { transfers, nowMs });
            expect(actual).toEqual(expected);
          }
        }
        const snapshot = (store: JournalStore) =>
          store.transact(async (t) => {
            const all: Account[] = [];
            for (const id of accountIds) {
              const found = await t.getAccount(`${prefix}${id}`);
              if (found) all.push(found);
            }
            return all;
          });
        expect(await snapshot(journalStore)).toEqual(await snapshot(reference));
        for (const currency of ['CNY', 'USD']) {
          expect((await checkJournalBalance({ journalStore }, { currency })).balanced).toBe(true);
        }
      }),
      { numRuns: backend.name === 'postgres' ? 12 : 20 },
    );
  }, 120_000);
});
