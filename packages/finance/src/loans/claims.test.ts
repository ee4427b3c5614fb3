import { DecisionSchema, generateKeyPair, sign, verify } from '@fieldproof/protocol';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAccount, MemoryJournalStore } from '../journal/index.ts';
import { applyForLoan } from './apply-for-loan.ts';
import { approveLoan } from './approve-loan.ts';
import { assessLoan } from './assess-loan.ts';
import { closeLoan } from './close-loan.ts';
import { type ConfirmPayableParameters, confirmPayable, payableConfirmationBytes } from './confirm-payable.ts';
import { disburseLoan } from './disburse-loan.ts';
import type { Claim } from './loan-types.ts';
import { MemoryLoanStore } from './memory-loan-store.ts';
import { repayLoan } from './repay-loan.ts';
import { splitClaim } from './split-claim.ts';

const coreKey = generateKeyPair('ed25519');
const forgerKey = generateKeyPair('ed25519');
/** The real protocol verifier, with the core enterprise's key on file. */
const verifyConfirmation = (coreEnterpriseId: string, message: Uint8Array, signature: Uint8Array) =>
  coreEnterpriseId === 'core-byd' && verify('ed25519', coreKey.publicKey, message, signature);

const confirmedAtMs = Date.UTC(2026, 0, 10);
const maturityAtMs = Date.UTC(2026, 6, 10);
const terms = {
  claimId: 'claim-1',
  coreEnterpriseId: 'core-byd',
  supplierId: 'tier1',
  amountMinor: 1_000_000n,
  currency: 'CNY',
  maturityAtMs,
  payableReference: 'INV-2026-0001',
};

function signed(keyPair = coreKey, overrides: Partial<ConfirmPayableParameters> = {}): ConfirmPayableParameters {
  return {
    ...terms,
    signature: sign(keyPair, payableConfirmationBytes(terms)),
    actorId: 'byd-treasurer',
    confirmedAtMs,
    ...overrides,
  };
}

async function confirmed() {
  const loanStore = new MemoryLoanStore();
  const deps = { loanStore, verifyConfirmation };
  const result = await confirmPayable(deps, signed());
  return { deps, loanStore, ...result };
}

describe('confirmPayable', () => {
  it('issues a claim only on the core enterprise signature', async () => {
    const { claim, decision } = await confirmed();
    expect(claim).toMatchObject({
      holderId: 'tier1',
      amountMinor: 1_000_000n,
      status: 'active',
      rootClaimId: 'claim-1',
    });
    expect(DecisionSchema.parse(decision)).toMatchObject({
      type: 'claim.confirmed',
      organisationId: 'core-byd',
      details: { amountMinor: '1000000' },
    });
    const loanStore = new MemoryLoanStore();
    const deps = { loanStore, verifyConfirmation };
    // A forged key, and a genuine signature over other terms (the amount raised), are both refused.
    await expect(confirmPayable(deps, signed(forgerKey))).rejects.toMatchObject({ code: 'claim_confirmation_invalid' });
    await expect(confirmPayable(deps, signed(coreKey, { amountMinor: 9_000_000n }))).rejects.toMatchObject({
      code: 'claim_confirmation_invalid',
    });
    expect(await loanStore.getClaim('claim-1')).toBeUndefined();
  });
});

