import { DecisionSchema } from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import {
  checkJournalBalance,
  createAccount,
  createTransfers,
  lookupAccount,
  MemoryJournalStore,
} from '../journal/index.ts';
import { accrueInterest } from './accrue-interest.ts';
import { type ApplyForLoanParameters, applyForLoan } from './apply-for-loan.ts';
import { approveLoan } from './approve-loan.ts';
import { assessLoan } from './assess-loan.ts';
import { dayMs } from './calendar.ts';
import { closeLoan } from './close-loan.ts';
import { disburseLoan } from './disburse-loan.ts';
import { MemoryLoanStore } from './memory-loan-store.ts';
import { monitorLoan } from './monitor-loan.ts';
import { repayLoan } from './repay-loan.ts';

const day = (month: number, date: number, hour = 0) => Date.UTC(2026, month - 1, date, hour);

async function setUp() {
  const loanStore = new MemoryLoanStore();
  const journalStore = new MemoryJournalStore();
  const deps = { loanStore, journalStore };
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
  return deps;
}

const application: ApplyForLoanParameters = {
  loanId: 'loan-1',
  borrowerId: 'borrower-a',
  lenderId: 'bank-1',
  product: 'inventory_pledge',
  currency: 'CNY',
  principalMinor: 100_000n, // 1,000.00 CNY
  annualRateBasisPoints: 1_200, // 12%
  penaltyAnnualRateBasisPoints: 600, // +6%: a 50% surcharge on overdue amounts
  termMonths: 3,
  repaymentMethod: 'equal_principal',
  collateral: { pledgeLotIds: ['lot-1'], claimId: null, orderIds: [] },
  enteredById: 'clerk',
  appliedAtMs: day(1, 10),
};

const accounts = {
  borrowerDepositAccountId: 'borrower-a.deposit',
  interestIncomeAccountId: 'bank.interest-income',
  penaltyIncomeAccountId: 'bank.penalty-income',
};

