import { CodedError } from '@fieldproof/protocol';

/** Stable codes of loan and claim refusals. A code never changes meaning once released. */
export type LoanErrorCode =
  /** The application is malformed: an id, a rate, a term or a collateral reference is out of range. */
  | 'loan_application_invalid'
  /** A loan with this id exists with different terms. */
  | 'loan_id_conflict'
  /** No loan with that id. */
  | 'loan_not_found'
  /** The operation is not allowed in the loan's current state (e.g. disburse before approve). */
  | 'loan_transition_invalid'
  /** The approver is the maker (the officer who entered or assessed the loan): four eyes are required. */
  | 'maker_checker_same_person'
  /** The loan was changed by another writer between read and write; retry. */
  | 'loan_changed_concurrently'
  /** The collateral does not support the loan (claim not held by the borrower, too small, other currency). */
  | 'collateral_insufficient'
  /** An amount is zero or negative. */
  | 'amount_not_positive'
  /** The repayment is larger than everything the borrower owes. */
  | 'repayment_exceeds_outstanding'
  /** The loan cannot close while principal, interest or penalty is unpaid. */
  | 'loan_not_repaid'
  /** The accrual day is not the next day to accrue (days accrue one by one, in order). */
  | 'accrual_day_out_of_order'
  /** The repayment is dated on a day whose interest has already been accrued. */
  | 'repayment_backdated'
  /** The journal refused a transfer (its code is in details.journalCode). */
  | 'journal_transfer_refused'
  /** No claim with that id. */
  | 'claim_not_found'
  /** A claim with this id exists with different fields, or a part reuses an existing id. */
  | 'claim_id_conflict'
  /** The core enterprise's signature over the payable confirmation does not verify. */
  | 'claim_confirmation_invalid'
  /** The claim is split, financed or settled: it cannot be split, transferred or financed. */
  | 'claim_not_active'
  /** The party acting is not the claim's current holder. */
  | 'claim_not_held_by_party'
  /** The claim has reached its maturity: it can only be paid. */
  | 'claim_matured'
  /** The parts of a split do not add up to the claim, are not positive, or are too many. */
  | 'claim_split_invalid';

/** A loan or claim operation was refused (an operating error: nothing was written). */
export class LoanError extends CodedError<LoanErrorCode> {
  override name = 'LoanError';
}
