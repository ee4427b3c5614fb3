import { createHash } from 'node:crypto';
import { toHex } from '@fieldproof/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Hash, hashLeaf } from '../hash/rfc9162.ts';
import { proveConsistency } from '../proof/prove-consistency.ts';
import { proveInclusion } from '../proof/prove-inclusion.ts';
import { verifyConsistency } from '../proof/verify-consistency.ts';
import { verifyInclusion } from '../proof/verify-inclusion.ts';
import { memoryHashReader, merkleRoot, storedHashesFromLeaves } from '../tree/memory-tree.ts';
import { treeHash } from '../tree/tree-hash.ts';
import { createTileHashReader } from './create-tile-hash-reader.ts';
import { formatTilePath } from './format-tile-path.ts';
import { isTileInTree } from './is-tile-in-tree.ts';
import type { Tile } from './tile.ts';
import { TileError } from './tile-error.ts';
import { tileHashIndexes } from './tile-hash-indexes.ts';

const suite = 'intl';
const leafCount = 70_001;
let leafHashes: Hash[];
let stored: Hash[];

beforeAll(() => {
  // Deterministic leaves: SHA-256 of the index, so a failure reproduces.
  leafHashes = Array.from({ length: leafCount }, (_, i) =>
    hashLeaf(suite, createHash('sha256').update(`leaf ${i}`).digest()),
  );
  stored = storedHashesFromLeaves(suite, leafHashes);
});

/** A tile source over the stored hashes of a tree of `treeSize` leaves, as a log would serve it. */
function tileSource(treeSize: number) {
  const fetched: string[] = [];
  return {
    fetched,
    async fetchTile(tile: Tile): Promise<Uint8Array> {
      fetched.push(formatTilePath(tile));
      if (!isTileInTree(tile, treeSize)) throw new Error(`404 ${formatTilePath(tile)}`);
      return Buffer.concat(tileHashIndexes(tile).map((index) => stored[index] as Hash));
    },
  };
}

describe('a hash reader over tiles', () => {
  it.each([1, 2, 255, 256, 257, 300, 511, 512, 600, 65_535, 65_536, 65_537, 70_000, 70_001])(
    'gives the root of a tree of %i leaves from tiles alone',
    async (size) => {
      const source = tileSource(size);
      const reader = createTileHashReader(suite, { treeSize: size, fetchTile: source.fetchTile });
      const root = await treeHash(suite, size, reader);
      expect(toHex(root)).toBe(toHex(merkleRoot(suite, leafHashes.slice(0, size))));
      // A root needs at most two tiles per level (a full one and the partial one).
      expect(new Set(source.fetched).size).toBeLessThanOrEqual(2 * 3);
    },
  );

  it('builds the same inclusion and consistency proofs as the stored hashes do', async () => {
    const store = memoryHashReader(stored);
    for (const size of [300, 600, 65_536, 70_000]) {
      const reader = createTileHashReader(suite, { treeSize: size, fetchTile: tileSource(size).fetchTile });
      const rootHash = merkleRoot(suite, leafHashes.slice(0, size));
      for (const leafIndex of [0, 1, 255, 256, Math.floor(size / 2), size - 1]) {
        const proof = await proveInclusion(suite, { leafIndex, treeSize: size }, reader);
        expect(proof.map(toHex)).toEqual(
          (await proveInclusion(suite, { leafIndex, treeSize: size }, store)).map(toHex),
        );
        verifyInclusion(suite, { leafIndex, treeSize: size, leafHash: leafHashes[leafIndex] as Hash, proof, rootHash });
      }
      for (const size1 of [1, 256, 299, Math.floor(size / 3)]) {
        const proof = await proveConsistency(suite, { size1, size2: size }, reader);
        verifyConsistency(suite, {
          size1,
          size2: size,
          proof,
          root1: merkleRoot(suite, leafHashes.slice(0, size1)),
          root2: rootHash,
        });
      }
    }
  });

  it('refuses a tile of the wrong length and a hash beyond the tree', async () => {
    const short = createTileHashReader(suite, {
      treeSize: 300,
      fetchTile: async (tile) => new Uint8Array(tile.width * 32 - 1),
    });
    await expect(treeHash(suite, 300, short)).rejects.toMatchObject({ code: 'tile_size_wrong' });
    const reader = createTileHashReader(suite, { treeSize: 300, fetchTile: tileSource(300).fetchTile });
    // The tree of 300 leaves has no complete subtree over leaves 256–511.
    await expect(treeHash(suite, 512, reader)).rejects.toBeInstanceOf(TileError);
    await expect(treeHash(suite, 512, reader)).rejects.toMatchObject({ code: 'tile_hash_out_of_range' });
  });

  it('fetches a failed tile again on the next call', async () => {
    let failures = 1;
    const source = tileSource(300);
    const reader = createTileHashReader(suite, {
      treeSize: 300,
      fetchTile: async (tile) => {
        if (failures-- > 0) throw new Error('connection reset');
        return source.fetchTile(tile);
      },
    });
    await expect(treeHash(suite, 300, reader)).rejects.toThrow('connection reset');
    expect(toHex(await treeHash(suite, 300, reader))).toBe(toHex(merkleRoot(suite, leafHashes.slice(0, 300))));
  });
});
