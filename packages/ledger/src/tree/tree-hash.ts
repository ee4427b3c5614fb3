import type { CryptoSuiteName } from '@fieldproof/protocol';
import { emptyRoot, type Hash } from '../hash/rfc9162.ts';
import type { HashReader } from './stored-hash-index.ts';
import { assembleTreeHash, planTreeHash, readPlannedHashes } from './stored-hash-plan.ts';
import { checkStoredTreeNumber } from './tree-size-check.ts';

/**
 * The RFC 9162 root of the stored tree of `size` leaves, with one readHashes call of O(log size)
 * indexes (none for size 0, whose root is the empty root).
 * Precondition: the store holds at least `size` leaves. Throws ProofError `proof_input_invalid`
 * when `size` is not an integer in [0, storedTreeSizeMax].
 */
export async function treeHash(suite: CryptoSuiteName, size: number, reader: HashReader): Promise<Hash> {
  checkStoredTreeNumber('size', size);
  if (size === 0) return emptyRoot(suite);
  const indexes = planTreeHash(size);
  return assembleTreeHash(suite, size, await readPlannedHashes(reader, indexes));
}
