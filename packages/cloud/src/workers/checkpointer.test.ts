import { frontierRoot, loadFrontier } from '@fieldproof/ledger';
import { generateKeyPair, keyPairSigner } from '@fieldproof/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../../_test/store-backends.ts';
import type { CloudContext } from '../context.ts';
import { type LogSequencer, openLogSequencer } from '../log/log-sequencer.ts';
import type { CloudStore } from '../storage/cloud-store.ts';
import { publishCheckpoint } from './checkpointer.ts';

const appendOne = (sequencer: LogSequencer, index: number) =>
  sequencer.write(async (_tx, stage) => stage('test', new TextEncoder().encode(`entry ${index}`), 1_000).leafIndex);

/** The root of the stored log's first `size` leaves, recomputed from the stored hashes. */
async function storedRoot(store: CloudStore, size: number): Promise<Uint8Array> {
  return frontierRoot('intl', await loadFrontier(size, store));
}

describe.each([sqliteBackend(), postgresBackend()])('publishCheckpoint on $name', (backend: StoreBackend) => {
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

  it('signs the root of the size it names when an append commits while it runs', async () => {
    const sequencer = await openLogSequencer(store, 'intl');
    await appendOne(sequencer, 0);
    // The real store, with one more append committed while publishCheckpoint awaits its read of
    // the latest checkpoint: the moment a concurrent ingest or decision lands in production.
    let appended: Promise<number> | undefined;
    const racingStore: CloudStore = Object.create(store);
    racingStore.latestCheckpoint = async () => {
      appended ??= appendOne(sequencer, 1);
      await appended;
      return store.latestCheckpoint();
    };
    const context = {
      store: racingStore,
      sequencer,
      suite: 'intl',
      origin: 'example.com/checkpointer-test',
      logKeyName: 'example.com/checkpointer-test',
      logSigner: keyPairSigner(generateKeyPair('ed25519')),
      clock: () => 2_000,
    } as unknown as CloudContext;
    const size = await publishCheckpoint(context);
    expect(appended).toBeDefined();
    expect(sequencer.size).toBe(2);
    const checkpoint = await store.latestCheckpoint();
    expect(checkpoint?.size).toBe(size);
    // The signed root is the root of the tree of the signed size, whichever size that is.
    expect(new Uint8Array(checkpoint?.root ?? [])).toEqual(await storedRoot(store, checkpoint?.size ?? 0));
    expect(checkpoint?.note).toContain(`\n${size}\n${Buffer.from(checkpoint?.root ?? []).toString('base64')}\n`);
  });
});
