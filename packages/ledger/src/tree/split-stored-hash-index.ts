import { assert } from '@fieldproof/protocol';
import { storedHashIndex, storedTreeSizeMax } from './stored-hash-index.ts';

/** Where a stored hash sits in the tree: the inverse of storedHashIndex. */
export interface SplitStoredHashIndexResult {
  /** Tree level of the hash (0 for a leaf hash). */
  level: number;
  /** Index of the hash within its level. */
  n: number;
}

/** Number of trailing 0 bits of a positive safe integer (bitwise operators stop at 32 bits). */
function trailingZeros(value: number): number {
  let count = 0;
  for (let rest = value; rest % 2 === 0; rest = rest / 2) count++;
  return count;
}

/**
 * The level and index of the hash stored at `index` in the flat stored-hash array, as
 * golang.org/x/mod/sumdb/tlog SplitStoredHashIndex: storedHashIndex(level, n) === index.
 * Precondition (asserted): `index` is a non-negative safe integer below the stored-hash count of
 * a tree of storedTreeSizeMax leaves.
 */
export function splitStoredHashIndex(index: number): SplitStoredHashIndexResult {
  assert(Number.isSafeInteger(index) && index >= 0 && index < 2 * storedTreeSizeMax, `stored hash index ${index}`);
  // storedHashIndex(0, n) < 2n, so the leaf written last before `index` is in [index/2, index/2 + log2(index)].
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  assert(indexN <= index, 'bad math in splitStoredHashIndex');
  for (;;) {
    // Leaf n + 1 adds its own hash and one per perfect subtree it completes.
    const next = indexN + 1 + trailingZeros(n + 1);
    if (next > index) break;
    n++;
    indexN = next;
  }
  // The hash was written with leaf n: it is one of (0, n), (1, n/2), (2, n/4), …
  const level = index - indexN;
  return { level, n: Math.floor(n / 2 ** level) };
}
