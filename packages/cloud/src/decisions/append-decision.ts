import {
  canonicalize,
  type Decision,
  type DecisionLogEntry,
  DecisionSchema,
  decisionBytesMax,
  FieldproofError,
  utf8,
} from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';

export interface AppendDecisionParameters {
  /** The decision to record (validated here). */
  decision: unknown;
}

export interface AppendDecisionResult {
  /** The decision's id. */
  decisionId: string;
  /** Its leaf index in the log. */
  logIndex: number;
  /** `appended` the first time, `duplicate` when the identical decision was recorded before. */
  status: 'appended' | 'duplicate';
}

/**
 * Record a finance decision as a log leaf (`{kind: 'decision', decision}`, RFC 8785) and in the
 * decision table, in one transaction with the log append. Idempotent by decisionId: the same
 * decision again answers `duplicate`; a different one under a used id is `decision_conflict`.
 */
export async function appendDecision(
  context: CloudContext,
  parameters: AppendDecisionParameters,
): Promise<AppendDecisionResult> {
  const parsed = DecisionSchema.safeParse(parameters.decision);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FieldproofError(
      'decision_invalid',
      `${issue?.path.join('.') || 'decision'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const decision: Decision = parsed.data;
  const body = canonicalize(decision);
  if (utf8(body).length > decisionBytesMax) {
    throw new FieldproofError('decision_invalid', `the decision is over decisionBytesMax ${decisionBytesMax} bytes`);
  }
  const entry: DecisionLogEntry = { kind: 'decision', decision };
  const nowMs = context.clock();
  // The decision row and its log entry are written by the log's single writer, in one transaction.
  const result = await context.sequencer.write(async (tx, stage): Promise<AppendDecisionResult | FieldproofError> => {
    const existing = await tx.decisionById(decision.decisionId);
    if (existing) {
      return existing.body === body
        ? { decisionId: decision.decisionId, logIndex: existing.log_index, status: 'duplicate' }
        : new FieldproofError(
            'decision_conflict',
            `decision ${decision.decisionId} was recorded before with other content`,
          );
    }
    const staged = stage('decision', utf8(canonicalize(entry)), nowMs);
    await tx.insertDecision(
      {
        decision_id: decision.decisionId,
        type: decision.type,
        organisation_id: decision.organisationId,
        subject_id: decision.subjectId,
        decided_at_ms: decision.decidedAtMs,
        log_index: staged.leafIndex,
        body,
      },
      nowMs,
    );
    return { decisionId: decision.decisionId, logIndex: staged.leafIndex, status: 'appended' };
  });
  if (result instanceof FieldproofError) throw result;
  context.log.info(
    { decisionId: result.decisionId, type: decision.type, logIndex: result.logIndex },
    'decision recorded',
  );
  return result;
}
