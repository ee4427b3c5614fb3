import type { CryptoSuiteName } from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import type { Hash } from '../hash/rfc9162.ts';
import { checkRootMatch, toExactCount } from './proof-math.ts';
import { rootFromSubtreeConsistencyProofExact } from './subtree-consistency-math.ts';

/** A consistency proof to evaluate. */
export interface RootFromConsistencyProofParameters {
  /** Size of the older tree; at least 1. */
  size1: number;
  /** Size of the newer tree; at least size1. */
  size2: number;
  /** RFC 9162 consistency proof hashes. */
  proof: readonly Hash[];
  /** Known root of the older tree. */
  root1: Hash;
}

/** A consistency proof to check against both known roots. */
export interface VerifyConsistencyParameters extends RootFromConsistencyProofParameters {
  /** Known root of the newer tree. */
  root2: Hash;
}

/**
 * The root of the tree of size2 leaves that a consistency proof from root1 leads to
 * (transparency-dev/merkle RootFromConsistencyProof). Preconditions, each a ProofError: sizes are
 * safe integers with 0 < size1 ≤ size2 (`proof_input_invalid`: a proof from the empty tree is
 * meaningless); the proof is empty exactly when size1 = size2 and otherwise has the hashes the
 * sizes call for (`proof_size_wrong`), each 32 bytes (`proof_input_invalid`); and it leads back to
 * root1 (`proof_root_mismatch`). When size1 = size2 the result is root1.
 */
export function rootFromConsistencyProof(suite: CryptoSuiteName, parameters: RootFromConsistencyProofParameters): Hash {
  const size1 = toExactCount('size1', parameters.size1);
  const size2 = toExactCount('size2', parameters.size2);
  const { proof, root1 } = parameters;
  if (size2 < size1) {
    throw new ProofError('proof_input_invalid', `size2 (${size2}) is below size1 (${size1})`, {
      size1: parameters.size1,
      size2: parameters.size2,
    });
  }
  if (size1 === 0n)
    throw new ProofError('proof_input_invalid', 'a consistency proof from the empty tree is meaningless');
  if (size1 === size2) {
    if (proof.length !== 0) {
      throw new ProofError('proof_size_wrong', 'size1 = size2, so the proof must be empty', {
        got: proof.length,
        want: 0,
      });
    }
    return root1;
  }
  if (proof.length === 0) throw new ProofError('proof_size_wrong', 'the proof is empty');
  return rootFromSubtreeConsistencyProofExact(suite, 0n, size1, size2, proof, root1);
}

/**
 * Check that the tree of size2 leaves with root2 extends the tree of size1 leaves with root1
 * (transparency-dev/merkle VerifyConsistency). Throws ProofError with the codes of
 * rootFromConsistencyProof, or `proof_root_mismatch`.
 */
export function verifyConsistency(suite: CryptoSuiteName, parameters: VerifyConsistencyParameters): void {
  const computed = rootFromConsistencyProof(suite, parameters);
  checkRootMatch(computed, parameters.root2, 'tree root at size2');
}
