import type { CryptoSuiteName } from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import type { Hash } from '../hash/rfc9162.ts';
import type { HashReader } from '../tree/stored-hash-index.ts';
import { assembleInclusionProof, planInclusionProof, readPlannedHashes } from '../tree/stored-hash-plan.ts';
import { checkStoredTreeNumber } from '../tree/tree-size-check.ts';

/** Which inclusion proof to build. */
export interface ProveInclusionParameters {
  /** Zero-based index of the leaf. */
  leafIndex: number;
  /** Size of the tree the proof is against; the store must hold at least this many leaves. */
  treeSize: number;
}

/** RFC 9162 inclusion proof: sibling hashes from the leaf up to the root. */
export type ProveInclusionResult = Hash[];

/**
 * Build the RFC 9162 inclusion proof of a stored leaf with one readHashes call of O(log n) indexes.
 * Preconditions: 0 ≤ leafIndex < treeSize ≤ storedTreeSizeMax and the store holds treeSize leaves.
 * Throws ProofError `proof_input_invalid` or `proof_index_out_of_range` otherwise.
 */
export async function proveInclusion(
  suite: CryptoSuiteName,
  parameters: ProveInclusionParameters,
  reader: HashReader,
): Promise<ProveInclusionResult> {
  const { leafIndex, treeSize } = parameters;
  checkStoredTreeNumber('leafIndex', leafIndex);
  checkStoredTreeNumber('treeSize', treeSize);
  if (leafIndex >= treeSize) {
    throw new ProofError('proof_index_out_of_range', `leaf index ${leafIndex} is not below tree size ${treeSize}`, {
      leafIndex,
      treeSize,
    });
  }
  const indexes = planInclusionProof(leafIndex, treeSize);
  return assembleInclusionProof(suite, leafIndex, treeSize, await readPlannedHashes(reader, indexes));
}