describe('loan lifecycle', () => {
  it('refuses out-of-order steps and a checker who is a maker', async () => {
    const deps = await setUp();
    expect((await applyForLoan(deps, application)).status).toBe('created');
    expect((await applyForLoan(deps, application)).status).toBe('exists');
    await expect(applyForLoan(deps, { ...application, principalMinor: 1n })).rejects.toMatchObject({
      code: 'loan_id_conflict',
    });
    await expect(
      applyForLoan(deps, {
        ...application,
        loanId: 'x',
        collateral: { pledgeLotIds: [], claimId: null, orderIds: [] },
      }),
    ).rejects.toMatchObject({
      code: 'loan_application_invalid',
    });
    await expect(
      approveLoan(deps, { loanId: 'loan-1', approverId: 'checker', approvedAtMs: day(1, 11) }),
    ).rejects.toMatchObject({
      code: 'loan_transition_invalid',
    });
    await expect(
      disburseLoan(deps, {
        loanId: 'loan-1',
        actorId: 'ops',
        disbursedAtMs: day(1, 12),
        firstDueAtMs: day(2, 12),
        ...accounts,
      }),
    ).rejects.toMatchObject({ code: 'loan_transition_invalid' });
    await assessLoan(deps, {
      loanId: 'loan-1',
      assessorId: 'maker',
      recommendation: 'recommend',
      inputs: [{ kind: 'decision', id: 'score-1' }],
      assessedAtMs: day(1, 11),
    });
    await expect(
      assessLoan(deps, {
        loanId: 'loan-1',
        assessorId: 'maker',
        recommendation: 'recommend',
        inputs: [],
        assessedAtMs: day(1, 11),
      }),
    ).rejects.toMatchObject({
      code: 'loan_transition_invalid',
    });
    for (const approverId of ['maker', 'clerk']) {
      await expect(approveLoan(deps, { loanId: 'loan-1', approverId, approvedAtMs: day(1, 12) })).rejects.toMatchObject(
        {
          code: 'maker_checker_same_person',
        },
      );
    }
    await expect(
      approveLoan(deps, { loanId: 'nope', approverId: 'checker', approvedAtMs: day(1, 12) }),
    ).rejects.toMatchObject({ code: 'loan_not_found' });
    const { decision, loan } = await approveLoan(deps, {
      loanId: 'loan-1',
      approverId: 'checker',
      approvedAtMs: day(1, 12),
    });
    expect(loan.state).toBe('approved');
    expect(DecisionSchema.parse(decision)).toMatchObject({
      decisionId: 'loan-1.approved',
      type: 'loan.approved',
      organisationId: 'bank-1',
      actorId: 'checker',
      inputs: [{ kind: 'decision', id: 'score-1' }],
      details: { principalMinor: '100000', makerId: 'maker', checkerId: 'checker' },
    });
    // Approving again by the same checker returns the same decision; nothing changes.
    expect(
      (await approveLoan(deps, { loanId: 'loan-1', approverId: 'checker', approvedAtMs: day(1, 13) })).decision,
    ).toEqual(decision);
  });

  it('a declined loan goes no further', async () => {
    const deps = await setUp();
    await applyForLoan(deps, application);
    const { loan } = await assessLoan(deps, {
      loanId: 'loan-1',
      assessorId: 'maker',
      recommendation: 'decline',
      inputs: [],
      assessedAtMs: day(1, 11),
    });
    expect(loan.state).toBe('rejected');
    await expect(
      approveLoan(deps, { loanId: 'loan-1', approverId: 'checker', approvedAtMs: day(1, 12) }),
    ).rejects.toMatchObject({
      code: 'loan_transition_invalid',
    });
  });

  it('disburses, accrues ACT/365, repays, goes overdue, charges penalty and closes with the books balanced', async () => {
    const deps = await setUp();
    await applyForLoan(deps, application);
    await assessLoan(deps, {
      loanId: 'loan-1',
      assessorId: 'maker',
      recommendation: 'recommend',
      inputs: [],
      assessedAtMs: day(1, 11),
    });
    await approveLoan(deps, { loanId: 'loan-1', approverId: 'checker', approvedAtMs: day(1, 12) });
    const disbursed = await disburseLoan(deps, {
      loanId: 'loan-1',
      actorId: 'ops',
      disbursedAtMs: day(1, 15, 9),
      firstDueAtMs: day(2, 15, 9),
      ...accounts,
    });
    expect(disbursed.decision).toMatchObject({
      type: 'loan.disbursed',
      details: { principalMinor: '100000', transferId: 'loan-1.disbursement' },
    });
    // The retry finds everything done and moves no money twice.
    await disburseLoan(deps, {
      loanId: 'loan-1',
      actorId: 'ops',
      disbursedAtMs: day(1, 15, 9),
      firstDueAtMs: day(2, 15, 9),
      ...accounts,
    });
    expect((await lookupAccount(deps, { accountId: 'borrower-a.deposit' })).creditsPostedMinor).toBe(100_000n);
    // Equal principal: 33,333 / 33,333 / 33,334 with interest 1,000 / 667 / 333 (see build-repayment-schedule.test.ts).
    expect(disbursed.loan.schedule.map((i) => i.principalMinor + i.interestMinor)).toEqual([34_333n, 34_000n, 33_667n]);

    // Days accrue one by one from the disbursement day.
    await expect(accrueInterest(deps, { loanId: 'loan-1', dayMs: day(1, 16) })).rejects.toMatchObject({
      code: 'accrual_day_out_of_order',
    });
    // Day interest = 100,000 × 1,200 / (10,000 × 365) = 120,000,000 / 3,650,000 = 32.876… fen.
    // Day 1: 32, remainder 120,000,000 − 32 × 3,650,000 = 3,200,000.
    // Day 2: 3,200,000 + 120,000,000 = 123,200,000 → 33, remainder 2,750,000.
    // Day 3: 122,750,000 → 33, remainder 2,300,000.
    const firstDays = [];
    for (let d = 15; d <= 17; d += 1)
      firstDays.push((await accrueInterest(deps, { loanId: 'loan-1', dayMs: day(1, d, 18) })).interestMinor);
    expect(firstDays).toEqual([32n, 33n, 33n]);
    expect((await accrueInterest(deps, { loanId: 'loan-1', dayMs: day(1, 17) })).status).toBe('already_accrued');

    const accrueThrough = async (lastMs: number) => {
      for (;;) {
        const loan = await deps.loanStore.getLoan('loan-1');
        const next = loan?.accrual?.nextDayIndex as number;
        if (next * dayMs > lastMs) return;
        await accrueInterest(deps, { loanId: 'loan-1', dayMs: next * dayMs });
      }
    };
    await accrueThrough(day(2, 14));
    // First instalment paid on its due day: 33,333 + 1,000.
    const r1 = await repayLoan(deps, {
      loanId: 'loan-1',
      repaymentId: 'r1',
      amountMinor: 34_333n,
      paidAtMs: day(2, 15, 10),
    });
    expect(r1.repayment).toMatchObject({ penaltyMinor: 0n, interestMinor: 1_000n, principalMinor: 33_333n });
    expect(
      (await repayLoan(deps, { loanId: 'loan-1', repaymentId: 'r1', amountMinor: 34_333n, paidAtMs: day(2, 15, 10) }))
        .status,
    ).toBe('exists');
    // A repayment dated on a day already accrued is refused.
    await expect(
      repayLoan(deps, { loanId: 'loan-1', repaymentId: 'r0', amountMinor: 1n, paidAtMs: day(2, 14, 23) }),
    ).rejects.toMatchObject({ code: 'repayment_backdated' });

    // The second instalment (due 2026-03-15) is not paid. On 2026-03-20: 5 days past due.
    await accrueThrough(day(3, 15));
    expect((await deps.loanStore.getLoan('loan-1'))?.accrual?.penaltyAccruedMinor).toBe(0n);
    expect(await monitorLoan(deps, { loanId: 'loan-1', asOfMs: day(3, 20) })).toMatchObject({
      daysPastDue: 5,
      bucket: 'dpd_1_30',
      overduePrincipalMinor: 33_333n,
      overdueInterestMinor: 667n,
      principalOutstandingMinor: 66_667n,
    });
    // Penalty on 2026-03-16: overdue 33,333 + 667 = 34,000; 34,000 × 600 = 20,400,000 / 3,650,000 = 5.589 → 5, remainder 2,150,000.
    // On 2026-03-17: 2,150,000 + 20,400,000 = 22,550,000 → 6, remainder 650,000 (two days exact: 40,800,000 / 3,650,000 = 11.18 → 11 = 5 + 6).
    expect((await accrueInterest(deps, { loanId: 'loan-1', dayMs: day(3, 16) })).penaltyMinor).toBe(5n);
    expect((await accrueInterest(deps, { loanId: 'loan-1', dayMs: day(3, 17) })).penaltyMinor).toBe(6n);
    const accrued = (await deps.loanStore.getLoan('loan-1'))?.accrual;
    // Interest: 31 days (15 Jan – 14 Feb) on 100,000 and 31 days (15 Feb, the repayment day, – 17 Mar) on 66,667:
    // (31 × 100,000 + 31 × 66,667) × 1,200 / 3,650,000 = 6,200,012,400 / 3,650,000 = 1,698.63 → 1,698.
    expect(accrued?.interestAccruedMinor).toBe(1_698n);
    expect(accrued?.penaltyAccruedMinor).toBe(11n);
    expect((await lookupAccount(deps, { accountId: 'bank.penalty-income' })).creditsPostedMinor).toBe(11n);

    // Owed now: penalty 11 + (667 + 33,333) + (333 + 33,334) = 67,678. The deposit holds 100,000 − 34,333 = 65,667.
    await expect(closeLoan(deps, { loanId: 'loan-1', actorId: 'ops', closedAtMs: day(3, 18) })).rejects.toMatchObject({
      code: 'loan_not_repaid',
    });
    await expect(
      repayLoan(deps, { loanId: 'loan-1', repaymentId: 'r2', amountMinor: 67_678n, paidAtMs: day(3, 18) }),
    ).rejects.toMatchObject({
      code: 'journal_transfer_refused',
      details: { journalCode: 'insufficient_funds' },
    });
    expect((await deps.loanStore.getLoan('loan-1'))?.repayments).toHaveLength(1);
    await createTransfers(deps, {
      nowMs: day(3, 18),
      transfers: [
        {
          transferId: 'in-1',
          kind: 'single',
          debitAccountId: 'bank.settlement',
          creditAccountId: 'borrower-a.deposit',
          amountMinor: 10_000n,
          currency: 'CNY',
        },
      ],
    });
    await expect(
      repayLoan(deps, { loanId: 'loan-1', repaymentId: 'r2', amountMinor: 67_679n, paidAtMs: day(3, 18) }),
    ).rejects.toMatchObject({
      code: 'repayment_exceeds_outstanding',
    });
    await expect(
      repayLoan(deps, { loanId: 'loan-1', repaymentId: 'r2', amountMinor: 0n, paidAtMs: day(3, 18) }),
    ).rejects.toMatchObject({
      code: 'amount_not_positive',
    });
    const r2 = await repayLoan(deps, {
      loanId: 'loan-1',
      repaymentId: 'r2',
      amountMinor: 67_678n,
      paidAtMs: day(3, 18),
    });
    expect(r2.repayment).toMatchObject({ penaltyMinor: 11n, interestMinor: 1_000n, principalMinor: 66_667n });
    expect((await monitorLoan(deps, { loanId: 'loan-1', asOfMs: day(3, 20) })).bucket).toBe('current');

    // Billed interest 1,000 + 667 + 333 = 2,000; accrued 1,698: the true-up adds 302 to income.
    const closed = await closeLoan(deps, { loanId: 'loan-1', actorId: 'ops', closedAtMs: day(3, 18, 12) });
    expect(closed.interestTrueUpMinor).toBe(302n);
    expect(DecisionSchema.parse(closed.decision)).toMatchObject({
      type: 'loan.closed',
      details: {
        principalRepaidMinor: '100000',
        interestPaidMinor: '2000',
        penaltyPaidMinor: '11',
        interestTrueUpMinor: '302',
      },
    });
    expect(await closeLoan(deps, { loanId: 'loan-1', actorId: 'ops', closedAtMs: day(3, 19) })).toEqual(closed);
    await expect(
      closeLoan(deps, { loanId: 'loan-1', actorId: 'someone-else', closedAtMs: day(3, 19) }),
    ).rejects.toMatchObject({
      code: 'loan_transition_invalid',
    });
    const income = await lookupAccount(deps, { accountId: 'bank.interest-income' });
    expect(income.creditsPostedMinor - income.debitsPostedMinor).toBe(2_000n);
    for (const accountId of ['loan-1.principal', 'loan-1.interest', 'loan-1.penalty']) {
      const account = await lookupAccount(deps, { accountId });
      expect(account.debitsPostedMinor - account.creditsPostedMinor, accountId).toBe(0n);
    }
    // Deposit: 100,000 + 10,000 in, 34,333 + 67,678 out = 7,989 left.
    const deposit = await lookupAccount(deps, { accountId: 'borrower-a.deposit' });
    expect(deposit.creditsPostedMinor - deposit.debitsPostedMinor).toBe(7_989n);
    expect((await checkJournalBalance(deps, { currency: 'CNY' })).balanced).toBe(true);
    await expect(
      repayLoan(deps, { loanId: 'loan-1', repaymentId: 'r3', amountMinor: 1n, paidAtMs: day(3, 19) }),
    ).rejects.toMatchObject({
      code: 'loan_transition_invalid',
    });
  });

  it('accrues 100 fen a day on 10,000.00 CNY at 3.65%', async () => {
    // 1,000,000 × 365 / (10,000 × 365) = 100 exactly, no remainder.
    const deps = await setUp();
    await applyForLoan(deps, { ...application, principalMinor: 1_000_000n, annualRateBasisPoints: 365 });
    await assessLoan(deps, {
      loanId: 'loan-1',
      assessorId: 'maker',
      recommendation: 'recommend',
      inputs: [],
      assessedAtMs: day(1, 11),
    });
    await approveLoan(deps, { loanId: 'loan-1', approverId: 'checker', approvedAtMs: day(1, 12) });
    await disburseLoan(deps, {
      loanId: 'loan-1',
      actorId: 'ops',
      disbursedAtMs: day(1, 15),
      firstDueAtMs: day(2, 15),
      ...accounts,
    });
    const result = await accrueInterest(deps, { loanId: 'loan-1', dayMs: day(1, 15) });
    expect([result.interestMinor, result.loan.accrual?.interestRemainder]).toEqual([100n, 0n]);
  });
});
