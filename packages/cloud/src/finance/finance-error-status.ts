import { CodedError } from '@fieldproof/protocol';

/** Statuses of the finance codes whose error classes carry none (LoanError, JournalError, PartyError, FlowError). */
const statusByCode: Readonly<Record<string, number>> = {
  maker_checker_same_person: 403,
  loan_transition_invalid: 409,
  loan_changed_concurrently: 409,
  loan_id_conflict: 409,
  claim_id_conflict: 409,
  claim_not_active: 409,
  claim_matured: 409,
  claim_not_held_by_party: 403,
  loan_application_invalid: 400,
  amount_not_positive: 400,
  party_parameter_invalid: 400,
};

/**
 * The HTTP status of a finance package error: its own `status` when its class has one, else by
 * code (`…_not_found`/`…_unknown` 404, a four-eyes breach 403, a state or version clash 409, a bad
 * parameter 400, any other refusal 422). Undefined for anything that is not a CodedError.
 */
export function financeErrorStatus(error: unknown): number | undefined {
  if (!(error instanceof CodedError)) return undefined;
  const own = (error as { status?: unknown }).status;
  if (typeof own === 'number') return own;
  const code = error.code as string;
  if (statusByCode[code] !== undefined) return statusByCode[code];
  if (code.endsWith('_not_found') || code.endsWith('_unknown')) return 404;
  if (code.endsWith('_invalid')) return 400;
  return 422;
}