describe('splitClaim', () => {
  it('splits and passes parts upstream with the amount conserved', async () => {
    const { deps, loanStore } = await confirmed();
    const at = Date.UTC(2026, 1, 1);
    const base = { claimId: 'claim-1', holderId: 'tier1', actorId: 'tier1-cfo', splitAtMs: at };
    // 600,000 + 300,000 = 900,000 ≠ 1,000,000.
    await expect(
      splitClaim(deps, {
        ...base,
        parts: [
          { claimId: 'c-a', holderId: 'tier2', amountMinor: 600_000n },
          { claimId: 'c-b', holderId: 'tier1', amountMinor: 300_000n },
        ],
      }),
    ).rejects.toMatchObject({ code: 'claim_split_invalid' });
    await expect(
      splitClaim(deps, { ...base, parts: [{ claimId: 'c-a', holderId: 'tier2', amountMinor: 0n }] }),
    ).rejects.toMatchObject({
      code: 'claim_split_invalid',
    });
    await expect(
      splitClaim(deps, {
        ...base,
        holderId: 'tier2',
        parts: [{ claimId: 'c-a', holderId: 'tier2', amountMinor: 1_000_000n }],
      }),
    ).rejects.toMatchObject({ code: 'claim_not_held_by_party' });
    await expect(
      splitClaim(deps, {
        ...base,
        splitAtMs: maturityAtMs,
        parts: [{ claimId: 'c-a', holderId: 'tier2', amountMinor: 1_000_000n }],
      }),
    ).rejects.toMatchObject({ code: 'claim_matured' });
    const parts = [
      { claimId: 'c-a', holderId: 'tier2', amountMinor: 600_000n },
      { claimId: 'c-b', holderId: 'tier1', amountMinor: 400_000n },
    ];
    const { claims, decision } = await splitClaim(deps, { ...base, parts });
    expect(claims.map((c) => [c.holderId, c.amountMinor, c.parentClaimId, c.maturityAtMs])).toEqual([
      ['tier2', 600_000n, 'claim-1', maturityAtMs],
      ['tier1', 400_000n, 'claim-1', maturityAtMs],
    ]);
    expect(DecisionSchema.parse(decision)).toMatchObject({
      decisionId: 'claim-1.split',
      type: 'claim.split',
      inputs: [{ kind: 'decision', id: 'claim-1.confirmed' }],
      details: { amountMinor: '1000000', partCount: 2 },
    });
    // The same split again returns the same claims and decision; another split of the parent is refused.
    expect(await splitClaim(deps, { ...base, parts })).toEqual({ claims, decision });
    await expect(
      splitClaim(deps, { ...base, parts: [{ claimId: 'c-z', holderId: 'tier3', amountMinor: 1_000_000n }] }),
    ).rejects.toMatchObject({
      code: 'claim_not_active',
    });
    // A part id already in use is refused.
    await expect(
      splitClaim(deps, {
        claimId: 'c-a',
        holderId: 'tier2',
        actorId: 'x',
        splitAtMs: at,
        parts: [{ claimId: 'c-b', holderId: 'tier3', amountMinor: 600_000n }],
      }),
    ).rejects.toMatchObject({ code: 'claim_id_conflict' });
    expect((await loanStore.getClaim('claim-1'))?.status).toBe('split');
  });

  it('conserves the amount over any sequence of splits and transfers (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            pick: fc.nat(),
            cuts: fc.array(fc.nat(), { maxLength: 3 }),
            holder: fc.constantFrom('tier1', 'tier2', 'tier3'),
            wrongHolder: fc.boolean(),
          }),
          {
            maxLength: 12,
          },
        ),
        async (steps) => {
          const { deps, loanStore } = await confirmed();
          const active: Claim[] = [(await loanStore.getClaim('claim-1')) as Claim];
          let next = 0;
          for (const step of steps) {
            const claim = active[step.pick % active.length] as Claim;
            // Cut points inside (0, amount) give 1–4 parts that add up to it.
            const points = [...new Set(step.cuts.map((c) => BigInt(c) % claim.amountMinor).filter((c) => c > 0n))].sort(
              (a, b) => (a < b ? -1 : 1),
            );
            const bounds = [0n, ...points, claim.amountMinor];
            const parts = bounds.slice(1).map((end, i) => ({
              claimId: `p-${next++}`,
              holderId: step.holder,
              amountMinor: end - (bounds[i] as bigint),
            }));
            const holderId = step.wrongHolder ? 'stranger' : claim.holderId;
            try {
              const { claims } = await splitClaim(deps, {
                claimId: claim.claimId,
                holderId,
                actorId: 'a',
                splitAtMs: confirmedAtMs + 1,
                parts,
              });
              active.splice(active.indexOf(claim), 1, ...claims);
            } catch (error) {
              expect(step.wrongHolder).toBe(true);
              expect(error).toMatchObject({ code: 'claim_not_held_by_party' });
            }
            let total = 0n;
            for (const c of active) {
              const stored = (await loanStore.getClaim(c.claimId)) as Claim;
              expect(stored.status).toBe('active');
              total += stored.amountMinor;
            }
            expect(total).toBe(1_000_000n);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('receivables financing', () => {
  it('lends against a held claim, locks it while financed and releases it at close', async () => {
    const { deps, loanStore } = await confirmed();
    const journalStore = new MemoryJournalStore();
    const all = { loanStore, journalStore };
    const nowMs = Date.UTC(2026, 1, 1);
    await createAccount(all, {
      accountId: 'tier1.deposit',
      currency: 'CNY',
      code: 'liability',
      flags: { debitsMustNotExceedCredits: true },
      nowMs,
    });
    await createAccount(all, { accountId: 'income', currency: 'CNY', code: 'income', nowMs });
    await createAccount(all, { accountId: 'penalty', currency: 'CNY', code: 'income', nowMs });
    const apply = (loanId: string, principalMinor: bigint) =>
      applyForLoan(all, {
        loanId,
        borrowerId: 'tier1',
        lenderId: 'bank-1',
        product: 'receivables',
        currency: 'CNY',
        principalMinor,
        annualRateBasisPoints: 0,
        penaltyAnnualRateBasisPoints: 0,
        termMonths: 1,
        repaymentMethod: 'interest_only_bullet',
        collateral: { pledgeLotIds: [], claimId: 'claim-1', orderIds: [] },
        enteredById: 'clerk',
        appliedAtMs: nowMs,
      });
    const toApproved = async (loanId: string) => {
      await assessLoan(all, {
        loanId,
        assessorId: 'maker',
        recommendation: 'recommend',
        inputs: [],
        assessedAtMs: nowMs,
      });
      return approveLoan(all, { loanId, approverId: 'checker', approvedAtMs: nowMs });
    };
    // 1,000,001 fen against a 1,000,000 claim is refused.
    await apply('too-big', 1_000_001n);
    await expect(toApproved('too-big')).rejects.toMatchObject({ code: 'collateral_insufficient' });
    await apply('rf-1', 800_000n);
    const { decision } = await toApproved('rf-1');
    expect(decision.inputs).toContainEqual({ kind: 'decision', id: 'claim-1.confirmed' });
    await disburseLoan(all, {
      loanId: 'rf-1',
      actorId: 'ops',
      disbursedAtMs: nowMs,
      firstDueAtMs: Date.UTC(2026, 2, 1),
      borrowerDepositAccountId: 'tier1.deposit',
      interestIncomeAccountId: 'income',
      penaltyIncomeAccountId: 'penalty',
    });
    expect(await loanStore.getClaim('claim-1')).toMatchObject({ status: 'financed', financedByLoanId: 'rf-1' });
    await expect(
      splitClaim(deps, {
        claimId: 'claim-1',
        holderId: 'tier1',
        actorId: 'a',
        splitAtMs: nowMs,
        parts: [{ claimId: 'x', holderId: 'tier2', amountMinor: 1_000_000n }],
      }),
    ).rejects.toMatchObject({ code: 'claim_not_active' });
    await repayLoan(all, { loanId: 'rf-1', repaymentId: 'r1', amountMinor: 800_000n, paidAtMs: nowMs + 1 });
    await closeLoan(all, { loanId: 'rf-1', actorId: 'ops', closedAtMs: nowMs + 2 });
    expect(await loanStore.getClaim('claim-1')).toMatchObject({ status: 'active', financedByLoanId: null });
  });
});
