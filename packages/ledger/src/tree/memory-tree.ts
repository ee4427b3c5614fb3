import type { CryptoSuiteName } from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import type { Hash } from '../hash/rfc9162.ts';
import { appendLeaf, emptyFrontier } from './append-leaf.ts';
import { frontierRoot } from './frontier-root.ts';
import type { HashReader } from './stored-hash-index.ts';
import { assembleInclusionProof, planInclusionProof, readPlannedHashesSync } from './stored-hash-plan.ts';

/**
 * Most leaves an in-memory tree takes: the protocol's largest batch (BatchHeader.count ≤ 1,000,000).
 * Edge batches are far smaller (framesMax ≤ 10,000); the limit is what the cloud may have to re-check.
 */
export const memoryTreeLeavesMax = 1_000_000;

function checkLeafCount(leafHashes: readonly Hash[]): void {
  if (leafHashes.length > memoryTreeLeavesMax) {
    throw new ProofError('proof_input_invalid', `an in-memory tree takes at most ${memoryTreeLeavesMax} leaves`, {
      leaves: leafHashes.length,
    });
  }
}

/**
 * RFC 9162 root of the tree over `leafHashes` (the empty root for none), in O(n) hashing and
 * O(log n) memory. Throws ProofError `proof_input_invalid` for a hash of the wrong length or
 * more than memoryTreeLeavesMax leaves.
 */
export function merkleRoot(suite: CryptoSuiteName, leafHashes: readonly Hash[]): Hash {
  checkLeafCount(leafHashes);
  let frontier = emptyFrontier();
  for (const leafHash of leafHashes) frontier = appendLeaf(suite, frontier, leafHash).frontier;
  return frontierRoot(suite, frontier);
}

/**
 * The flat stored-hash array (tlog layout) of the tree over `leafHashes`: build it once and serve
 * many proofs from it with memoryHashReader. Throws as merkleRoot does.
 */
export function storedHashesFromLeaves(suite: CryptoSuiteName, leafHashes: readonly Hash[]): Hash[] {
  checkLeafCount(leafHashes);
  const stored: Hash[] = [];
  let frontier = emptyFrontier();
  for (const leafHash of leafHashes) {
    const appended = appendLeaf(suite, frontier, leafHash);
    frontier = appended.frontier;
    for (const entry of appended.stored) stored.push(entry.hash);
  }
  return stored;
}

/** A HashReader over an in-memory stored-hash array. Precondition: every index asked is in the array. */
export function memoryHashReader(stored: readonly Hash[]): HashReader {
  return { readHashes: (indexes) => readPlannedHashesSync(stored, indexes) };
}

/**
 * RFC 9162 inclusion proof (bottom up) of leaf `leafIndex` in the tree over `leafHashes`.
 * Builds the whole tree, O(n): for many proofs over one batch, use storedHashesFromLeaves once
 * and proveInclusion with memoryHashReader. Throws ProofError `proof_index_out_of_range` when
 * leafIndex is not a leaf of the tree, and as merkleRoot does.
 */
export function inclusionProofFromLeaves(
  suite: CryptoSuiteName,
  leafHashes: readonly Hash[],
  leafIndex: number,
): Hash[] {
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafHashes.length) {
    throw new ProofError('proof_index_out_of_range', `leaf index ${leafIndex} is not a leaf of ${leafHashes.length}`, {
      leafIndex,
      treeSize: leafHashes.length,
    });
  }
  const stored = storedHashesFromLeaves(suite, leafHashes);
  const indexes = planInclusionProof(leafIndex, leafHashes.length);
  return assembleInclusionProof(suite, leafIndex, leafHashes.length, readPlannedHashesSync(stored, indexes));
}
