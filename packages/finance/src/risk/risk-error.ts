import { CodedError } from '@fieldproof/protocol';

/** Stable codes of risk and alert refusals. A code never changes meaning once released. */
export type RiskErrorCode =
  /** No alert with that id. */
  | 'alert_not_found'
  /** The action is not allowed from the alert's state (open → acknowledged → resolved; resolved is final). */
  | 'alert_transition_invalid'
  /** A note or resolution is empty or longer than alertNoteCharactersMax. */
  | 'alert_note_invalid'
  /** An assignee id is empty. */
  | 'alert_assignee_invalid'
  /** A rule's input is out of range (a window longer than the series, a negative radius). */
  | 'risk_input_invalid';

/** HTTP status of each code. */
export const riskErrorStatus: Readonly<Record<RiskErrorCode, number>> = {
  alert_not_found: 404,
  alert_transition_invalid: 409,
  alert_note_invalid: 400,
  alert_assignee_invalid: 400,
  risk_input_invalid: 400,
};

/** A risk or alert operation was refused (an operating error). */
export class RiskError extends CodedError<RiskErrorCode> {
  override name = 'RiskError';
  /** HTTP status that this error maps to. */
  get status(): number {
    return riskErrorStatus[this.code];
  }
}
