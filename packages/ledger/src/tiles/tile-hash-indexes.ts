import { assert } from '@fieldproof/protocol';
import { storedHashIndex } from '../tree/stored-hash-index.ts';
import { type Tile, tileHeight } from './tile.ts';

/**
 * Stored-hash indexes (see storedHashIndex) of the hashes a tile holds, in tile order: the tree's
 * hashes at level 8·tile.level with indexes tile.index·256 … tile.index·256 + tile.width − 1.
 * Preconditions (asserted): `tile.level` is a number, not `'entries'`, and the tile is within a
 * tree of at most storedTreeSizeMax leaves (check isTileInTree first).
 */
export function tileHashIndexes(tile: Tile): number[] {
  assert(tile.level !== 'entries', 'an entry bundle holds entries, not stored hashes');
  const level = tile.level * tileHeight;
  const first = tile.index * 256;
  return Array.from({ length: tile.width }, (_, i) => storedHashIndex(level, first + i));
}
