import { entryBytesMax, tileWidthMax } from './tile.ts';
import { TileError } from './tile-error.ts';

/**
 * The c2sp.org/tlog-tiles entry bundle of `entries`: each one as a big-endian uint16 length and
 * its bytes, in leaf order. Throws TileError `entry_oversize` for an entry over 65,535 bytes and
 * `entry_bundle_malformed` for more than 256 entries (a bundle is one tile wide).
 */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > tileWidthMax) {
    throw new TileError('entry_bundle_malformed', `an entry bundle holds at most ${tileWidthMax} entries`, {
      entries: entries.length,
    });
  }
  let total = 0;
  for (const [i, entry] of entries.entries()) {
    if (entry.length > entryBytesMax) {
      throw new TileError(
        'entry_oversize',
        `entry ${i} is ${entry.length} bytes; a bundle entry is at most ${entryBytesMax}`,
        {
          entry: i,
          bytes: entry.length,
        },
      );
    }
    total += 2 + entry.length;
  }
  const bundle = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    bundle[offset] = entry.length >> 8;
    bundle[offset + 1] = entry.length & 0xff;
    bundle.set(entry, offset + 2);
    offset += 2 + entry.length;
  }
  return bundle;
}
