// The core of subtree consistency verification (Merkle Tree Certificates draft, as ported in the
// subtree branch of transparency-dev/merkle proof/verify.go). Plain RFC 9162 consistency is the
// case start = 0. Internal to the package.
import type { CryptoSuiteName } from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import { type Hash, hashChildren } from '../hash/rfc9162.ts';
import {
  bitLength,
  chainBorderRight,
  checkProofShape,
  checkRootMatch,
  onesCount,
  rootFromInclusionProofExact,
  trailingZeros,
} from './proof-math.ts';

function proofHash(proof: readonly Hash[], i: number): Hash {
  const hash = proof[i];
  if (hash === undefined) throw new ProofError('proof_size_wrong', 'the proof is too short');
  return hash;
}

/**
 * Root of the tree of `size` leaves from the valid, non-empty subtree [start, end) with hash
 * `subtreeRoot`, and a non-empty proof. Preconditions (checked by the callers): isValidSubtree,
 * end ≤ size, not (start = 0 and end = size), proof not empty. Throws `proof_root_mismatch` when the
 * proof's nodes inside the subtree do not hash to `subtreeRoot`.
 */
export function rootFromSubtreeConsistencyProofExact(
  suite: CryptoSuiteName,
  start: bigint,
  end: bigint,
  size: bigint,
  proof: readonly Hash[],
  subtreeRoot: Hash,
): Hash {
  // When the subtree ends where the tree ends, the tree root follows from the subtree root with
  // one left sibling for each level where the subtree's ancestor is a right child.
  if (end === size) {
    const level = bitLength((end - 1n) ^ start);
    checkProofShape(proof, onesCount(start >> BigInt(level)));
    return chainBorderRight(suite, subtreeRoot, proof);
  }
  // Level where the paths to leaves end - 1 and size - 1 part.
  const forkLevel = bitLength((end - 1n) ^ (size - 1n));
  // Height of the rightmost perfect subtree inside [start, end): the proof starts at this level.
  const shift = trailingZeros(end - start);
  // The proof opens with that rightmost perfect subtree's root, unless the subtree is perfect
  // itself: then the verifier already holds that root.
  const perfect = end - start === 1n << BigInt(shift);
  const proofStart = perfect ? 0 : 1;
  checkProofShape(proof, proofStart + (forkLevel - shift) + onesCount((end - 1n) >> BigInt(forkLevel)));
  const seed = perfect ? subtreeRoot : proofHash(proof, 0);
  const rest = proof.slice(proofStart);

  // Hash up to the subtree's root twice: as the tree of `end` leaves had it (left siblings only)
  // and as it has grown in the tree of `size` leaves (right siblings below the fork level too).
  const height = bitLength((end - 1n) ^ start);
  let subtreeHash = seed;
  let grownHash = seed;
  let used = 0;
  for (let level = shift; level < height; level++) {
    if (((end - 1n) >> BigInt(level)) & 1n) {
      const sibling = proofHash(rest, used++);
      subtreeHash = hashChildren(suite, sibling, subtreeHash);
      grownHash = hashChildren(suite, sibling, grownHash);
    } else if (level < forkLevel) {
      grownHash = hashChildren(suite, grownHash, proofHash(rest, used++));
    }
  }
  checkRootMatch(subtreeHash, subtreeRoot, 'subtree root');

  // The rest of the proof is an inclusion proof of the grown subtree node in the tree of `size`,
  // seen at the subtree's height, where that node is a leaf.
  const nodeIndex = start >> BigInt(height);
  const nodeTreeSize = ((size - 1n) >> BigInt(height)) + 1n;
  return rootFromInclusionProofExact(suite, nodeIndex, nodeTreeSize, grownHash, rest.slice(used));
}
