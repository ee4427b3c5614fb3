// The shape of a c2sp.org/tlog-tiles tile and its constants. Types and numbers only, no operations.

/** Hashes in a full tile: a tile is a subtree of height 8. */
export const tileWidthMax = 256;

/** Tree levels one tile spans: tile level L holds the tree's hashes at level 8·L. */
export const tileHeight = 8;

/** Highest tile level the spec allows in a path. */
export const tileLevelMax = 63;

/** Longest entry an entry bundle can carry: its length prefix is a big-endian uint16. */
export const entryBytesMax = 65_535;

/**
 * One tile or entry bundle of a tiled log. Tile `{ level, index, width }` holds the tree's hashes
 * at level 8·level with indexes index·256 … index·256 + width − 1; the entry bundle
 * `{ level: 'entries', index, width }` holds the entries (leaves) with those indexes.
 */
export interface Tile {
  /** Tile level, 0 to 63 (level 0 holds leaf hashes), or `'entries'` for an entry bundle. */
  level: number | 'entries';
  /** Index of the tile within its level (a non-negative safe integer). */
  index: number;
  /** Number of hashes or entries: 256 for a full tile, 1 to 255 for a partial one. */
  width: number;
}
