import type { CryptoSuiteName } from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import type { Hash } from '../hash/rfc9162.ts';
import { checkRootMatch, isValidSubtree, rootFromInclusionProofExact, toExactCount } from './proof-math.ts';

/** A subtree inclusion proof (Merkle Tree Certificates draft) to check. */
export interface VerifySubtreeInclusionParameters {
  /** Zero-based index of the leaf in the whole tree; must lie in [start, end). */
  leafIndex: number;
  /** First leaf of the subtree. */
  start: number;
  /** One past the last leaf of the subtree. */
  end: number;
  /** RFC 9162 leaf hash of the entry (32 bytes). */
  leafHash: Hash;
  /** Sibling hashes from the leaf up to the subtree root. */
  proof: readonly Hash[];
  /** The known hash of the subtree [start, end). */
  subtreeRoot: Hash;
}

/**
 * Check that a leaf is at leafIndex inside the subtree [start, end) whose hash is subtreeRoot
 * (transparency-dev/merkle VerifySubtreeInclusion). Preconditions, each a ProofError: numbers
 * are safe non-negative integers (`proof_input_invalid`); start < end and start is a multiple of
 * the smallest power of two ≥ end − start (`proof_subtree_invalid`); start ≤ leafIndex < end
 * (`proof_index_out_of_range`); then as verifyInclusion, relative to the subtree.
 */
export function verifySubtreeInclusion(suite: CryptoSuiteName, parameters: VerifySubtreeInclusionParameters): void {
  const index = toExactCount('leafIndex', parameters.leafIndex);
  const start = toExactCount('start', parameters.start);
  const end = toExactCount('end', parameters.end);
  if (!isValidSubtree(start, end)) {
    throw new ProofError('proof_subtree_invalid', `[${start}, ${end}) is not a valid subtree`, {
      start: parameters.start,
      end: parameters.end,
    });
  }
  if (index < start || index >= end) {
    throw new ProofError('proof_index_out_of_range', `leaf index ${index} is outside the subtree [${start}, ${end})`, {
      leafIndex: parameters.leafIndex,
      start: parameters.start,
      end: parameters.end,
    });
  }
  const computed = rootFromInclusionProofExact(
    suite,
    index - start,
    end - start,
    parameters.leafHash,
    parameters.proof,
  );
  checkRootMatch(computed, parameters.subtreeRoot, 'subtree root');
}
