import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileSeqStore, createMemorySeqStore } from './seq-store.ts';

const temporaryFolder = (): string => mkdtempSync(join(tmpdir(), 'fieldproof-seq-'));

describe('createFileSeqStore', () => {
  it('hands out strictly rising seqs per device, independently per device', () => {
    const store = createFileSeqStore(temporaryFolder(), { reserveBlock: 10 });
    const seqs = Array.from({ length: 25 }, () => store.next('cell-1'));
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, index) => index));
    expect(store.next('cell-2')).toBe(0);
  });

  it('writes the high mark only once per block', () => {
    const folder = temporaryFolder();
    const store = createFileSeqStore(folder, { reserveBlock: 10 });
    store.next('cell-1');
    expect(readFileSync(join(folder, 'cell-1.seq'), 'utf8').trim()).toBe('10');
    for (let count = 0; count < 9; count++) store.next('cell-1');
    // Seqs 0–9 fit the first block; the file still holds its first reservation.
    expect(readFileSync(join(folder, 'cell-1.seq'), 'utf8').trim()).toBe('10');
    expect(store.next('cell-1')).toBe(10);
    expect(readFileSync(join(folder, 'cell-1.seq'), 'utf8').trim()).toBe('20');
  });

  it('continues above every earlier seq after a restart, leaving a gap and never a repeat', () => {
    const folder = temporaryFolder();
    const first = createFileSeqStore(folder, { reserveBlock: 100 });
    const before = Array.from({ length: 150 }, () => first.next('truck-7'));
    // A "restart": a new instance on the same folder, the old one forgotten.
    const second = createFileSeqStore(folder, { reserveBlock: 100 });
    const after = Array.from({ length: 5 }, () => second.next('truck-7'));
    expect(after[0]).toBe(200);
    expect(Math.min(...after)).toBeGreaterThan(Math.max(...before));
    for (let index = 1; index < after.length; index++) expect(after[index]).toBe((after[index - 1] as number) + 1);
  });

  it('refuses a corrupt seq file instead of guessing', () => {
    const folder = temporaryFolder();
    writeFileSync(join(folder, 'cell-1.seq'), 'not a number\n');
    const store = createFileSeqStore(folder);
    expect(() => store.next('cell-1')).toThrow(/does not hold a non-negative integer/);
  });

  it('rejects a device id that is not safe as a file name', () => {
    const store = createFileSeqStore(temporaryFolder());
    expect(() => store.next('../escape')).toThrow(/not a valid device id/);
  });

  it('rejects a reserveBlock out of range', () => {
    expect(() => createFileSeqStore(temporaryFolder(), { reserveBlock: 0 })).toThrow(/reserveBlock/);
  });
});

describe('createMemorySeqStore', () => {
  it('starts at `start` for each device and rises by one', () => {
    const store = createMemorySeqStore(5);
    expect([store.next('a'), store.next('a'), store.next('b')]).toEqual([5, 6, 5]);
  });
});
