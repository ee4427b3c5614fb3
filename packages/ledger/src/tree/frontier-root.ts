import { assert, type CryptoSuiteName } from '@fieldproof/protocol';
import { emptyRoot, type Hash, hashChildren } from '../hash/rfc9162.ts';
import type { TreeFrontier } from './append-leaf.ts';
import { onesCount } from './number-bits.ts';

/**
 * The RFC 9162 root of the tree a frontier describes: its perfect-subtree roots folded from the
 * right; the empty root for size 0. Precondition: one hash per 1 bit of `frontier.size`.
 */
export function frontierRoot(suite: CryptoSuiteName, frontier: TreeFrontier): Hash {
  const { size, hashes } = frontier;
  assert(hashes.length === onesCount(size), `frontier of size ${size} holds ${hashes.length} hashes`);
  if (size === 0) return emptyRoot(suite);
  let root = hashes[hashes.length - 1] as Hash;
  for (let i = hashes.length - 2; i >= 0; i--) root = hashChildren(suite, hashes[i] as Hash, root);
  return root;
}
