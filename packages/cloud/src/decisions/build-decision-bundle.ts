import { hashLeaf } from '@fieldproof/ledger';
import {
  canonicalize,
  type DecisionLogEntry,
  type DecisionProofBundle,
  DecisionSchema,
  FieldproofError,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { chooseBundleCheckpoint } from '../proofs/choose-bundle-checkpoint.ts';
import type { DecisionStore } from '../storage/cloud-store.ts';

/**
 * The proof bundle of a recorded decision: the decision, its inclusion in the log at the
 * checkpoint chosen as for frames, that (cosigned) checkpoint and its anchor. Throws
 * `decision_not_found`, or `proof_not_ready` while no checkpoint covers it.
 */
export async function buildDecisionBundle(
  context: CloudContext,
  decisions: DecisionStore,
  parameters: { decisionId: string },
): Promise<DecisionProofBundle> {
  const row = await decisions.decisionById(parameters.decisionId);
  if (!row) throw new FieldproofError('decision_not_found', `no decision ${parameters.decisionId}`);
  const decision = DecisionSchema.parse(JSON.parse(row.body));
  const entry: DecisionLogEntry = { kind: 'decision', decision };
  const logPart = await chooseBundleCheckpoint(context, row.log_index, `decision ${row.decision_id}`);
  return {
    v: 1,
    type: 'decision',
    suite: context.suite,
    leafHash: toHex(hashLeaf(context.suite, utf8(canonicalize(entry)))),
    decision,
    log: logPart.log,
    checkpoint: logPart.checkpoint,
    ...(logPart.anchor ? { anchor: logPart.anchor } : {}),
  };
}
