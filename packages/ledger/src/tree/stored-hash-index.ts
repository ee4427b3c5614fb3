import { assert } from '@fieldproof/protocol';

/**
 * Largest tree a stored-hash array may describe: 2^50 leaves (about 3,000 years at 11,000 leaves/s).
 * It keeps every stored-hash index below 2^52, so indexes stay exact JavaScript numbers.
 */
export const storedTreeSizeMax = 2 ** 50;

/**
 * Reads stored hashes by index. The store implements it with one query; an in-memory array
 * works too. Returns the hashes in the order of `indexes`, one per index.
 */
export interface HashReader {
  /** Return the stored hash at each index, in the order asked. May be sync or async. */
  readHashes(indexes: readonly number[]): Uint8Array[] | Promise<Uint8Array[]>;
}

/**
 * Index in the flat stored-hash array of the `n`th hash at `level` (level 0 holds leaf hashes),
 * as in golang.org/x/mod/sumdb/tlog: level L's nth hash is written right after level L+1's
 * (2n+1)th hash, so the array only ever grows at its end.
 * Preconditions: `level` is an integer in [0, 50], `n` a non-negative integer with
 * `n * 2^level < storedTreeSizeMax`.
 */
export function storedHashIndex(level: number, n: number): number {
  assert(Number.isInteger(level) && level >= 0 && level <= 50, `storedHashIndex level ${level}`);
  assert(Number.isSafeInteger(n) && n >= 0 && n * 2 ** level < storedTreeSizeMax, `storedHashIndex n ${n}`);
  // Work down to the level-0 ordering, then add back the level count at the end.
  let position = n;
  for (let l = level; l > 0; l--) position = 2 * position + 1;
  // Level 0's nth hash is written at n + n/2 + n/4 + ... (integer halves).
  let index = 0;
  for (; position > 0; position = Math.floor(position / 2)) index += position;
  return index + level;
}

/**
 * Number of stored hashes for a tree of `size` leaves: the hashes up to the last leaf's hash,
 * plus one for each perfect subtree that the last leaf completes.
 * Precondition: `size` is an integer in [0, storedTreeSizeMax].
 */
export function storedHashCount(size: number): number {
  assert(Number.isSafeInteger(size) && size >= 0 && size <= storedTreeSizeMax, `storedHashCount size ${size}`);
  if (size === 0) return 0;
  let count = storedHashIndex(0, size - 1) + 1;
  for (let i = size - 1; i % 2 === 1; i = Math.floor(i / 2)) count++;
  return count;
}
