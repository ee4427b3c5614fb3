import { bytesEqual, type CryptoSuiteName } from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import { emptyRoot, type Hash } from '../hash/rfc9162.ts';
import { checkRootMatch, isValidSubtree, toExactCount } from './proof-math.ts';
import { rootFromSubtreeConsistencyProofExact } from './subtree-consistency-math.ts';

/** A subtree consistency proof to evaluate. */
export interface RootFromSubtreeConsistencyProofParameters {
  /** First leaf of the subtree. */
  start: number;
  /** One past the last leaf of the subtree. */
  end: number;
  /** Size of the tree that contains the subtree; at least end. */
  size: number;
  /** The proof hashes, as the Merkle Tree Certificates draft orders them. */
  proof: readonly Hash[];
  /** The known hash of the subtree [start, end). */
  subtreeRoot: Hash;
}

/** A subtree consistency proof to check against a known tree root. */
export interface VerifySubtreeConsistencyParameters extends RootFromSubtreeConsistencyProofParameters {
  /** The known root of the tree of `size` leaves. */
  root: Hash;
}

function checkEmptySubtree(suite: CryptoSuiteName, parameters: RootFromSubtreeConsistencyProofParameters): void {
  if (parameters.proof.length !== 0) {
    throw new ProofError('proof_size_wrong', 'an empty subtree has an empty consistency proof', {
      got: parameters.proof.length,
      want: 0,
    });
  }
  if (!(parameters.subtreeRoot instanceof Uint8Array) || !bytesEqual(parameters.subtreeRoot, emptyRoot(suite))) {
    throw new ProofError('proof_root_mismatch', 'an empty subtree must have the empty root');
  }
}

function checkNumbers(parameters: RootFromSubtreeConsistencyProofParameters): {
  start: bigint;
  end: bigint;
  size: bigint;
} {
  const start = toExactCount('start', parameters.start);
  const end = toExactCount('end', parameters.end);
  const size = toExactCount('size', parameters.size);
  if (start > end || end > size) {
    throw new ProofError('proof_input_invalid', `a subtree needs start ≤ end ≤ size, got ${start}, ${end}, ${size}`, {
      start: parameters.start,
      end: parameters.end,
      size: parameters.size,
    });
  }
  return { start, end, size };
}

/**
 * The root of the tree of `size` leaves that a subtree consistency proof leads to
 * (transparency-dev/merkle RootFromSubtreeConsistencyProof). Preconditions, each a ProofError:
 * numbers are safe non-negative integers and start ≤ end ≤ size (`proof_input_invalid`); the
 * subtree is non-empty, and start is a multiple of the smallest power of two ≥ end − start
 * (`proof_subtree_invalid`); the proof has the hashes the sizes call for (`proof_size_wrong`), each
 * 32 bytes (`proof_input_invalid`), and its nodes inside the subtree hash to subtreeRoot
 * (`proof_root_mismatch`). When start = 0 and end = size the proof is empty and the root is subtreeRoot.
 */
export function rootFromSubtreeConsistencyProof(
  suite: CryptoSuiteName,
  parameters: RootFromSubtreeConsistencyProofParameters,
): Hash {
  const { start, end, size } = checkNumbers(parameters);
  if (!isValidSubtree(start, end)) {
    throw new ProofError('proof_subtree_invalid', `[${start}, ${end}) is not a valid subtree`, {
      start: parameters.start,
      end: parameters.end,
    });
  }
  if (start === 0n && end === size) {
    if (parameters.proof.length !== 0) {
      throw new ProofError('proof_size_wrong', 'the subtree is the whole tree, so the proof must be empty', {
        got: parameters.proof.length,
        want: 0,
      });
    }
    return parameters.subtreeRoot;
  }
  if (parameters.proof.length === 0) throw new ProofError('proof_size_wrong', 'the proof is empty');
  return rootFromSubtreeConsistencyProofExact(suite, start, end, size, parameters.proof, parameters.subtreeRoot);
}

/**
 * Check that the subtree [start, end) with hash subtreeRoot is part of the tree of `size` leaves
 * with root `root` (transparency-dev/merkle VerifySubtreeConsistency). Throws ProofError with the
 * codes of rootFromSubtreeConsistencyProof, or `proof_root_mismatch`.
 *
 * An empty subtree [k, k) with k ≤ size is part of every tree: it verifies when the proof is
 * empty and subtreeRoot is the suite's empty root, whatever `root` is (the reference vectors in
 * testdata/merkle/subtreeconsistency/additional pin this case).
 */
export function verifySubtreeConsistency(suite: CryptoSuiteName, parameters: VerifySubtreeConsistencyParameters): void {
  const { start, end } = checkNumbers(parameters);
  if (start === end) {
    checkEmptySubtree(suite, parameters);
    return;
  }
  const computed = rootFromSubtreeConsistencyProof(suite, parameters);
  checkRootMatch(computed, parameters.root, 'tree root');
}
