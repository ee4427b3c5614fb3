import { describe, expect, it } from 'vitest';
import { decodeEntryBundle } from './decode-entry-bundle.ts';
import { encodeEntryBundle } from './encode-entry-bundle.ts';
import { entryBytesMax } from './tile.ts';
import { TileError } from './tile-error.ts';

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof TileError) return error.code;
    throw error;
  }
  return undefined;
}

describe('entry bundles', () => {
  it('prefixes each entry with its big-endian uint16 length', () => {
    const bundle = encodeEntryBundle([new Uint8Array([7, 8, 9]), new Uint8Array(0), new Uint8Array(300).fill(1)]);
    expect([...bundle.subarray(0, 7)]).toEqual([0, 3, 7, 8, 9, 0, 0]);
    expect([...bundle.subarray(7, 9)]).toEqual([1, 44]);
    expect(bundle.length).toBe(2 + 3 + 2 + 2 + 300);
    const decoded = decodeEntryBundle(bundle);
    expect(decoded.map((entry) => entry.length)).toEqual([3, 0, 300]);
    expect([...(decoded[0] as Uint8Array)]).toEqual([7, 8, 9]);
  });

  it('carries a 65,535-byte entry and refuses a longer one', () => {
    const largest = new Uint8Array(entryBytesMax).fill(0xab);
    expect(decodeEntryBundle(encodeEntryBundle([largest]))[0]).toEqual(largest);
    expect(codeOf(() => encodeEntryBundle([new Uint8Array(entryBytesMax + 1)]))).toBe('entry_oversize');
  });

  it('refuses more than 256 entries either way', () => {
    const many = Array.from({ length: 257 }, () => new Uint8Array(1));
    expect(codeOf(() => encodeEntryBundle(many))).toBe('entry_bundle_malformed');
    const full = encodeEntryBundle(many.slice(0, 256));
    expect(decodeEntryBundle(full)).toHaveLength(256);
    const tooLong = new Uint8Array(full.length + 3);
    tooLong.set(full);
    tooLong.set([0, 1, 5], full.length);
    expect(codeOf(() => decodeEntryBundle(tooLong))).toBe('entry_bundle_malformed');
  });

  it('refuses a truncated bundle', () => {
    const bundle = encodeEntryBundle([new Uint8Array([1, 2, 3])]);
    expect(codeOf(() => decodeEntryBundle(bundle.subarray(0, 4)))).toBe('entry_bundle_malformed');
    expect(codeOf(() => decodeEntryBundle(new Uint8Array([0])))).toBe('entry_bundle_malformed');
    expect(decodeEntryBundle(new Uint8Array(0))).toEqual([]);
  });
});
