import type { CloudContext } from '../context.ts';
import { checkpointFinality } from './checkpoint-finality.ts';
import { witnessPolicy } from './witness-policy.ts';

/** Which final checkpoint to look for. */
export interface FindFinalCheckpointParameters {
  /** Only checkpoints of at least this size; 1 by default. */
  sizeMin?: number;
  /** Only checkpoints of at most this size; any by default. */
  sizeMax?: number;
}

/** A final checkpoint. */
export interface FinalCheckpoint {
  /** Its size. */
  size: number;
  /** The log's note with the cosignature lines that make it final appended (none without witnesses). */
  note: string;
  /** How many configured witnesses cosigned it. */
  cosignatureCount: number;
}

/**
 * The largest stored checkpoint in [sizeMin, sizeMax] that is final: with witnesses configured,
 * one with valid cosignatures of at least `witnessThreshold` distinct configured witnesses
 * (collectCosignatures re-checks every stored line under the configured keys); without, any
 * checkpoint. Undefined when there is none among the latest finalCandidatesMax cosigned sizes.
 */
export async function findFinalCheckpoint(
  context: CloudContext,
  parameters: FindFinalCheckpointParameters = {},
): Promise<FinalCheckpoint | undefined> {
  const { store, cosignatures } = context;
  const sizeMin = parameters.sizeMin ?? 1;
  const sizeMax = parameters.sizeMax ?? Number.MAX_SAFE_INTEGER;
  const policy = witnessPolicy(context);
  if (policy.witnesses.length === 0) {
    const latest = await store.latestCheckpoint();
    const checkpoint = latest && latest.size > sizeMax ? await store.checkpointAt(sizeMax) : latest;
    if (!checkpoint || checkpoint.size < sizeMin) return undefined;
    return { size: checkpoint.size, note: checkpoint.note, cosignatureCount: 0 };
  }
  for (const size of await cosignatures.sizesCosignedBy(policy.threshold, sizeMax)) {
    if (size < sizeMin) return undefined;
    const checkpoint = await store.checkpointAt(size);
    if (!checkpoint) continue;
    const verdict = await checkpointFinality(context, checkpoint.note, size);
    if (verdict.final) return { size, note: verdict.note, cosignatureCount: verdict.cosignatureCount };
  }
  return undefined;
}
