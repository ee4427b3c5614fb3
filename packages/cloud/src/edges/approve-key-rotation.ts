import { FieldproofError } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { appendDecision } from '../decisions/append-decision.ts';
import type { EdgeOperationsStore } from './edge-operations-store.ts';

export interface ApproveKeyRotationParameters {
  edgeId: string;
  keyId: string;
  /** First batch seq the new key signs; default the next batch the cloud expects. */
  fromBatchSeq?: number;
  /** Who approved (for the decision leaf). */
  actorId: string;
}

export interface ApproveKeyRotationResult {
  edgeId: string;
  keyId: string;
  fromBatchSeq: number;
  /** Leaf index of the `edge.key_rotated` decision. */
  logIndex: number;
}

/**
 * Approve an edge's pending key from a batch seq on (above every batch accepted from the edge),
 * and record it as an `edge.key_rotated` decision leaf. Throws key_rotation_invalid otherwise.
 */
export async function approveKeyRotation(
  context: CloudContext,
  operations: EdgeOperationsStore,
  parameters: ApproveKeyRotationParameters,
): Promise<ApproveKeyRotationResult> {
  const outcome = await operations.approveKey(
    parameters.edgeId,
    parameters.keyId,
    parameters.fromBatchSeq,
    context.clock(),
  );
  if ('refused' in outcome) throw new FieldproofError('key_rotation_invalid', outcome.refused);
  const decision = await appendDecision(context, {
    decision: {
      decisionId: `edge-key-${parameters.edgeId}-${parameters.keyId.slice(0, 16)}`,
      type: 'edge.key_rotated',
      organisationId: 'operator',
      actorId: parameters.actorId,
      decidedAtMs: context.clock(),
      subjectId: parameters.edgeId,
      inputs: [],
      details: { keyId: parameters.keyId, fromBatchSeq: outcome.fromBatchSeq },
    },
  });
  context.log.info(
    { edgeId: parameters.edgeId, keyId: parameters.keyId, fromBatchSeq: outcome.fromBatchSeq },
    'edge key rotation approved',
  );
  return {
    edgeId: parameters.edgeId,
    keyId: parameters.keyId,
    fromBatchSeq: outcome.fromBatchSeq,
    logIndex: decision.logIndex,
  };
}
