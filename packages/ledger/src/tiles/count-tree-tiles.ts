import { assert } from '@fieldproof/protocol';
import { tileWidthMax } from './tile.ts';

/** The tiles of one level of a tree. */
export interface TreeTileLevel {
  /** Tile level (tree level 8·level). */
  level: number;
  /** Number of full tiles (256 hashes each), tile indexes 0 … fullTileCount − 1. */
  fullTileCount: number;
  /** Width of the partial tile after them (index fullTileCount), or 0 when there is none. */
  partialTileWidth: number;
}

/**
 * The tiles that represent a tree of `treeSize` leaves, level by level from 0 up to the last level
 * with a hash: a tree of 70,000 leaves has 273 full level-0 tiles and one of width 112, one full
 * level-1 tile and one of width 17, and one level-2 tile of width 1. The empty tree has none.
 * Precondition (asserted): `treeSize` is a non-negative safe integer.
 */
export function countTreeTiles(treeSize: number): TreeTileLevel[] {
  assert(Number.isSafeInteger(treeSize) && treeSize >= 0, `tree size ${treeSize}`);
  const levels: TreeTileLevel[] = [];
  for (let level = 0, count = treeSize; count > 0; level++, count = Math.floor(count / tileWidthMax)) {
    levels.push({ level, fullTileCount: Math.floor(count / tileWidthMax), partialTileWidth: count % tileWidthMax });
  }
  return levels;
}
