import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storedHashCount } from '../tree/stored-hash-index.ts';
import { countTreeTiles } from './count-tree-tiles.ts';
import { formatTilePath } from './format-tile-path.ts';
import { isTileInTree } from './is-tile-in-tree.ts';
import { parseTilePath } from './parse-tile-path.ts';
import type { Tile } from './tile.ts';
import { TileError } from './tile-error.ts';
import { tileHashIndexes } from './tile-hash-indexes.ts';

describe('tile paths (c2sp.org/tlog-tiles)', () => {
  it('encodes the spec example index 1234067 as x001/x234/067', () => {
    expect(formatTilePath({ level: 0, index: 1_234_067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({ level: 0, index: 1_234_067, width: 256 });
  });

  it('formats small indexes, partial tiles and entry bundles', () => {
    expect(formatTilePath({ level: 0, index: 0, width: 256 })).toBe('tile/0/000');
    expect(formatTilePath({ level: 1, index: 1234, width: 256 })).toBe('tile/1/x001/234');
    expect(formatTilePath({ level: 2, index: 0, width: 1 })).toBe('tile/2/000.p/1');
    expect(formatTilePath({ level: 0, index: 273, width: 112 })).toBe('tile/0/273.p/112');
    expect(formatTilePath({ level: 'entries', index: 1000, width: 255 })).toBe('tile/entries/x001/000.p/255');
    expect(parseTilePath('/tile/entries/x001/000.p/255')).toEqual({ level: 'entries', index: 1000, width: 255 });
    expect(parseTilePath('tile/63/000')).toEqual({ level: 63, index: 0, width: 256 });
  });

  it('round-trips every tile', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 63 }), fc.constant('entries' as const)),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          const tile: Tile = { level, index, width };
          expect(parseTilePath(formatTilePath(tile))).toEqual(tile);
        },
      ),
    );
  });

  it.each([
    ['tile/0/1', 'an element of fewer than 3 digits'],
    ['tile/0/x000/001', 'a needless leading x000 element'],
    ['tile/0/001/002', 'an element without x before the last'],
    ['tile/0/x001', 'an x on the last element'],
    ['tile/00/000', 'a level with a leading zero'],
    ['tile/64/000', 'level 64'],
    ['tile/0/000.p/256', 'width 256 after .p/'],
    ['tile/0/000.p/0', 'width 0'],
    ['tile/0/000.p/012', 'a width with a leading zero'],
    ['tile/data/000', 'an unknown level name'],
    ['tile/0/x009/x007/x199/x254/x740/x992/000', 'an index beyond a safe integer'],
    ['tile/0/000/', 'a trailing slash'],
    ['checkpoint', 'not a tile path at all'],
  ])('refuses %s (%s)', (path) => {
    let caught: unknown;
    try {
      parseTilePath(path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TileError);
    expect((caught as TileError).code).toBe('tile_path_invalid');
    expect((caught as TileError).message).toContain('tile/<L>/<N>');
  });
});

describe('which tiles a tree has', () => {
  it('matches the spec: a tree of 70,000 leaves', () => {
    expect(countTreeTiles(70_000)).toEqual([
      { level: 0, fullTileCount: 273, partialTileWidth: 112 },
      { level: 1, fullTileCount: 1, partialTileWidth: 17 },
      { level: 2, fullTileCount: 0, partialTileWidth: 1 },
    ]);
  });

  it('matches the spec: a tree of 256 leaves is one full level-0 tile and a level-1 tile of width 1', () => {
    expect(countTreeTiles(256)).toEqual([
      { level: 0, fullTileCount: 1, partialTileWidth: 0 },
      { level: 1, fullTileCount: 0, partialTileWidth: 1 },
    ]);
    expect(countTreeTiles(0)).toEqual([]);
  });

  it('serves exactly the tiles and partial widths within a tree', () => {
    expect(isTileInTree({ level: 0, index: 273, width: 112 }, 70_000)).toBe(true);
    expect(isTileInTree({ level: 0, index: 273, width: 113 }, 70_000)).toBe(false);
    expect(isTileInTree({ level: 0, index: 273, width: 256 }, 70_000)).toBe(false);
    expect(isTileInTree({ level: 0, index: 272, width: 256 }, 70_000)).toBe(true);
    expect(isTileInTree({ level: 1, index: 0, width: 256 }, 70_000)).toBe(true);
    expect(isTileInTree({ level: 1, index: 1, width: 17 }, 70_000)).toBe(true);
    expect(isTileInTree({ level: 1, index: 1, width: 18 }, 70_000)).toBe(false);
    expect(isTileInTree({ level: 2, index: 0, width: 1 }, 70_000)).toBe(true);
    expect(isTileInTree({ level: 3, index: 0, width: 1 }, 70_000)).toBe(false);
    expect(isTileInTree({ level: 63, index: 0, width: 1 }, 70_000)).toBe(false);
    expect(isTileInTree({ level: 'entries', index: 273, width: 112 }, 70_000)).toBe(true);
    expect(isTileInTree({ level: 'entries', index: 273, width: 113 }, 70_000)).toBe(false);
    // Every tile countTreeTiles names is in the tree, and one hash wider is not.
    for (const size of [1, 255, 256, 257, 65_535, 65_536, 70_000]) {
      for (const { level, fullTileCount, partialTileWidth } of countTreeTiles(size)) {
        if (fullTileCount > 0) expect(isTileInTree({ level, index: fullTileCount - 1, width: 256 }, size)).toBe(true);
        if (partialTileWidth > 0) {
          expect(isTileInTree({ level, index: fullTileCount, width: partialTileWidth }, size)).toBe(true);
        }
        expect(isTileInTree({ level, index: fullTileCount, width: partialTileWidth + 1 }, size)).toBe(false);
      }
    }
  });

  it('names the stored hashes a tile holds (tree level 8·L)', () => {
    // Level-0 tile 0: the leaf hashes, whose stored indexes skip the interior hashes between them.
    expect(tileHashIndexes({ level: 0, index: 0, width: 4 })).toEqual([0, 1, 3, 4]);
    // Level-1 tile 0, hash 0 is the root of leaves 0–255: the last hash stored for a tree of 256 leaves.
    expect(tileHashIndexes({ level: 1, index: 0, width: 1 })).toEqual([storedHashCount(256) - 1]);
  });
});
