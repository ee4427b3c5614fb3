// Which stored hashes a tree hash or a proof needs, and how to combine them: the index planning
// and assembly of golang.org/x/mod/sumdb/tlog (subTreeIndex/subTreeHash, leafProofIndex/leafProof,
// treeProofIndex/treeProof). Planning and assembly are split so that a proof costs exactly one
// readHashes call, and so that both the async store path and the sync in-memory path share them.
// Internal to the package: the operations in prove-*.ts, tree-hash.ts and memory-tree.ts wrap it.
import { assert, type CryptoSuiteName } from '@fieldproof/protocol';
import { type Hash, hashChildren, hashSizeBytes } from '../hash/rfc9162.ts';
import { type HashReader, storedHashIndex } from './stored-hash-index.ts';

/** Largest power of two strictly below n (n ≥ 2), and its exponent. */
function powerOfTwoBelow(n: number): { k: number; level: number } {
  let k = 1;
  let level = 0;
  while (k * 2 < n) {
    k *= 2;
    level++;
  }
  return { k, level };
}

/** Hands out the hashes read for a plan, in plan order. */
class HashCursor {
  private position = 0;
  constructor(private readonly hashes: readonly Hash[]) {}
  take(count: number): Hash[] {
    assert(this.position + count <= this.hashes.length, 'stored-hash plan read past its hashes');
    const taken = this.hashes.slice(this.position, this.position + count);
    this.position += count;
    return taken;
  }
  assertDone(): void {
    assert(this.position === this.hashes.length, 'stored-hash plan left hashes unused');
  }
}

/** Indexes of the perfect subtrees that tile [lo, hi), left (largest) first. */
function subtreeIndexes(lo: number, hi: number, need: number[]): void {
  let start = lo;
  while (start < hi) {
    const { k, level } = powerOfTwoBelow(hi - start + 1);
    assert(start % k === 0, 'bad math in subtreeIndexes');
    need.push(storedHashIndex(level, start / k));
    start += k;
  }
}

/** Hash of [lo, hi) from the hashes of its tiling perfect subtrees. */
function subtreeHash(suite: CryptoSuiteName, lo: number, hi: number, cursor: HashCursor): Hash {
  let pieces = 0;
  for (let start = lo; start < hi; pieces++) start += powerOfTwoBelow(hi - start + 1).k;
  assert(pieces > 0, 'bad math in subtreeHash');
  const hashes = cursor.take(pieces);
  let hash = hashes[pieces - 1] as Hash;
  for (let i = pieces - 2; i >= 0; i--) hash = hashChildren(suite, hashes[i] as Hash, hash);
  return hash;
}

/** Stored-hash indexes needed for the root of a tree of `size` ≥ 1 leaves. */
export function planTreeHash(size: number): number[] {
  const need: number[] = [];
  subtreeIndexes(0, size, need);
  return need;
}

/** The root of a tree of `size` ≥ 1 leaves from the hashes read for planTreeHash(size). */
export function assembleTreeHash(suite: CryptoSuiteName, size: number, hashes: readonly Hash[]): Hash {
  const cursor = new HashCursor(hashes);
  const root = subtreeHash(suite, 0, size, cursor);
  cursor.assertDone();
  return root;
}

function inclusionIndexes(lo: number, hi: number, leafIndex: number, need: number[]): void {
  assert(lo <= leafIndex && leafIndex < hi, 'bad math in inclusionIndexes');
  if (lo + 1 === hi) return;
  const { k } = powerOfTwoBelow(hi - lo);
  if (leafIndex < lo + k) {
    inclusionIndexes(lo, lo + k, leafIndex, need);
    subtreeIndexes(lo + k, hi, need);
  } else {
    subtreeIndexes(lo, lo + k, need);
    inclusionIndexes(lo + k, hi, leafIndex, need);
  }
}

function inclusionPath(suite: CryptoSuiteName, lo: number, hi: number, leafIndex: number, cursor: HashCursor): Hash[] {
  if (lo + 1 === hi) return [];
  const { k } = powerOfTwoBelow(hi - lo);
  if (leafIndex < lo + k) {
    const path = inclusionPath(suite, lo, lo + k, leafIndex, cursor);
    path.push(subtreeHash(suite, lo + k, hi, cursor));
    return path;
  }
  const sibling = subtreeHash(suite, lo, lo + k, cursor);
  const path = inclusionPath(suite, lo + k, hi, leafIndex, cursor);
  path.push(sibling);
  return path;
}

