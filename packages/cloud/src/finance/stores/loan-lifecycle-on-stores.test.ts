import {
  accrueInterest,
  applyForLoan,
  approveLoan,
  assessLoan,
  checkJournalBalance,
  closeLoan,
  createAccount,
  createTransfers,
  dayMs,
  disburseLoan,
  type JournalStore,
  type LoanStore,
  lookupAccount,
  monitorLoan,
  repayLoan,
} from '@fieldproof/finance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FinanceBackend,
  memoryFinanceBackend,
  postgresFinanceBackend,
  sqliteFinanceBackend,
} from '../../../_test/finance-backends.ts';

// The finance package's loan lifecycle scenario (loans/loan-lifecycle.test.ts, the happy path),
// run on the journal and loan stores of each backend and compared, step by step, with the same
// scenario on the in-memory stores.
const day = (month: number, date: number, hour = 0) => Date.UTC(2026, month - 1, date, hour);
const accounts = {
  borrowerDepositAccountId: 'borrower-a.deposit',
  interestIncomeAccountId: 'bank.interest-income',
  penaltyIncomeAccountId: 'bank.penalty-income',
};

async function lifecycle(deps: { loanStore: LoanStore; journalStore: JournalStore }): Promise<unknown[]> {
  const steps: unknown[] = [];
  const step = async (run: () => Promise<unknown>) => {
    try {
      steps.push(await run());
    } catch (error) {
      steps.push({ refused: (error as { code?: string }).code });
    }
  };
  const nowMs = day(1, 1);
  await createAccount(deps, { accountId: 'bank.settlement', currency: 'CNY', code: 'asset', nowMs });
  await createAccount(deps, { accountId: 'bank.interest-income', currency: 'CNY', code: 'income', nowMs });
  await createAccount(deps, { accountId: 'bank.penalty-income', currency: 'CNY', code: 'income', nowMs });
  await createAccount(deps, {
    accountId: 'borrower-a.deposit',
    currency: 'CNY',
    code: 'liability',
    flags: { debitsMustNotExceedCredits: true },
    nowMs,
  });
  await step(() =>
    applyForLoan(deps, {
      loanId: 'loan-1',
      borrowerId: 'borrower-a',
      lenderId: 'bank-1',
      product: 'inventory_pledge',
      currency: 'CNY',
      principalMinor: 100_000n,
      annualRateBasisPoints: 1_200,
      penaltyAnnualRateBasisPoints: 600,
      termMonths: 3,
      repaymentMethod: 'equal_principal',
      collateral: { pledgeLotIds: ['lot-1'], claimId: null, orderIds: [] },
      enteredById: 'clerk',
      appliedAtMs: day(1, 10),
    }),
  );
  await step(() =>
    assessLoan(deps, {
      loanId: 'loan-1',
      assessorId: 'maker',
      recommendation: 'recommend',
      inputs: [],
      assessedAtMs: day(1, 11),
    }),
  );
  await step(() => approveLoan(deps, { loanId: 'loan-1', approverId: 'maker', approvedAtMs: day(1, 12) }));
  await step(() => approveLoan(deps, { loanId: 'loan-1', approverId: 'checker', approvedAtMs: day(1, 12) }));
  for (let attempt = 0; attempt < 2; attempt += 1) {
    await step(() =>
      disburseLoan(deps, {
        loanId: 'loan-1',
        actorId: 'ops',
        disbursedAtMs: day(1, 15, 9),
        firstDueAtMs: day(2, 15, 9),
        ...accounts,
      }),
    );
  }
  const accrueThrough = async (lastMs: number) => {
    for (;;) {
      const next = (await deps.loanStore.getLoan('loan-1'))?.accrual?.nextDayIndex as number;
      if (next * dayMs > lastMs) return;
      await step(() => accrueInterest(deps, { loanId: 'loan-1', dayMs: next * dayMs }));
    }
  };
  await accrueThrough(day(2, 14));
  for (let attempt = 0; attempt < 2; attempt += 1) {
    await step(() =>
      repayLoan(deps, { loanId: 'loan-1', repaymentId: 'r1', amountMinor: 34_333n, paidAtMs: day(2, 15, 10) }),
    );
  }
  // The second instalment (due 15 March) is paid late: penalty accrues on 16 and 17 March.
  await accrueThrough(day(3, 15));
  await step(() => monitorLoan(deps, { loanId: 'loan-1', asOfMs: day(3, 20) }));
  await accrueThrough(day(3, 17));
  await step(() => closeLoan(deps, { loanId: 'loan-1', actorId: 'ops', closedAtMs: day(3, 18) }));
  const repayRest = () =>
    step(() => repayLoan(deps, { loanId: 'loan-1', repaymentId: 'r2', amountMinor: 67_678n, paidAtMs: day(3, 18) }));
  await repayRest();
  const topUp = {
    transferId: 'in-1',
    kind: 'single' as const,
    debitAccountId: 'bank.settlement',
    creditAccountId: 'borrower-a.deposit',
    amountMinor: 10_000n,
    currency: 'CNY',
  };
  await step(() => createTransfers(deps, { nowMs: day(3, 18), transfers: [topUp] }));
  await repayRest();
  await step(() => closeLoan(deps, { loanId: 'loan-1', actorId: 'ops', closedAtMs: day(3, 18, 12) }));
  await step(() => deps.loanStore.getLoan('loan-1'));
  for (const accountId of ['bank.settlement', 'bank.interest-income', 'bank.penalty-income', 'borrower-a.deposit']) {
    await step(() => lookupAccount(deps, { accountId }));
  }
  return steps;
}

describe.each([sqliteFinanceBackend(), postgresFinanceBackend()])(
  'loan lifecycle on $name',
  (backend: FinanceBackend) => {
    let available = true;
    const reference = memoryFinanceBackend();
    beforeAll(async () => {
      available = await backend.available();
    });
    afterAll(async () => {
      await backend.cleanUp();
    });

    it('takes every step as the in-memory stores do and closes with the books balanced', async (context) => {
      if (!available) context.skip();
      const stores = await backend.open();
      const expected = await lifecycle(await reference.open());
      const actual = await lifecycle(stores);
      expect(actual).toEqual(expected);
      expect(expected.at(-5)).toMatchObject({
        state: 'closed',
        repayments: [{ repaymentId: 'r1' }, { repaymentId: 'r2' }],
      });
      expect(expected.filter((step) => (step as { refused?: string }).refused)).toEqual([
        { refused: 'maker_checker_same_person' },
        { refused: 'loan_not_repaid' },
        { refused: 'journal_transfer_refused' },
      ]);
      // Billed interest 2,000, accrued 1,698: closing trues up 302 to income, as in the finance test.
      expect(expected.at(-6)).toMatchObject({ interestTrueUpMinor: 302n });
      expect((await checkJournalBalance(stores, { currency: 'CNY' })).balanced).toBe(true);
    }, 60_000);
  },
);
