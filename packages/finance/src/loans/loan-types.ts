import * as z from 'zod';

/** Loan ids leave room for the suffixes of derived transfer and decision ids (128 characters in all). */
export const LoanIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
/** Party, person and claim ids: protocol's id alphabet, at most 64 characters. */
export const PartyIdSchema = LoanIdSchema;
/** Repayment ids (caller-supplied, unique per loan). */
export const RepaymentIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/);

/** Longest term, months. */
export const termMonthsMax = 360;
/** Highest contractual or penalty rate, basis points a year (100%). */
export const annualRateBasisPointsMax = 10_000;

/** What the loan finances. */
export type LoanProduct =
  /** 动产质押: against pledged inventory lots under IoT monitoring. */
  | 'inventory_pledge'
  /** 应收账款融资: against a digital claim a core enterprise confirmed with its key. */
  | 'receivables'
  /** 订单融资: against purchase orders. */
  | 'order';

/** How principal and interest are repaid. */
export type RepaymentMethod =
  /** 等额本息: equal instalments (annuity). */
  | 'equal_instalments'
  /** 等额本金: equal principal, falling interest. */
  | 'equal_principal'
  /** 先息后本: interest each period, all principal at the end. */
  | 'interest_only_bullet';

/** Where a loan is in its life. */
export type LoanState = 'applied' | 'assessed' | 'rejected' | 'approved' | 'disbursed' | 'closed';

/** Days-past-due bucket (五级分类 maps onto these; 90+ is non-performing). */
export type OverdueBucket = 'current' | 'dpd_1_30' | 'dpd_31_60' | 'dpd_61_90' | 'dpd_90_plus';

/** One instalment of a repayment schedule, bigint minor units. */
export interface Instalment {
  /** 1-based number. */
  number: number;
  /** When it falls due, UTC ms. */
  dueAtMs: number;
  /** Principal due. */
  principalMinor: bigint;
  /** Interest due. */
  interestMinor: bigint;
  /** Principal paid so far. */
  principalPaidMinor: bigint;
  /** Interest paid so far. */
  interestPaidMinor: bigint;
}

/** What the loan is secured on (ids of records kept by collateral/ and flows/). */
export interface LoanCollateral {
  /** Pledged lot ids (inventory pledge). */
  pledgeLotIds: string[];
  /** The digital claim financed (receivables), or null. */
  claimId: string | null;
  /** Purchase order ids (order financing). */
  orderIds: string[];
}

/** Journal accounts a loan posts to. */
export interface LoanAccounts {
  /** Asset: principal the borrower owes (cannot be over-repaid). */
  principalReceivableAccountId: string;
  /** Asset: interest accrued and not yet paid. */
  interestReceivableAccountId: string;
  /** Asset: penalty interest accrued and not yet paid (cannot be over-repaid). */
  penaltyReceivableAccountId: string;
  /** Liability: the borrower's settlement account, credited on disbursement and debited on repayment. */
  borrowerDepositAccountId: string;
  /** Income: the bank's interest income. */
  interestIncomeAccountId: string;
  /** Income: the bank's penalty interest income. */
  penaltyIncomeAccountId: string;
}

/** Daily accrual state, with the exact fractions carried between days. */
export interface LoanAccrual {
  /** The next UTC day index to accrue. */
  nextDayIndex: number;
  /** Interest numerator not yet posted, in fen × 3,650,000 (rate basis points × 365 days). */
  interestRemainder: bigint;
  /** Penalty numerator not yet posted, same unit. */
  penaltyRemainder: bigint;
  /** Interest posted to the journal so far. */
  interestAccruedMinor: bigint;
  /** Penalty interest posted so far. */
  penaltyAccruedMinor: bigint;
  /** Penalty interest paid so far. */
  penaltyPaidMinor: bigint;
}

/** One repayment and how it was allocated. */
export interface LoanRepayment {
  /** Caller-supplied id, unique per loan. */
  repaymentId: string;
  /** Amount paid, minor units. */
  amountMinor: bigint;
  /** When, UTC ms. */
  paidAtMs: number;
  /** Part that paid penalty interest. */
  penaltyMinor: bigint;
  /** Part that paid scheduled interest. */
  interestMinor: bigint;
  /** Part that paid principal. */
  principalMinor: bigint;
}

