import { assert } from '@fieldproof/protocol';
import { type Tile, tileLevelMax, tileWidthMax } from './tile.ts';

/**
 * The spec's path of a tile or entry bundle, without a leading slash: `tile/<L>/<N>[.p/<W>]` or
 * `tile/entries/<N>[.p/<W>]`, with N in 3-digit elements, all but the last prefixed with `x`
 * (index 1234067 is `x001/x234/067`), and the `.p/<W>` suffix only for a partial tile.
 * Preconditions (programmer errors, asserted): level is `'entries'` or an integer in [0, 63],
 * index a non-negative safe integer, width an integer in [1, 256].
 */
export function formatTilePath(tile: Tile): string {
  const { level, index, width } = tile;
  assert(
    level === 'entries' || (Number.isInteger(level) && level >= 0 && level <= tileLevelMax),
    `tile level ${level}`,
  );
  assert(Number.isSafeInteger(index) && index >= 0, `tile index ${index}`);
  assert(Number.isInteger(width) && width >= 1 && width <= tileWidthMax, `tile width ${width}`);
  const elements: string[] = [];
  let rest = index;
  do {
    elements.unshift((rest % 1000).toString().padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  const encodedIndex = elements.map((element, i) => (i < elements.length - 1 ? `x${element}` : element)).join('/');
  const suffix = width === tileWidthMax ? '' : `.p/${width}`;
  return `tile/${level}/${encodedIndex}${suffix}`;
}
