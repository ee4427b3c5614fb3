import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitStoredHashIndex } from './split-stored-hash-index.ts';
import { storedHashCount, storedHashIndex, storedTreeSizeMax } from './stored-hash-index.ts';

describe('splitStoredHashIndex', () => {
  it('inverts storedHashIndex over the first stored hashes, in order', () => {
    const size = 5_000;
    const seen: string[] = [];
    for (let index = 0; index < storedHashCount(size); index++) {
      const { level, n } = splitStoredHashIndex(index);
      expect(storedHashIndex(level, n)).toBe(index);
      seen.push(`${level}/${n}`);
    }
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('inverts storedHashIndex for large trees', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 49 }),
        fc.integer({ min: 0, max: storedTreeSizeMax - 1 }),
        (level, leaf) => {
          const n = Math.floor(leaf / 2 ** level);
          expect(splitStoredHashIndex(storedHashIndex(level, n))).toEqual({ level, n });
        },
      ),
    );
  });
});
