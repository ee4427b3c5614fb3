import { type CryptoSuiteName, toHex, utf8 } from '@fieldproof/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProofError } from '../errors.ts';
import { emptyRoot, type Hash, hashChildren, hashLeaf } from '../hash/rfc9162.ts';
import { proveConsistency } from '../proof/prove-consistency.ts';
import { proveInclusion } from '../proof/prove-inclusion.ts';
import { verifyConsistency } from '../proof/verify-consistency.ts';
import { verifyInclusion } from '../proof/verify-inclusion.ts';
import { appendLeaf, emptyFrontier, type TreeFrontier } from './append-leaf.ts';
import { frontierRoot } from './frontier-root.ts';
import { loadFrontier } from './load-frontier.ts';
import { type HashReader, storedHashCount, storedHashIndex } from './stored-hash-index.ts';
import { treeHash } from './tree-hash.ts';

/** RFC 9162 §2.1.1 MTH, written straight from its recursive definition, as the reference. */
function referenceRoot(suite: CryptoSuiteName, leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return emptyRoot(suite);
  if (leaves.length === 1) return leaves[0] as Hash;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hashChildren(suite, referenceRoot(suite, leaves.slice(0, k)), referenceRoot(suite, leaves.slice(k)));
}

/** A stored tree built leaf by leaf with appendLeaf, with a reader that counts its calls. */
function buildStoredTree(suite: CryptoSuiteName, leafHashes: readonly Hash[]) {
  const stored: Hash[] = [];
  const frontiers: TreeFrontier[] = [emptyFrontier()];
  let frontier = emptyFrontier();
  for (const leafHash of leafHashes) {
    const appended = appendLeaf(suite, frontier, leafHash);
    for (const entry of appended.stored) {
      expect(entry.index).toBe(stored.length);
      stored.push(entry.hash);
    }
    frontier = appended.frontier;
    frontiers.push(frontier);
  }
  const calls = { count: 0 };
  // An async reader, as a database-backed store would be.
  const reader: HashReader = {
    readHashes: async (indexes) => {
      calls.count++;
      return indexes.map((index) => {
        const hash = stored[index];
        if (!hash) throw new Error(`no stored hash at ${index}`);
        return hash;
      });
    },
  };
  return { stored, frontiers, reader, calls };
}

const treeSizeMax = 300;
const suites: CryptoSuiteName[] = ['intl', 'sm'];
const leavesOf = (suite: CryptoSuiteName): Hash[] =>
  Array.from({ length: treeSizeMax }, (_, i) => hashLeaf(suite, utf8(`leaf ${i}`)));
// One tree per suite serves every size up to treeSizeMax: a stored tree's prefix is the smaller tree.
const trees = {
  intl: buildStoredTree('intl', leavesOf('intl')),
  sm: buildStoredTree('sm', leavesOf('sm')),
};

/** Flip one bit of one hash of a proof. */
function tamper(proof: readonly Hash[], hashIndex: number, byteIndex: number): Hash[] {
  return proof.map((hash, i) => {
    if (i !== hashIndex) return hash;
    const copy = new Uint8Array(hash);
    copy[byteIndex % copy.length] = (copy[byteIndex % copy.length] as number) ^ 0x01;
    return copy;
  });
}

describe('stored-hash index (golang.org/x/mod/sumdb/tlog layout)', () => {
  it('places hashes as tlog does', () => {
    // Level-0 hashes 0..7 and their parents, in the order tlog writes them.
    const layout = [
      [0, 0, 0],
      [0, 1, 1],
      [1, 0, 2],
      [0, 2, 3],
      [0, 3, 4],
      [1, 1, 5],
      [2, 0, 6],
      [0, 4, 7],
      [3, 0, 14],
    ];
    for (const [level, n, index] of layout) expect(storedHashIndex(level as number, n as number)).toBe(index);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(storedHashCount)).toEqual([0, 1, 3, 4, 7, 8, 10, 11, 15]);
  });

  it('grows by the hashes each append adds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (size) => {
        const added = storedHashCount(size + 1) - storedHashCount(size);
        let completed = 0;
        for (let rest = size; rest % 2 === 1; rest = Math.floor(rest / 2)) completed++;
        expect(added).toBe(1 + completed);
        expect(storedHashIndex(0, size)).toBe(storedHashCount(size));
      }),
    );
  });
});

