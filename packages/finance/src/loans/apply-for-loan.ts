import { buildRepaymentSchedule } from './build-repayment-schedule.ts';
import { LoanError } from './loan-error.ts';
import type { LoanStore } from './loan-store.ts';
import {
  annualRateBasisPointsMax,
  type Loan,
  type LoanCollateral,
  LoanIdSchema,
  type LoanProduct,
  PartyIdSchema,
  type RepaymentMethod,
} from './loan-types.ts';

/** Most collateral references on one loan. */
export const collateralReferencesMax = 1_000;

/** What applyForLoan needs. */
export interface ApplyForLoanDependencies {
  /** Where loans are kept. */
  loanStore: LoanStore;
}

/** The application. */
export interface ApplyForLoanParameters {
  /** Caller-supplied loan id (≤ 64 characters); applying again with the same terms is a no-op. */
  loanId: string;
  /** The borrowing organisation. */
  borrowerId: string;
  /** The lending bank's organisation. */
  lenderId: string;
  /** The product. */
  product: LoanProduct;
  /** Currency (ISO 4217). */
  currency: string;
  /** Principal asked, minor units. */
  principalMinor: bigint;
  /** Contractual rate, basis points a year. */
  annualRateBasisPoints: number;
  /** Penalty rate on overdue amounts, basis points a year (commonly the contract rate + 30–50%). */
  penaltyAnnualRateBasisPoints: number;
  /** Term in months. */
  termMonths: number;
  /** How it is repaid. */
  repaymentMethod: RepaymentMethod;
  /** Pledged lots (inventory pledge), the claim (receivables) or orders (order financing). */
  collateral: LoanCollateral;
  /** The bank officer entering the application (a maker: may not approve it). */
  enteredById: string;
  /** When, UTC ms. */
  appliedAtMs: number;
}

/** The loan, in state `applied`. */
export interface ApplyForLoanResult {
  /** `created` now or `exists` from an identical earlier application. */
  status: 'created' | 'exists';
  /** The loan. */
  loan: Loan;
}

/**
 * Record a loan application. Checks the terms (they must give a valid schedule) and that the
 * collateral fits the product: lots for inventory pledge, a claim for receivables, orders for
 * order financing. Throws LoanError `loan_application_invalid`, `amount_not_positive`, `loan_id_conflict`.
 */
export async function applyForLoan(
  dependencies: ApplyForLoanDependencies,
  parameters: ApplyForLoanParameters,
): Promise<ApplyForLoanResult> {
  const invalid = (message: string) =>
    new LoanError('loan_application_invalid', message, { loanId: parameters.loanId });
  if (!LoanIdSchema.safeParse(parameters.loanId).success)
    throw invalid(`loan id ${JSON.stringify(parameters.loanId)} is not a valid id`);
  for (const [name, id] of [
    ['borrowerId', parameters.borrowerId],
    ['lenderId', parameters.lenderId],
    ['enteredById', parameters.enteredById],
  ] as const) {
    if (!PartyIdSchema.safeParse(id).success) throw invalid(`${name} ${JSON.stringify(id)} is not a valid id`);
  }
  if (!/^[A-Z]{3}$/.test(parameters.currency))
    throw invalid(`currency ${JSON.stringify(parameters.currency)} is not ISO 4217`);
  const penalty = parameters.penaltyAnnualRateBasisPoints;
  if (!Number.isInteger(penalty) || penalty < 0 || penalty > annualRateBasisPointsMax) {
    throw invalid(`a penalty rate is 0 to ${annualRateBasisPointsMax} basis points, not ${penalty}`);
  }
  // The schedule's own checks cover principal, rate, term and method.
  buildRepaymentSchedule({ ...parameters, firstDueAtMs: parameters.appliedAtMs });
  const { pledgeLotIds, claimId, orderIds } = parameters.collateral;
  const references = [...pledgeLotIds, ...orderIds, ...(claimId === null ? [] : [claimId])];
  if (references.length > collateralReferencesMax || references.some((id) => !PartyIdSchema.safeParse(id).success)) {
    throw invalid(`collateral holds at most ${collateralReferencesMax} valid ids`);
  }
  const fits =
    (parameters.product === 'inventory_pledge' && pledgeLotIds.length > 0) ||
    (parameters.product === 'receivables' && claimId !== null) ||
    (parameters.product === 'order' && orderIds.length > 0);
  if (!fits) throw invalid(`a ${parameters.product} loan needs its collateral (lots, a claim, or orders)`);

  const loan: Loan = {
    loanId: parameters.loanId,
    version: 1,
    borrowerId: parameters.borrowerId,
    lenderId: parameters.lenderId,
    product: parameters.product,
    currency: parameters.currency,
    principalMinor: parameters.principalMinor,
    annualRateBasisPoints: parameters.annualRateBasisPoints,
    penaltyAnnualRateBasisPoints: penalty,
    termMonths: parameters.termMonths,
    repaymentMethod: parameters.repaymentMethod,
    collateral: { pledgeLotIds: [...pledgeLotIds], claimId, orderIds: [...orderIds] },
    state: 'applied',
    appliedAtMs: parameters.appliedAtMs,
    enteredById: parameters.enteredById,
    assessment: null,
    approval: null,
    disbursement: null,
    schedule: [],
    accrual: null,
    repayments: [],
    closedAtMs: null,
    closedById: null,
  };
  const existing = await dependencies.loanStore.getLoan(loan.loanId);
  if (existing) {
    const terms = (l: Loan) =>
      JSON.stringify([
        l.borrowerId,
        l.lenderId,
        l.product,
        l.currency,
        l.principalMinor.toString(),
        l.annualRateBasisPoints,
        l.penaltyAnnualRateBasisPoints,
        l.termMonths,
        l.repaymentMethod,
        l.collateral,
        l.enteredById,
      ]);
    if (terms(existing) !== terms(loan))
      throw new LoanError('loan_id_conflict', `loan ${loan.loanId} exists with other terms`);
    return { status: 'exists', loan: existing };
  }
  if (!(await dependencies.loanStore.putLoan(loan, 0))) {
    throw new LoanError('loan_changed_concurrently', `loan ${loan.loanId} was created concurrently; retry`);
  }
  return { status: 'created', loan };
}
