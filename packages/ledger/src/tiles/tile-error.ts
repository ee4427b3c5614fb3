import { CodedError } from '@fieldproof/protocol';
/** Stable codes of tile and entry-bundle failures (c2sp.org/tlog-tiles). A code never changes meaning once released. */
export type TileErrorCode =
  /** A tile or entry-bundle path is not in the spec's canonical form (`tile/<L>/<N>[.p/<W>]`). */
  | 'tile_path_invalid'
  /** A tile's bytes are not exactly 32 bytes per hash of its width. */
  | 'tile_size_wrong'
  /** A hash was asked of a tree that does not hold it (beyond its size, or not a complete subtree). */
  | 'tile_hash_out_of_range'
  /** An entry is longer than a bundle's 2-byte length prefix can say (65,535 bytes). */
  | 'entry_oversize'
  /** An entry bundle is truncated, has trailing bytes, or holds more entries than a tile's width. */
  | 'entry_bundle_malformed';

/** A tile, tile path or entry bundle was rejected (an operating error: bad input from a client or a log). */
export class TileError extends CodedError<TileErrorCode> {
  override name = 'TileError';
}
