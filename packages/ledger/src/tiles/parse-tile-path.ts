import { formatTilePath } from './format-tile-path.ts';
import type { Tile } from './tile.ts';
import { TileError } from './tile-error.ts';

/** Longest tile path accepted: enough for any safe-integer index (6 elements) and a suffix. */
export const tilePathLengthMax = 64;

const tilePathPattern = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Parse a tile or entry-bundle path in the spec's canonical form (see formatTilePath), with or
 * without a leading slash. Throws TileError `tile_path_invalid` for anything else: a level above
 * 63, a width outside 1–255 after `.p/`, an index with a needless leading `x000/` element or
 * beyond a safe integer, or any other spelling, so that one tile has exactly one path.
 */
export function parseTilePath(path: string): Tile {
  const text = path.startsWith('/') ? path.slice(1) : path;
  const invalid = (reason: string) =>
    new TileError('tile_path_invalid', `${reason}; a tile path is tile/<L>/<N>[.p/<W>], e.g. tile/0/x001/234.p/5`, {
      path: text.slice(0, tilePathLengthMax),
    });
  if (text.length > tilePathLengthMax) throw invalid(`the path is longer than ${tilePathLengthMax} characters`);
  const match = tilePathPattern.exec(text);
  if (!match) throw invalid(`"${text}" is not a tile path`);
  const [, levelText = '', indexText = '', widthText] = match;
  const level = levelText === 'entries' ? 'entries' : Number(levelText);
  if (level !== 'entries' && level > 63) throw invalid(`tile level ${level} is above 63`);
  const width = widthText === undefined ? 256 : Number(widthText);
  if (widthText !== undefined && width > 255) throw invalid(`a partial tile is 1 to 255 wide, not ${width}`);
  const index = Number(indexText.replaceAll('x', '').replaceAll('/', ''));
  if (!Number.isSafeInteger(index)) throw invalid(`tile index ${indexText} is beyond ${Number.MAX_SAFE_INTEGER}`);
  const tile: Tile = { level, index, width };
  if (formatTilePath(tile) !== text) throw invalid(`"${text}" is not the canonical path of its tile`);
  return tile;
}
