import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountBalance,
  checkJournalBalance,
  createAccount,
  createTransfers,
  lookupAccount,
  MemoryJournalStore,
} from '../journal/index.ts';
import { accrueInterest } from './accrue-interest.ts';
import { applyForLoan } from './apply-for-loan.ts';
import { approveLoan } from './approve-loan.ts';
import { assessLoan } from './assess-loan.ts';
import { dayMs } from './calendar.ts';
import { closeLoan } from './close-loan.ts';
import { disburseLoan } from './disburse-loan.ts';
import { LoanError } from './loan-error.ts';
import type { Loan, RepaymentMethod } from './loan-types.ts';
import { MemoryLoanStore } from './memory-loan-store.ts';
import { repayLoan } from './repay-loan.ts';

const startMs = Date.UTC(2026, 0, 15, 9);

type Step =
  | { type: 'days'; count: number }
  | { type: 'repay'; amountMinor: bigint }
  | { type: 'fund'; amountMinor: bigint }
  | { type: 'close' };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('days' as const), count: fc.integer({ min: 1, max: 40 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({ type: fc.constant('repay' as const), amountMinor: fc.bigInt({ min: -1n, max: 60_000n }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('fund' as const), amountMinor: fc.bigInt({ min: 1n, max: 50_000n }) }),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'close' as const }) },
);

describe('loans on the journal (property)', () => {
  it('keep the journal balanced and the loan record equal to the journal, whatever the borrower does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1_000n, max: 200_000n }),
        fc.integer({ min: 0, max: 3_600 }),
        fc.integer({ min: 0, max: 1_800 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom<RepaymentMethod>('equal_instalments', 'equal_principal', 'interest_only_bullet'),
        fc.array(stepArbitrary, { maxLength: 25 }),
        async (principalMinor, rate, penaltyRate, termMonths, repaymentMethod, steps) => {
          const loanStore = new MemoryLoanStore();
          const journalStore = new MemoryJournalStore();
          const deps = { loanStore, journalStore };
          await createAccount(deps, { accountId: 'settlement', currency: 'CNY', code: 'asset', nowMs: startMs });
          await createAccount(deps, { accountId: 'income', currency: 'CNY', code: 'income', nowMs: startMs });
          await createAccount(deps, { accountId: 'penalty', currency: 'CNY', code: 'income', nowMs: startMs });
          await createAccount(deps, {
            accountId: 'deposit',
            currency: 'CNY',
            code: 'liability',
            flags: { debitsMustNotExceedCredits: true },
            nowMs: startMs,
          });
          await applyForLoan(deps, {
            loanId: 'L',
            borrowerId: 'b',
            lenderId: 'bank',
            product: 'order',
            currency: 'CNY',
            principalMinor,
            annualRateBasisPoints: rate,
            penaltyAnnualRateBasisPoints: penaltyRate,
            termMonths,
            repaymentMethod,
            collateral: { pledgeLotIds: [], claimId: null, orderIds: ['po-1'] },
            enteredById: 'clerk',
            appliedAtMs: startMs,
          });
          await assessLoan(deps, {
            loanId: 'L',
            assessorId: 'maker',
            recommendation: 'recommend',
            inputs: [],
            assessedAtMs: startMs,
          });
          await approveLoan(deps, { loanId: 'L', approverId: 'checker', approvedAtMs: startMs });
          await disburseLoan(deps, {
            loanId: 'L',
            actorId: 'ops',
            disbursedAtMs: startMs,
            firstDueAtMs: startMs + 31 * dayMs,
            borrowerDepositAccountId: 'deposit',
            interestIncomeAccountId: 'income',
            penaltyIncomeAccountId: 'penalty',
          });
          let funded = 0n;
          let repaid = 0n;
          let sequence = 0;
          for (const step of steps) {
            const loan = (await loanStore.getLoan('L')) as Loan;
            const nextDay = loan.accrual?.nextDayIndex as number;
            try {
              if (step.type === 'days') {
                for (let d = 0; d < step.count; d += 1)
                  await accrueInterest(deps, { loanId: 'L', dayMs: (nextDay + d) * dayMs });
              } else if (step.type === 'fund') {
                const { results } = await createTransfers(deps, {
                  nowMs: nextDay * dayMs,
                  transfers: [
                    {
                      transferId: `fund-${sequence++}`,
                      kind: 'single',
                      debitAccountId: 'settlement',
                      creditAccountId: 'deposit',
                      amountMinor: step.amountMinor,
                      currency: 'CNY',
                    },
                  ],
                });
                expect(results[0]?.status).toBe('created');
                funded += step.amountMinor;
              } else if (step.type === 'repay') {
                const { repayment } = await repayLoan(deps, {
                  loanId: 'L',
                  repaymentId: `r${sequence++}`,
                  amountMinor: step.amountMinor,
                  paidAtMs: nextDay * dayMs,
                });
                repaid += repayment.amountMinor;
              } else {
                await closeLoan(deps, { loanId: 'L', actorId: 'ops', closedAtMs: nextDay * dayMs });
              }
            } catch (error) {
              // Refusals are expected (short deposit, too much, not repaid, closed); they must be typed.
              expect(error).toBeInstanceOf(LoanError);
            }
            const now = (await loanStore.getLoan('L')) as Loan;
            const accrual = now.accrual as NonNullable<Loan['accrual']>;
            const balance = async (accountId: string) => accountBalance(await lookupAccount(deps, { accountId }));
            expect((await checkJournalBalance(deps, { currency: 'CNY' })).balanced).toBe(true);
            const principalLeft = now.schedule.reduce((s, i) => s + i.principalMinor - i.principalPaidMinor, 0n);
            expect(await balance('L.principal')).toBe(principalLeft);
            expect(await balance('L.penalty')).toBe(accrual.penaltyAccruedMinor - accrual.penaltyPaidMinor);
            const interestPaid = now.repayments.reduce((s, r) => s + r.interestMinor, 0n);
            const trueUp = now.state === 'closed' ? 0n : accrual.interestAccruedMinor - interestPaid;
            expect(await balance('L.interest')).toBe(trueUp);
            expect(await balance('deposit')).toBe(principalMinor + funded - repaid);
            expect(repaid).toBe(
              now.repayments.reduce((s, r) => s + r.penaltyMinor + r.interestMinor + r.principalMinor, 0n),
            );
            if (now.state === 'closed') {
              // Income is exactly what the borrower paid in interest and penalty.
              expect(await balance('income')).toBe(interestPaid);
              expect(await balance('penalty')).toBe(accrual.penaltyPaidMinor);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
