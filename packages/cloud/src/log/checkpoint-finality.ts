import { collectCosignatures } from '@fieldproof/ledger';
import type { CloudContext } from '../context.ts';
import { witnessPolicy } from './witness-policy.ts';

/**
 * Whether a stored checkpoint is final under the configured witness policy (always, without
 * witnesses), and its note with the stored cosignatures that count appended.
 * Precondition: `note` is the log's signed note of size `size` as stored.
 */
export async function checkpointFinality(
  context: CloudContext,
  note: string,
  size: number,
): Promise<{ final: boolean; note: string; cosignatureCount: number }> {
  const policy = witnessPolicy(context);
  if (policy.witnesses.length === 0) return { final: true, note, cosignatureCount: 0 };
  const lines = (await context.cosignatures.cosignaturesAt(size)).map((row) => row.line);
  const collected = collectCosignatures({
    checkpointNote: note,
    cosignatures: lines,
    logKey: policy.logKey,
    witnesses: policy.witnesses,
    threshold: policy.threshold,
  });
  return { final: collected.final, note: collected.note, cosignatureCount: collected.cosigned.length };
}
