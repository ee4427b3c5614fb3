import { assert } from '@fieldproof/protocol';
import type { TreeFrontier } from './append-leaf.ts';
import { setBitLevels } from './number-bits.ts';
import { type HashReader, storedHashIndex, storedTreeSizeMax } from './stored-hash-index.ts';
import { readPlannedHashes } from './stored-hash-plan.ts';

/**
 * Rebuild the frontier of a stored tree of `size` leaves with one readHashes call (none for
 * size 0): the roots of its perfect subtrees are stored hashes already.
 * Precondition: `size` is an integer in [0, storedTreeSizeMax] and the store holds that tree.
 */
export async function loadFrontier(size: number, reader: HashReader): Promise<TreeFrontier> {
  assert(Number.isSafeInteger(size) && size >= 0 && size <= storedTreeSizeMax, `loadFrontier size ${size}`);
  const indexes: number[] = [];
  let start = 0;
  for (const level of setBitLevels(size)) {
    indexes.push(storedHashIndex(level, start / 2 ** level));
    start += 2 ** level;
  }
  const hashes = await readPlannedHashes(reader, indexes);
  return { size, hashes };
}