/** A loan. */
export interface Loan {
  /** Caller-supplied id. */
  loanId: string;
  /** Optimistic-concurrency version: 1 when applied, +1 on every write. */
  version: number;
  /** The borrowing organisation. */
  borrowerId: string;
  /** The lending bank's organisation id (decisions are taken on its authority). */
  lenderId: string;
  /** The product. */
  product: LoanProduct;
  /** Currency of every amount. */
  currency: string;
  /** Principal asked and lent, minor units. */
  principalMinor: bigint;
  /** Contractual rate, basis points a year. */
  annualRateBasisPoints: number;
  /** Penalty (overdue) rate, basis points a year, applied to overdue principal and interest. */
  penaltyAnnualRateBasisPoints: number;
  /** Term in months (one instalment a month). */
  termMonths: number;
  /** How it is repaid. */
  repaymentMethod: RepaymentMethod;
  /** What secures it. */
  collateral: LoanCollateral;
  /** Where it is in its life. */
  state: LoanState;
  /** When it was applied for, UTC ms. */
  appliedAtMs: number;
  /** The bank officer who entered the application. */
  enteredById: string;
  /** The assessment, once assessed. */
  assessment: {
    /** The officer who assessed it (the maker). */
    assessorId: string;
    /** When, UTC ms. */
    assessedAtMs: number;
    /** Recommend or decline. */
    recommendation: 'recommend' | 'decline';
    /** The score and evidence decisions, frames and documents it rests on. */
    inputs: { kind: 'frame' | 'decision' | 'document'; id: string }[];
  } | null;
  /** The approval, once approved. */
  approval: {
    /** The approver (the checker). */
    approverId: string;
    /** When, UTC ms. */
    approvedAtMs: number;
  } | null;
  /** The disbursement, once disbursed. */
  disbursement: {
    /** The officer who released the funds. */
    actorId: string;
    /** When, UTC ms. */
    disbursedAtMs: number;
    /** The journal transfer that moved the principal. */
    transferId: string;
    /** The accounts it posts to. */
    accounts: LoanAccounts;
  } | null;
  /** The repayment schedule (empty before disbursement). */
  schedule: Instalment[];
  /** Daily accrual state (null before disbursement). */
  accrual: LoanAccrual | null;
  /** Repayments applied, in order (their ids make a repeated repayment a no-op). */
  repayments: LoanRepayment[];
  /** When it closed, UTC ms, or null. */
  closedAtMs: number | null;
  /** The officer who closed it, or null. */
  closedById: string | null;
}

/** Where a digital claim stands. */
export type ClaimStatus =
  /** Held and usable: can be split, transferred or financed. */
  | 'active'
  /** Replaced by its parts. */
  | 'split'
  /** Assigned to the bank as security for a loan. */
  | 'financed';

/** A digital claim (数字债权凭证): the core enterprise's signed promise to pay the holder at maturity. */
export interface Claim {
  /** Caller-supplied id. */
  claimId: string;
  /** Optimistic-concurrency version. */
  version: number;
  /** The core enterprise that owes it (the acceptor). */
  coreEnterpriseId: string;
  /** Who holds it now. */
  holderId: string;
  /** Face amount, minor units. */
  amountMinor: bigint;
  /** Currency. */
  currency: string;
  /** When the core enterprise pays, UTC ms. */
  maturityAtMs: number;
  /** The payable it came from (invoice or contract number). */
  payableReference: string;
  /** The claim it was split from, or null for a confirmed root. */
  parentClaimId: string | null;
  /** The confirmed root claim of its family. */
  rootClaimId: string;
  /** The confirmation decision of the root (the proof of 确权). */
  confirmationDecisionId: string;
  /** Where it stands. */
  status: ClaimStatus;
  /** Parts it was split into (when split). */
  childClaimIds: string[];
  /** The loan it secures (when financed), or null. */
  financedByLoanId: string | null;
  /** When it was issued (confirmed or split off), UTC ms. */
  issuedAtMs: number;
}