/** Stored-hash indexes needed for the inclusion proof of `leafIndex` in a tree of `treeSize`. */
export function planInclusionProof(leafIndex: number, treeSize: number): number[] {
  const need: number[] = [];
  inclusionIndexes(0, treeSize, leafIndex, need);
  return need;
}

/** RFC 9162 inclusion proof (bottom up) from the hashes read for planInclusionProof. */
export function assembleInclusionProof(
  suite: CryptoSuiteName,
  leafIndex: number,
  treeSize: number,
  hashes: readonly Hash[],
): Hash[] {
  const cursor = new HashCursor(hashes);
  const proof = inclusionPath(suite, 0, treeSize, leafIndex, cursor);
  cursor.assertDone();
  return proof;
}

function consistencyIndexes(lo: number, hi: number, size1: number, need: number[]): void {
  assert(lo < size1 && size1 <= hi, 'bad math in consistencyIndexes');
  if (size1 === hi) {
    if (lo !== 0) subtreeIndexes(lo, hi, need);
    return;
  }
  const { k } = powerOfTwoBelow(hi - lo);
  if (size1 <= lo + k) {
    consistencyIndexes(lo, lo + k, size1, need);
    subtreeIndexes(lo + k, hi, need);
  } else {
    subtreeIndexes(lo, lo + k, need);
    consistencyIndexes(lo + k, hi, size1, need);
  }
}

function consistencyPath(suite: CryptoSuiteName, lo: number, hi: number, size1: number, cursor: HashCursor): Hash[] {
  // RFC 9162 §2.1.4.1 SUBPROOF: the boolean "b" is true exactly while lo is still 0.
  if (size1 === hi) return lo === 0 ? [] : [subtreeHash(suite, lo, hi, cursor)];
  const { k } = powerOfTwoBelow(hi - lo);
  if (size1 <= lo + k) {
    const path = consistencyPath(suite, lo, lo + k, size1, cursor);
    path.push(subtreeHash(suite, lo + k, hi, cursor));
    return path;
  }
  const sibling = subtreeHash(suite, lo, lo + k, cursor);
  const path = consistencyPath(suite, lo + k, hi, size1, cursor);
  path.push(sibling);
  return path;
}

/** Stored-hash indexes needed for the consistency proof from `size1` to `size2` (0 < size1 ≤ size2). */
export function planConsistencyProof(size1: number, size2: number): number[] {
  const need: number[] = [];
  consistencyIndexes(0, size2, size1, need);
  return need;
}

/** RFC 9162 consistency proof from the hashes read for planConsistencyProof. */
export function assembleConsistencyProof(
  suite: CryptoSuiteName,
  size1: number,
  size2: number,
  hashes: readonly Hash[],
): Hash[] {
  const cursor = new HashCursor(hashes);
  const proof = consistencyPath(suite, 0, size2, size1, cursor);
  cursor.assertDone();
  return proof;
}

/**
 * Read the planned hashes with a single readHashes call (none when nothing is needed) and check
 * that the store kept its side of the interface: one hash of the suite's size per index.
 */
export async function readPlannedHashes(reader: HashReader, indexes: readonly number[]): Promise<Hash[]> {
  if (indexes.length === 0) return [];
  const hashes = await reader.readHashes(indexes);
  assertReadHashes(indexes, hashes);
  return hashes;
}

/** The sync form of readPlannedHashes, for readers known to answer synchronously. */
export function readPlannedHashesSync(hashes: readonly Hash[], indexes: readonly number[]): Hash[] {
  const read = indexes.map((index) => hashes[index] as Hash);
  assertReadHashes(indexes, read);
  return read;
}

function assertReadHashes(indexes: readonly number[], hashes: readonly Hash[]): void {
  assert(hashes.length === indexes.length, `readHashes returned ${hashes.length} hashes for ${indexes.length} indexes`);
  for (const [i, hash] of hashes.entries()) {
    assert(
      hash instanceof Uint8Array && hash.length === hashSizeBytes,
      `readHashes returned a bad hash for stored index ${indexes[i]}`,
    );
  }
}
