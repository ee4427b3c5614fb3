import { assert, type CryptoSuiteName } from '@fieldproof/protocol';
import { ProofError } from '../errors.ts';
import { type Hash, hashChildren, hashSizeBytes } from '../hash/rfc9162.ts';
import { onesCount, trailingOnes } from './number-bits.ts';
import { storedHashCount, storedHashIndex, storedTreeSizeMax } from './stored-hash-index.ts';

/**
 * The right edge of a tree: the roots of the perfect subtrees that tile it, left (largest) first.
 * A tree of `size` leaves has one hash per 1 bit of `size`. It is all an appender needs.
 */
export interface TreeFrontier {
  /** Number of leaves in the tree. */
  size: number;
  /** Roots of the perfect subtrees, left (largest) first. */
  hashes: Hash[];
}

/** One hash to append to the flat stored-hash array. */
export interface StoredHash {
  /** Index in the stored-hash array (see storedHashIndex). */
  index: number;
  /** The hash to store there. */
  hash: Hash;
}

/** What appendLeaf produces. */
export interface AppendLeafResult {
  /** The frontier of the tree with the new leaf. */
  frontier: TreeFrontier;
  /**
   * The new stored hashes, in index order, exactly as tlog's StoredHashes gives them: the leaf
   * hash, then one hash for each perfect subtree the leaf completes. Their indexes run on from
   * storedHashCount(old size) without a gap.
   */
  stored: StoredHash[];
}

/** The frontier of the empty tree. */
export function emptyFrontier(): TreeFrontier {
  return { size: 0, hashes: [] };
}

/**
 * Append one leaf hash to a tree, with no reads: the frontier holds every left sibling needed.
 * Preconditions: `frontier` is a frontier this package produced (one hash per 1 bit of its size)
 * and its size is below storedTreeSizeMax. Throws ProofError `proof_input_invalid` when
 * `leafHash` is not a hash of the suite's size.
 */
export function appendLeaf(suite: CryptoSuiteName, frontier: TreeFrontier, leafHash: Hash): AppendLeafResult {
  const { size, hashes } = frontier;
  assert(Number.isSafeInteger(size) && size >= 0 && size < storedTreeSizeMax, `frontier size ${size}`);
  assert(hashes.length === onesCount(size), `frontier of size ${size} holds ${hashes.length} hashes`);
  if (!(leafHash instanceof Uint8Array) || leafHash.length !== hashSizeBytes) {
    throw new ProofError('proof_input_invalid', `a leaf hash must be ${hashSizeBytes} bytes`);
  }
  const completed = trailingOnes(size);
  const stored: StoredHash[] = [{ index: storedHashIndex(0, size), hash: leafHash }];
  let hash = leafHash;
  for (let level = 1; level <= completed; level++) {
    hash = hashChildren(suite, hashes[hashes.length - level] as Hash, hash);
    stored.push({ index: storedHashIndex(level, Math.floor(size / 2 ** level)), hash });
  }
  const next: TreeFrontier = { size: size + 1, hashes: [...hashes.slice(0, hashes.length - completed), hash] };
  // The stored-hash array must grow at its end only, by exactly the new tree's extra hashes.
  const firstIndex = storedHashCount(size);
  assert(
    stored.every((entry, i) => entry.index === firstIndex + i) &&
      firstIndex + stored.length === storedHashCount(size + 1),
    'appendLeaf stored hashes are not contiguous',
  );
  assert(next.hashes.length === onesCount(next.size), 'appendLeaf frontier does not match its size');
  return { frontier: next, stored };
}
