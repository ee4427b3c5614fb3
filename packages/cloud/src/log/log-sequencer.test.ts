import { hashLeaf, proveInclusion, storedHashIndex, verifyInclusion } from '@fieldproof/ledger';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../../_test/store-backends.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { openLogSequencer } from './log-sequencer.ts';

const entry = (index: number) => {
  const bytes = new Uint8Array(40);
  new DataView(bytes.buffer).setFloat64(0, index);
  return bytes;
};

/** Append `count` entries in one write; returns the leaf indexes staged. */
async function appendEntries(sequencer: Awaited<ReturnType<typeof openLogSequencer>>, count: number) {
  return sequencer.write(async (_tx, stage) => {
    const first = sequencer.size;
    const indexes: number[] = [];
    for (let i = 0; i < count; i++) indexes.push(stage('test', entry(first + i), 1_000).leafIndex);
    return indexes;
  });
}

/** Every leaf's stored inclusion proof leads to the sequencer's root, and the entries read back. */
async function expectConsistent(store: CloudStore, sequencer: Awaited<ReturnType<typeof openLogSequencer>>) {
  const { size, rootHash } = sequencer.head();
  expect(await store.logSize()).toBe(size);
  for (let leafIndex = 0; leafIndex < size; leafIndex += 7) {
    const proof = await proveInclusion('intl', { leafIndex, treeSize: size }, store);
    verifyInclusion('intl', {
      leafIndex,
      treeSize: size,
      leafHash: hashLeaf('intl', entry(leafIndex)),
      proof,
      rootHash,
    });
  }
  const last = Math.min(size, 256);
  expect(await store.readLogEntries(0, last)).toEqual(Array.from({ length: last }, (_, i) => entry(i)));
}

describe.each([sqliteBackend(), postgresBackend()])('log sequencer on $name', (backend: StoreBackend) => {
  let store: CloudStore;
  let available = true;

  beforeAll(async () => {
    available = await backend.available();
  });
  beforeEach(async (context) => {
    if (!available) context.skip();
    store = await backend.open();
  });
  afterAll(async () => {
    await backend.cleanUp();
  });

  it('appends writes of odd sizes (not multiples of any statement batch) into a tree that proves every leaf', async () => {
    const sequencer = await openLogSequencer(store, 'intl');
    expect(await appendEntries(sequencer, 1)).toEqual([0]);
    await appendEntries(sequencer, 31);
    await appendEntries(sequencer, 33);
    await appendEntries(sequencer, 0);
    await appendEntries(sequencer, 1_000);
    expect(sequencer.size).toBe(1_065);
    await expectConsistent(store, sequencer);
    // A sequencer opened on the store again finds the same tree.
    const reopened = await openLogSequencer(store, 'intl');
    expect(reopened.size).toBe(1_065);
    expect(reopened.head()).toEqual(sequencer.head());
  });

  it('forgets a rolled-back write: neither the store nor the tree moves, and the next write continues', async () => {
    const sequencer = await openLogSequencer(store, 'intl');
    await appendEntries(sequencer, 40);
    const rootBefore = sequencer.head().rootHash;
    await expect(
      sequencer.write(async (_tx, stage) => {
        for (let i = 0; i < 100; i++) stage('test', entry(40 + i), 1_000);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(sequencer.size).toBe(40);
    expect(sequencer.head().rootHash).toEqual(rootBefore);
    expect(await store.logSize()).toBe(40);
    await appendEntries(sequencer, 70);
    expect(sequencer.size).toBe(110);
    await expectConsistent(store, sequencer);
  });

  it('refuses a stage called after its write ended', async () => {
    const sequencer = await openLogSequencer(store, 'intl');
    let kept: ((kind: string, data: Uint8Array, nowMs: number) => unknown) | undefined;
    await sequencer.write(async (_tx, stage) => {
      kept = stage;
      stage('test', entry(0), 1_000);
    });
    expect(() => kept?.('test', entry(1), 1_000)).toThrow(/only while its write runs/);
    expect(sequencer.size).toBe(1);
    expect(await store.logSize()).toBe(1);
  });

  it('keeps its rows from other readers until the commit', async () => {
    const sequencer = await openLogSequencer(store, 'intl');
    let seen: number | undefined;
    let read: Promise<void> | undefined;
    await sequencer.write(async (_tx, stage) => {
      for (let i = 0; i < 50; i++) stage('test', entry(i), 1_000);
      read = store.logSize().then((size) => {
        seen = size;
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
    });
    await read;
    // SQLite: the read waited for the commit; PostgreSQL: it saw the log before it.
    expect(seen === 0 || seen === 50).toBe(true);
    if (backend.name === 'sqlite') expect(seen).toBe(50);
  });

  it('keeps its tree hashes from a proof being built until the commit', async () => {
    const sequencer = await openLogSequencer(store, 'intl');
    await appendEntries(sequencer, 3);
    let committed = false;
    let read: Promise<unknown> | undefined;
    await sequencer.write(async (_tx, stage) => {
      stage('test', entry(3), 1_000);
      // Leaf 3's own hash, new in this write.
      read = store.readHashes([storedHashIndex(0, 3)]).then(
        (hashes) => ({ committed, hashes }),
        (error: Error) => ({ committed, error: error.message }),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      committed = true;
    });
    const outcome = (await read) as { committed: boolean; hashes?: Uint8Array[]; error?: string };
    if (backend.name === 'sqlite') {
      // The raw read waited for the connection's lock, so it ran after the commit.
      expect(outcome.committed).toBe(true);
      expect(outcome.hashes).toEqual([hashLeaf('intl', entry(3))]);
    } else {
      // PostgreSQL reads the last commit: the hash is not there yet.
      expect(outcome.error).toMatch(/missing/);
    }
  });
});
