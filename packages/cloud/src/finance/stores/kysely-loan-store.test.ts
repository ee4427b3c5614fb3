import { applyForLoan, type Claim, type Loan, LoanError, type LoanStore } from '@fieldproof/finance';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FinanceBackend, financeBackends } from '../../../_test/finance-backends.ts';

const appliedAtMs = Date.UTC(2026, 10, 2);

const application = {
  loanId: 'loan-1',
  borrowerId: 'org-smelter',
  lenderId: 'org-bank-a',
  product: 'inventory_pledge' as const,
  currency: 'CNY',
  principalMinor: 350_000_000n,
  annualRateBasisPoints: 480,
  penaltyAnnualRateBasisPoints: 720,
  termMonths: 6,
  repaymentMethod: 'equal_instalments' as const,
  collateral: { pledgeLotIds: ['lot-1'], claimId: null, orderIds: [] },
  enteredById: 'officer-1',
  appliedAtMs,
};

function claim(claimId: string, version: number, overrides: Partial<Claim> = {}): Claim {
  return {
    claimId,
    version,
    coreEnterpriseId: 'org-core',
    holderId: 'org-supplier',
    amountMinor: 2n ** 63n - 1n,
    currency: 'CNY',
    maturityAtMs: appliedAtMs + 90 * 86_400_000,
    payableReference: 'INV-0042',
    parentClaimId: null,
    rootClaimId: claimId,
    confirmationDecisionId: 'dec-confirm-1',
    status: 'active',
    childClaimIds: [],
    financedByLoanId: null,
    issuedAtMs: appliedAtMs,
    ...overrides,
  };
}

describe.each(financeBackends())('loan store contract on $name', (backend: FinanceBackend) => {
  let loanStore: LoanStore;
  let available = true;
  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    ({ loanStore } = await backend.open());
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('stores an application once and gives it back whole, bigints and nested records included', async () => {
    const { status, loan } = await applyForLoan({ loanStore }, application);
    expect(status).toBe('created');
    expect(await loanStore.getLoan('loan-1')).toEqual(loan);
    expect((await applyForLoan({ loanStore }, application)).status).toBe('exists');
    const disbursed: Loan = {
      ...loan,
      version: 2,
      state: 'disbursed',
      schedule: [
        {
          number: 1,
          dueAtMs: appliedAtMs + 1,
          principalMinor: 2n ** 63n - 1n,
          interestMinor: 7n,
          principalPaidMinor: 0n,
          interestPaidMinor: 0n,
        },
      ],
      accrual: {
        nextDayIndex: 20_000,
        interestRemainder: 3_649_999n,
        penaltyRemainder: 0n,
        interestAccruedMinor: 12n,
        penaltyAccruedMinor: 0n,
        penaltyPaidMinor: 0n,
      },
    };
    expect(await loanStore.putLoan(disbursed, 1)).toBe(true);
    expect(await loanStore.getLoan('loan-1')).toEqual(disbursed);
    expect(await loanStore.getLoan('loan-2')).toBeUndefined();
  });

  it('writes only on the version read: a stale version or a second insert changes nothing', async () => {
    const { loan } = await applyForLoan({ loanStore }, application);
    expect(await loanStore.putLoan({ ...loan, version: 1, state: 'rejected' }, 0)).toBe(false);
    expect(await loanStore.putLoan({ ...loan, version: 2, state: 'assessed' }, 1)).toBe(true);
    expect(await loanStore.putLoan({ ...loan, version: 2, state: 'rejected' }, 1)).toBe(false);
    expect(await loanStore.putLoan({ ...loan, version: 3, state: 'rejected' }, 5)).toBe(false);
    expect(await loanStore.getLoan('loan-1')).toMatchObject({ version: 2, state: 'assessed' });
  });

  it('lets exactly one of two concurrent writers of one version win', async () => {
    const { loan } = await applyForLoan({ loanStore }, application);
    for (let round = 1; round <= 5; round += 1) {
      const read = (await loanStore.getLoan('loan-1')) as Loan;
      const outcomes = await Promise.all([
        loanStore.putLoan({ ...read, version: read.version + 1, enteredById: `a-${round}` }, read.version),
        loanStore.putLoan({ ...read, version: read.version + 1, enteredById: `b-${round}` }, read.version),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await loanStore.getLoan('loan-1'))?.version).toBe(loan.version + round);
    }
    // Two applications of one new loan at once: one creates it, the other sees it or is told to retry.
    const racing = await Promise.allSettled([
      applyForLoan({ loanStore }, { ...application, loanId: 'loan-2' }),
      applyForLoan({ loanStore }, { ...application, loanId: 'loan-2' }),
    ]);
    const created = racing.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.status === 'created');
    expect(created).toHaveLength(1);
    for (const outcome of racing) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(LoanError);
        expect(outcome.reason.code).toBe('loan_changed_concurrently');
      }
    }
  });

  it('writes a set of claims all together or not at all', async () => {
    expect(await loanStore.putClaims([{ claim: claim('c-root', 1), expectedVersion: 0 }])).toBe(true);
    expect(await loanStore.getClaim('c-root')).toEqual(claim('c-root', 1));
    const split = [
      { claim: claim('c-root', 2, { status: 'split', childClaimIds: ['c-a', 'c-b'] }), expectedVersion: 1 },
      {
        claim: claim('c-a', 1, { amountMinor: 1n, parentClaimId: 'c-root', rootClaimId: 'c-root' }),
        expectedVersion: 0,
      },
      {
        claim: claim('c-b', 1, { amountMinor: 2n, parentClaimId: 'c-root', rootClaimId: 'c-root' }),
        expectedVersion: 0,
      },
    ];
    const stale = [...split.slice(0, 2), { ...split[2], expectedVersion: 3 }] as typeof split;
    expect(await loanStore.putClaims(stale)).toBe(false);
    expect(await loanStore.getClaim('c-a')).toBeUndefined();
    expect((await loanStore.getClaim('c-root'))?.status).toBe('active');
    expect(await loanStore.putClaims(split)).toBe(true);
    expect((await loanStore.getClaim('c-root'))?.childClaimIds).toEqual(['c-a', 'c-b']);
    expect((await loanStore.getClaim('c-b'))?.amountMinor).toBe(2n);
    expect(await loanStore.putClaims(split)).toBe(false);
  });
});