describe.each(suites)('stored trees, suite %s', (suite) => {
  const tree = trees[suite];
  const leaves = leavesOf(suite);

  it('stores exactly the hashes of the perfect subtrees (appendLeaf = treeHash = RFC 9162)', async () => {
    for (let level = 0; 2 ** level <= treeSizeMax; level++) {
      for (let n = 0; (n + 1) * 2 ** level <= treeSizeMax; n++) {
        const subtree = leaves.slice(n * 2 ** level, (n + 1) * 2 ** level);
        expect(toHex(tree.stored[storedHashIndex(level, n)] as Hash)).toBe(toHex(referenceRoot(suite, subtree)));
      }
    }
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: treeSizeMax }), async (size) => {
        const expected = toHex(referenceRoot(suite, leaves.slice(0, size)));
        expect(toHex(await treeHash(suite, size, tree.reader))).toBe(expected);
        expect(toHex(frontierRoot(suite, tree.frontiers[size] as TreeFrontier))).toBe(expected);
      }),
    );
  });

  it('round-trips the frontier through loadFrontier with one read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: treeSizeMax }), async (size) => {
        const before = tree.calls.count;
        const loaded = await loadFrontier(size, tree.reader);
        expect(tree.calls.count - before).toBe(size === 0 ? 0 : 1);
        const expected = tree.frontiers[size] as TreeFrontier;
        expect(loaded.size).toBe(size);
        expect(loaded.hashes.map(toHex)).toEqual(expected.hashes.map(toHex));
        // Appending to a loaded frontier gives what appending to the built one gave.
        if (size < treeSizeMax) {
          const next = appendLeaf(suite, loaded, leaves[size] as Hash);
          expect(next.frontier.hashes.map(toHex)).toEqual((tree.frontiers[size + 1] as TreeFrontier).hashes.map(toHex));
        }
      }),
    );
  });

  it('proves inclusion with one read; the proof verifies and a flipped bit fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: treeSizeMax }).chain((treeSize) =>
          fc.record({
            treeSize: fc.constant(treeSize),
            leafIndex: fc.integer({ min: 0, max: treeSize - 1 }),
            hashIndex: fc.nat(),
            byteIndex: fc.nat({ max: 31 }),
          }),
        ),
        async ({ treeSize, leafIndex, hashIndex, byteIndex }) => {
          const before = tree.calls.count;
          const proof = await proveInclusion(suite, { leafIndex, treeSize }, tree.reader);
          expect(tree.calls.count - before).toBe(proof.length === 0 ? 0 : 1);
          expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(treeSize)));
          const rootHash = referenceRoot(suite, leaves.slice(0, treeSize));
          const leafHash = leaves[leafIndex] as Hash;
          verifyInclusion(suite, { leafIndex, treeSize, leafHash, proof, rootHash });
          if (proof.length > 0) {
            const altered = tamper(proof, hashIndex % proof.length, byteIndex);
            expect(() => verifyInclusion(suite, { leafIndex, treeSize, leafHash, proof: altered, rootHash })).toThrow(
              ProofError,
            );
          }
          const otherLeaf = tamper([leafHash], 0, byteIndex);
          expect(() =>
            verifyInclusion(suite, { leafIndex, treeSize, leafHash: otherLeaf[0] as Hash, proof, rootHash }),
          ).toThrow(ProofError);
        },
      ),
    );
  });

  it('proves consistency with one read; the proof verifies and a flipped bit fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: treeSizeMax }).chain((size2) =>
          fc.record({
            size2: fc.constant(size2),
            size1: fc.integer({ min: 1, max: size2 }),
            hashIndex: fc.nat(),
            byteIndex: fc.nat({ max: 31 }),
          }),
        ),
        async ({ size1, size2, hashIndex, byteIndex }) => {
          const before = tree.calls.count;
          const proof = await proveConsistency(suite, { size1, size2 }, tree.reader);
          expect(tree.calls.count - before).toBe(proof.length === 0 ? 0 : 1);
          const root1 = referenceRoot(suite, leaves.slice(0, size1));
          const root2 = referenceRoot(suite, leaves.slice(0, size2));
          verifyConsistency(suite, { size1, size2, proof, root1, root2 });
          if (proof.length > 0) {
            const altered = tamper(proof, hashIndex % proof.length, byteIndex);
            expect(() => verifyConsistency(suite, { size1, size2, proof: altered, root1, root2 })).toThrow(ProofError);
          }
          if (size1 < size2) {
            expect(() => verifyConsistency(suite, { size1, size2, proof, root1: root2, root2: root1 })).toThrow(
              ProofError,
            );
          }
        },
      ),
    );
  });

  it('builds any small tree from random leaves as the reference does', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 70 }), (data) => {
        const leafHashes = data.map((bytes) => hashLeaf(suite, bytes));
        const built = buildStoredTree(suite, leafHashes);
        expect(toHex(frontierRoot(suite, built.frontiers[leafHashes.length] as TreeFrontier))).toBe(
          toHex(referenceRoot(suite, leafHashes)),
        );
        expect(built.stored.length).toBe(storedHashCount(leafHashes.length));
      }),
    );
  });
});

describe('prover input checks', () => {
  const { reader } = trees.intl;
  it('rejects bad sizes and indexes with typed errors', async () => {
    await expect(proveInclusion('intl', { leafIndex: 5, treeSize: 5 }, reader)).rejects.toMatchObject({
      code: 'proof_index_out_of_range',
    });
    await expect(proveInclusion('intl', { leafIndex: -1, treeSize: 5 }, reader)).rejects.toMatchObject({
      code: 'proof_input_invalid',
    });
    await expect(proveInclusion('intl', { leafIndex: 0.5, treeSize: 5 }, reader)).rejects.toMatchObject({
      code: 'proof_input_invalid',
    });
    await expect(proveConsistency('intl', { size1: 0, size2: 5 }, reader)).rejects.toMatchObject({
      code: 'proof_input_invalid',
    });
    await expect(proveConsistency('intl', { size1: 6, size2: 5 }, reader)).rejects.toMatchObject({
      code: 'proof_input_invalid',
    });
    await expect(treeHash('intl', Number.NaN, reader)).rejects.toMatchObject({ code: 'proof_input_invalid' });
  });

  it('rejects a leaf hash of the wrong length on append', () => {
    expect(() => appendLeaf('intl', emptyFrontier(), new Uint8Array(31))).toThrow(ProofError);
  });

  it('treats a store that returns the wrong number of hashes as a programmer error', async () => {
    const broken: HashReader = { readHashes: () => [] };
    await expect(proveInclusion('intl', { leafIndex: 0, treeSize: 4 }, broken)).rejects.toThrow(/invariant violated/);
  });
});
