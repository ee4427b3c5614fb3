import { proveInclusion } from '@fieldproof/ledger';
import { FieldproofError, type FrameProofBundle, toBase64 } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { checkpointFinality } from '../log/checkpoint-finality.ts';
import { findFinalCheckpoint } from '../log/find-final-checkpoint.ts';

/** The log part of a bundle: the entry's inclusion at a checkpoint covering it, and that checkpoint. */
export interface BundleLogPart {
  /** Origin, leaf index, tree size and RFC 9162 inclusion proof of the entry. */
  log: FrameProofBundle['log'];
  /** The checkpoint note (with the cosignatures that make it final, when witnesses are configured). */
  checkpoint: string;
  /** The anchor of that checkpoint, when a chain is configured and it is anchored. */
  anchor: FrameProofBundle['anchor'];
}

/**
 * Choose the checkpoint a bundle of log entry `leafIndex` is proved against — the latest one; with
 * witnesses configured, the latest final one covering the entry, else the latest with the
 * cosignatures it has so far — and build the entry's inclusion proof at its size. Throws
 * `proof_not_ready` while no signed checkpoint covers the entry.
 */
export async function chooseBundleCheckpoint(
  context: CloudContext,
  leafIndex: number,
  what: string,
): Promise<BundleLogPart> {
  const { store, suite } = context;
  const checkpoint = await store.latestCheckpoint();
  if (!checkpoint || checkpoint.size <= leafIndex) {
    throw new FieldproofError(
      'proof_not_ready',
      `${what} is in log entry ${leafIndex}; no signed checkpoint covers it yet`,
      {
        logIndex: leafIndex,
        checkpointSize: checkpoint?.size ?? 0,
      },
    );
  }
  let chosen = { size: checkpoint.size, note: checkpoint.note };
  if (context.config.witnesses.length > 0) {
    const final = await findFinalCheckpoint(context, { sizeMin: leafIndex + 1 });
    chosen = final
      ? { size: final.size, note: final.note }
      : { size: checkpoint.size, note: (await checkpointFinality(context, checkpoint.note, checkpoint.size)).note };
  }
  const anchorRow = await context.anchors?.store.anchorAt(chosen.size);
  const anchor =
    context.anchors && anchorRow?.state === 'final' && anchorRow.txHash && anchorRow.blockNumber !== undefined
      ? {
          chainId: context.anchors.chainId,
          contract: context.anchors.contractAddress,
          txHash: anchorRow.txHash,
          blockNumber: anchorRow.blockNumber,
          size: chosen.size,
        }
      : undefined;
  const proof = await proveInclusion(suite, { leafIndex, treeSize: chosen.size }, store);
  return {
    log: { origin: context.origin, leafIndex, treeSize: chosen.size, inclusionProof: proof.map(toBase64) },
    checkpoint: chosen.note,
    anchor,
  };
}
