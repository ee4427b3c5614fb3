import type { CryptoSuiteName } from '@fieldproof/protocol';
import { type Hash, hashChildren, hashSizeBytes } from '../hash/rfc9162.ts';
import { splitStoredHashIndex } from '../tree/split-stored-hash-index.ts';
import type { HashReader } from '../tree/stored-hash-index.ts';
import { checkStoredTreeNumber } from '../tree/tree-size-check.ts';
import { formatTilePath } from './format-tile-path.ts';
import { tileLevelHashCount } from './is-tile-in-tree.ts';
import { type Tile, tileHeight, tileWidthMax } from './tile.ts';
import { TileError } from './tile-error.ts';

/** Most tiles one reader keeps; a proof or a root needs a few per level, a tree of 2^50 leaves has 7 levels. */
export const tileReaderTilesMax = 1_024;

/** How a tile reader gets its tiles. */
export interface CreateTileHashReaderParameters {
  /** Size of the tree to read, from a checkpoint the caller has verified (or will check the results against). */
  treeSize: number;
  /** Fetch one tile's bytes (for example GET <prefix>/<formatTilePath(tile)>); the reader never asks for an entry bundle. */
  fetchTile(tile: Tile): Promise<Uint8Array>;
}

/** Where a stored hash comes from: the tile hashes under it and how high to hash them. */
interface HashSource {
  /** The tile holding the hashes at the level below. */
  tile: Tile;
  /** Position of the first of them within the tile. */
  offset: number;
  /** Levels to hash up (0 to 7): the hash spans 2^levels tile hashes. */
  levels: number;
}

/** The tile, offset and height that give hash `n` at tree level `level` of a tree of `treeSize` leaves. */
function locateHash(treeSize: number, level: number, n: number): HashSource {
  const tileLevel = Math.floor(level / tileHeight);
  const levels = level - tileLevel * tileHeight;
  const first = n * 2 ** levels;
  const count = tileLevelHashCount(treeSize, tileLevel);
  if (first + 2 ** levels > count) {
    throw new TileError(
      'tile_hash_out_of_range',
      `a tree of ${treeSize} leaves has no complete subtree (${level}, ${n})`,
      {
        treeSize,
        level,
        n,
      },
    );
  }
  const index = Math.floor(first / tileWidthMax);
  const width = Math.min(tileWidthMax, count - index * tileWidthMax);
  return { tile: { level: tileLevel, index, width }, offset: first - index * tileWidthMax, levels };
}

/** Hash `2^levels` consecutive tile hashes from `offset` up to their subtree root. */
function hashUp(suite: CryptoSuiteName, bytes: Uint8Array, offset: number, levels: number): Hash {
  let row: Hash[] = Array.from({ length: 2 ** levels }, (_, i) =>
    bytes.subarray((offset + i) * hashSizeBytes, (offset + i + 1) * hashSizeBytes),
  );
  while (row.length > 1) {
    const next: Hash[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(hashChildren(suite, row[i] as Hash, row[i + 1] as Hash));
    row = next;
  }
  return row[0] as Hash;
}

/**
 * A HashReader over a tiled log (c2sp.org/tlog-tiles), as Go's tlog.TileHashReader: each stored
 * hash asked is found in the tile at level floor(level / 8), hashing up to 7 levels of tile
 * hashes, so the ledger's treeHash, proveInclusion and proveConsistency work from tiles alone.
 * It fetches the tiles one readHashes call needs in parallel, each once, and keeps up to
 * tileReaderTilesMax of them.
 * It does not authenticate tiles: the caller checks what it computes (a root, a proof) against a
 * verified checkpoint of `treeSize`, which a wrong tile hash cannot pass.
 * Throws ProofError `proof_input_invalid` when treeSize is not an integer in [0, storedTreeSizeMax],
 * and (from readHashes) TileError `tile_hash_out_of_range` for a hash the tree does not hold and
 * `tile_size_wrong` when a fetched tile is not 32 bytes per hash of its width.
 */
export function createTileHashReader(suite: CryptoSuiteName, parameters: CreateTileHashReaderParameters): HashReader {
  const { treeSize, fetchTile } = parameters;
  checkStoredTreeNumber('treeSize', treeSize);
  const tiles = new Map<string, Promise<Uint8Array>>();
  const load = (tile: Tile): Promise<Uint8Array> => {
    const path = formatTilePath(tile);
    let pending = tiles.get(path);
    if (!pending) {
      pending = fetchTile(tile).then((bytes) => {
        if (bytes.length !== tile.width * hashSizeBytes) {
          throw new TileError(
            'tile_size_wrong',
            `${path} is ${bytes.length} bytes, not ${tile.width * hashSizeBytes}`,
            {
              path,
              bytes: bytes.length,
            },
          );
        }
        return bytes;
      });
      // A failed fetch is not kept, so a retry fetches again.
      pending.catch(() => tiles.delete(path));
      if (tiles.size >= tileReaderTilesMax) tiles.delete(tiles.keys().next().value as string);
      tiles.set(path, pending);
    }
    return pending;
  };
  return {
    async readHashes(indexes) {
      const sources = indexes.map((index) => {
        const { level, n } = splitStoredHashIndex(index);
        return locateHash(treeSize, level, n);
      });
      const bytes = await Promise.all(sources.map((source) => load(source.tile)));
      return sources.map((source, i) => hashUp(suite, bytes[i] as Uint8Array, source.offset, source.levels));
    },
  };
}
