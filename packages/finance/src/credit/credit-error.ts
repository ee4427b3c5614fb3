import { CodedError } from '@fieldproof/protocol';

/** Stable codes of credit refusals. A code never changes meaning once released. */
export type CreditErrorCode =
  /** An input series or amount is out of range (a negative kWh, an empty window, a negative amount). */
  | 'credit_input_invalid'
  /** A scorecard's bins overlap, leave a gap, or a characteristic lacks its missing-value bin. */
  | 'scorecard_invalid';

/** HTTP status of each code. */
export const creditErrorStatus: Readonly<Record<CreditErrorCode, number>> = {
  credit_input_invalid: 400,
  scorecard_invalid: 500,
};

/** A credit operation was refused (an operating error). */
export class CreditError extends CodedError<CreditErrorCode> {
  override name = 'CreditError';
  /** HTTP status that this error maps to. */
  get status(): number {
    return creditErrorStatus[this.code];
  }
}
