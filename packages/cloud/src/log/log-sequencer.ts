import { appendLeaf, frontierRoot, hashLeaf, loadFrontier, type TreeFrontier } from '@fieldproof/ledger';
import { assert, type CryptoSuiteName } from '@fieldproof/protocol';
import type { CloudStore, CloudStoreTransaction, LogEntryInsert } from '../storage/cloud-store.ts';
import { sqliteLogWriter } from '../storage/kysely-cloud-store.ts';

/** An append prepared inside a transaction, adopted once the transaction commits. */
export interface StagedAppend {
  /** Leaf index the entry got. */
  leafIndex: number;
  /** The tree frontier after the append. */
  frontier: TreeFrontier;
}

/** The committed tree at one moment. */
export interface LogHead {
  /** Number of leaves committed. */
  size: number;
  /** The RFC 9162 root of those leaves. */
  rootHash: Uint8Array;
}

/**
 * Stage one log entry inside `LogSequencer.write`; the entry is written before the commit. `data`
 * may be held until then (PostgreSQL): do not change it after staging.
 */
export type StageAppend = (kind: string, data: Uint8Array, nowMs: number) => StagedAppend;

/**
 * The single writer of one log. It keeps the tree's frontier (the roots of its perfect subtrees)
 * in memory, so an append computes its new stored hashes without reading any. Appends are staged
 * inside a store transaction (on SQLite their rows are written at once, on the transaction's
 * connection; on PostgreSQL they are written in multi-row inserts just before the commit) and
 * adopted after it commits, so a rolled-back transaction never moves the in-memory tree.
 *
 * One `write` runs at a time in this process (a promise chain), and inside it the transaction
 * takes the store's lock of this log (an advisory lock on PostgreSQL), so two sequencers of one
 * log never interleave. If the stored log grew under us (another process appended), the frontier
 * is reloaded from the store before staging.
 */
export async function openLogSequencer(store: CloudStore, suite: CryptoSuiteName, logKey = 'log') {
  let frontier = await loadFrontier(await store.logSize(), store);
  let queue: Promise<unknown> = Promise.resolve();

  async function writeExclusive<T>(work: (tx: CloudStoreTransaction, stage: StageAppend) => Promise<T>): Promise<T> {
    let pending: TreeFrontier | undefined;
    const entries: LogEntryInsert[] = [];
    const hashes: { index: number; hash: Uint8Array }[] = [];
    try {
      const result = await store.transaction(async (tx) => {
        await tx.lockLog(logKey);
        const storedSize = await tx.logSize();
        if (storedSize !== frontier.size) {
          assert(storedSize > frontier.size, 'the stored log never shrinks');
          frontier = await loadFrontier(storedSize, tx);
        }
        // SQLite: the rows are written as they are staged, on the transaction's own connection
        // (nothing held until the commit). PostgreSQL: held, then written in multi-row inserts.
        const writer = sqliteLogWriter(tx);
        let live = true;
        const stage: StageAppend = (kind, data, nowMs) => {
          assert(live, 'stage is called only while its write runs');
          const base = pending ?? frontier;
          const leafIndex = base.size;
          const appended = appendLeaf(suite, base, hashLeaf(suite, data));
          assert(appended.frontier.size === leafIndex + 1, 'a log append grows the tree by one leaf');
          if (writer !== undefined) {
            writer.entry(leafIndex, kind, data, nowMs);
            for (const item of appended.stored) writer.hash(item.index, item.hash);
          } else {
            entries.push({ leafIndex, kind, data, createdAtMs: nowMs });
            for (const item of appended.stored) hashes.push(item);
          }
          pending = appended.frontier;
          return { leafIndex, frontier: appended.frontier };
        };
        let value: T;
        try {
          value = await work(tx, stage);
        } finally {
          live = false;
        }
        if (entries.length > 0) {
          await tx.insertLogEntries(entries);
          await tx.insertHashes(hashes);
        }
        return value;
      });
      if (pending) {
        assert(pending.size >= frontier.size, 'the log never shrinks');
        frontier = pending;
      }
      return result;
    } catch (error) {
      // Rolled back: the staged appends are forgotten with the transaction.
      pending = undefined;
      throw error;
    }
  }

  return {
    /** Number of leaves committed. */
    get size(): number {
      return frontier.size;
    },
    /**
     * The committed tree's size and root, read together. Read them from one call, never `size` and
     * a root at two moments: a write that commits in between would pair a size with the root of a
     * larger tree (a checkpoint whose inclusion proofs lead to another root).
     */
    head(): LogHead {
      const committed = frontier;
      return { size: committed.size, rootHash: frontierRoot(suite, committed) };
    },
    /**
     * Run `work` in one store transaction as this log's single writer. `work` stages entries with
     * `stage` (synchronous: it only computes); they are written before the commit and become the
     * committed tree after it. A rejection rolls everything back and leaves the tree as it was.
     */
    write<T>(work: (tx: CloudStoreTransaction, stage: StageAppend) => Promise<T>): Promise<T> {
      const run = queue.then(
        () => writeExclusive(work),
        () => writeExclusive(work),
      );
      queue = run.catch(() => {});
      return run;
    },
  };
}

/** The log's single writer. */
export type LogSequencer = Awaited<ReturnType<typeof openLogSequencer>>;
