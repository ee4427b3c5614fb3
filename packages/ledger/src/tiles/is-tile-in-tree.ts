import type { Tile } from './tile.ts';

/**
 * Number of hashes a tree of `treeSize` leaves has at tree level 8·`tileLevel` that are roots of
 * complete subtrees: floor(treeSize / 256^tileLevel). For `'entries'` it is the number of leaves.
 * Precondition: `treeSize` is a non-negative safe integer.
 */
export function tileLevelHashCount(treeSize: number, tileLevel: number | 'entries'): number {
  return tileLevel === 'entries' ? treeSize : Math.floor(treeSize / 256 ** tileLevel);
}

/**
 * Whether a tree of `treeSize` leaves holds every hash (or entry) of `tile`, so that a log whose
 * checkpoint has that size may serve it. A partial tile of any width up to the tree's is in the
 * tree: its bytes never change, whichever checkpoint asked for it.
 * Precondition: `treeSize` is a non-negative safe integer and `tile` a valid tile (see parseTilePath).
 */
export function isTileInTree(tile: Tile, treeSize: number): boolean {
  return tile.index * 256 + tile.width <= tileLevelHashCount(treeSize, tile.level);
}
