import { tileWidthMax } from './tile.ts';
import { TileError } from './tile-error.ts';

/**
 * The entries of a c2sp.org/tlog-tiles entry bundle (each a big-endian uint16 length and its
 * bytes), as views into `bundle`. Throws TileError `entry_bundle_malformed` when an entry runs
 * past the end or the bundle holds more than 256 entries; an empty bundle has no entries.
 */
export function decodeEntryBundle(bundle: Uint8Array): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < bundle.length) {
    if (entries.length === tileWidthMax) {
      throw new TileError('entry_bundle_malformed', `an entry bundle holds at most ${tileWidthMax} entries`, {
        offset,
      });
    }
    if (offset + 2 > bundle.length) {
      throw new TileError('entry_bundle_malformed', 'the entry bundle ends inside a length prefix', { offset });
    }
    const length = ((bundle[offset] as number) << 8) | (bundle[offset + 1] as number);
    const end = offset + 2 + length;
    if (end > bundle.length) {
      throw new TileError('entry_bundle_malformed', `entry ${entries.length} runs past the end of the bundle`, {
        offset,
        length,
        bundleBytes: bundle.length,
      });
    }
    entries.push(bundle.subarray(offset + 2, end));
    offset = end;
  }
  return entries;
}
