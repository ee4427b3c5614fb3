import {
  applyForLoan,
  approveLoan,
  assessLoan,
  confirmPayable,
  payableConfirmationBytes,
  splitClaim,
} from '@fieldproof/finance';
import { generateKeyPair, sign, verify } from '@fieldproof/protocol';
import { disburseLoanStep } from '../disburse-loan-step.ts';
import type { FinanceServices } from '../finance-services.ts';

const day = 86_400_000;

/** One loan through apply, assess, four-eyes approval (its decision logged) and disbursement. */
async function lend(
  services: FinanceServices,
  loan: Omit<Parameters<typeof applyForLoan>[1], 'appliedAtMs' | 'enteredById' | 'lenderId' | 'currency'>,
): Promise<void> {
  const nowMs = services.clock();
  const applied = await applyForLoan(
    { loanStore: services.loans },
    { ...loan, lenderId: 'demo-bank', currency: 'CNY', enteredById: 'rm-zhang', appliedAtMs: nowMs },
  );
  if (applied.status === 'exists') return;
  await assessLoan(
    { loanStore: services.loans },
    { loanId: loan.loanId, assessorId: 'risk-chen', recommendation: 'recommend', inputs: [], assessedAtMs: nowMs },
  );
  const approved = await approveLoan(
    { loanStore: services.loans },
    { loanId: loan.loanId, approverId: 'credit-liu', approvedAtMs: nowMs },
  );
  await services.decisionLog.append(approved.decision);
  await disburseLoanStep(services, { loanId: loan.loanId, actorId: 'ops-wang', firstDueAtMs: nowMs + 30 * day });
}

/**
 * The demo bank's book, one loan of each product: inventory pledges on the two warehouse lots;
 * receivables financing of Ningbo Coil on a payable Huadong Steel confirmed with its own key (a
 * demo key made here), after Ningbo split part of the claim to its supplier Jiangnan Ore; and order
 * financing of Wuxi Steel Trading. Each approved under four eyes and disbursed on the journal.
 */
export async function loadDemoLoans(
  services: FinanceServices,
  lots: readonly { lotId: string; pledgorId: string; siteId: string }[],
): Promise<void> {
  const nowMs = services.clock();
  for (const lot of lots) {
    await lend(services, {
      loanId: `demo-loan-${lot.siteId}`,
      borrowerId: lot.pledgorId,
      product: 'inventory_pledge',
      principalMinor: 9_000_000n,
      annualRateBasisPoints: 550,
      penaltyAnnualRateBasisPoints: 825,
      termMonths: 6,
      repaymentMethod: 'interest_only_bullet',
      collateral: { pledgeLotIds: [lot.lotId], claimId: null, orderIds: [] },
    });
  }
  // 确权: the core enterprise signs the payable's terms with its key; the claim exists only then.
  const coreKey = generateKeyPair('ed25519');
  const claimId = 'demo-claim-hd-nb';
  const terms = {
    claimId,
    coreEnterpriseId: 'huadong-steel',
    supplierId: 'ningbo-coil',
    amountMinor: 50_000_000n,
    currency: 'CNY',
    maturityAtMs: nowMs + 90 * day,
    payableReference: 'inv-nb-0102',
  };
  const confirmed = await confirmPayable(
    {
      loanStore: services.loans,
      verifyConfirmation: (coreEnterpriseId, message, signature) =>
        coreEnterpriseId === 'huadong-steel' && verify('ed25519', coreKey.publicKey, message, signature),
    },
    {
      ...terms,
      signature: sign(coreKey, payableConfirmationBytes(terms)),
      actorId: 'hd-treasurer',
      confirmedAtMs: nowMs,
    },
  );
  await services.decisionLog.append(confirmed.decision);
  const split = await splitClaim(
    { loanStore: services.loans },
    {
      claimId,
      holderId: 'ningbo-coil',
      actorId: 'nb-finance',
      splitAtMs: nowMs,
      parts: [
        { claimId: `${claimId}-nb`, holderId: 'ningbo-coil', amountMinor: 30_000_000n },
        { claimId: `${claimId}-jn`, holderId: 'jiangnan-ore', amountMinor: 20_000_000n },
      ],
    },
  );
  await services.decisionLog.append(split.decision);
  await lend(services, {
    loanId: 'demo-loan-receivables-ningbo',
    borrowerId: 'ningbo-coil',
    product: 'receivables',
    principalMinor: 27_000_000n,
    annualRateBasisPoints: 480,
    penaltyAnnualRateBasisPoints: 720,
    termMonths: 3,
    repaymentMethod: 'interest_only_bullet',
    collateral: { pledgeLotIds: [], claimId: `${claimId}-nb`, orderIds: [] },
  });
  await lend(services, {
    loanId: 'demo-loan-order-wuxi',
    borrowerId: 'wuxi-steel-trading',
    product: 'order',
    principalMinor: 12_000_000n,
    annualRateBasisPoints: 600,
    penaltyAnnualRateBasisPoints: 900,
    termMonths: 3,
    repaymentMethod: 'equal_principal',
    collateral: { pledgeLotIds: [], claimId: null, orderIds: ['po-wx-2207'] },
  });
}
