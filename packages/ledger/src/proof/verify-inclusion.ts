import type { CryptoSuiteName } from '@fieldproof/protocol';
import type { Hash } from '../hash/rfc9162.ts';
import { checkRootMatch, rootFromInclusionProofExact, toExactCount } from './proof-math.ts';

/** An inclusion proof to evaluate. */
export interface RootFromInclusionProofParameters {
  /** Zero-based index of the leaf; must be below treeSize. */
  leafIndex: number;
  /** Size of the tree the proof is against. */
  treeSize: number;
  /** RFC 9162 leaf hash of the entry (32 bytes). */
  leafHash: Hash;
  /** Sibling hashes from the leaf up, as RFC 9162 orders them. */
  proof: readonly Hash[];
}

/** An inclusion proof to check against a known root. */
export interface VerifyInclusionParameters extends RootFromInclusionProofParameters {
  /** The root the tree of treeSize leaves is known to have (from a verified checkpoint or header). */
  rootHash: Hash;
}

/**
 * The root that an inclusion proof leads to (transparency-dev/merkle RootFromInclusionProof).
 * Preconditions, each a ProofError: sizes are safe non-negative integers (`proof_input_invalid`),
 * 0 ≤ leafIndex < treeSize (`proof_index_out_of_range`), the leaf hash and every proof hash are
 * 32 bytes (`proof_input_invalid`), and the proof has exactly the hashes the sizes call for
 * (`proof_size_wrong`).
 */
export function rootFromInclusionProof(suite: CryptoSuiteName, parameters: RootFromInclusionProofParameters): Hash {
  const index = toExactCount('leafIndex', parameters.leafIndex);
  const size = toExactCount('treeSize', parameters.treeSize);
  return rootFromInclusionProofExact(suite, index, size, parameters.leafHash, parameters.proof);
}

/**
 * Check that a leaf is at leafIndex in the tree of treeSize leaves with root rootHash
 * (transparency-dev/merkle VerifyInclusion). Returns nothing on success; throws ProofError with
 * the codes of rootFromInclusionProof, or `proof_root_mismatch` when the proof leads elsewhere.
 */
export function verifyInclusion(suite: CryptoSuiteName, parameters: VerifyInclusionParameters): void {
  const computed = rootFromInclusionProof(suite, parameters);
  checkRootMatch(computed, parameters.rootHash, 'tree root');
}
