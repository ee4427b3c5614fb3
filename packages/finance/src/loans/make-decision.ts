import { type Decision, DecisionSchema } from '@fieldproof/protocol';
import { LoanError } from './loan-error.ts';

/**
 * Build a Decision record for the log and check it against protocol's DecisionSchema. Amounts in
 * `details` are decimal strings of minor units. Throws LoanError `loan_application_invalid` when a
 * caller-supplied id or input does not fit the schema.
 */
export function makeDecision(decision: Decision): Decision {
  const parsed = DecisionSchema.safeParse(decision);
  if (!parsed.success) {
    throw new LoanError(
      'loan_application_invalid',
      `decision ${decision.decisionId} is invalid: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}
