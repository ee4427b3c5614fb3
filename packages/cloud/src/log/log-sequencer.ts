import { appendLeaf, frontierRoot, hashLeaf, loadFrontier, type TreeFrontier } from '@fieldproof/ledger';
import { assert, type CryptoSuiteName } from '@fieldproof/protocol';
import type { CloudStore } from '../storage/sqlite/sqlite-store.ts';

/** An append prepared inside a transaction, adopted once the transaction commits. */
export interface StagedAppend {
  /** Leaf index the entry got. */
  leafIndex: number;
  /** The tree frontier after the append. */
  frontier: TreeFrontier;
}

/**
 * The single writer of one log. It keeps the tree's frontier (the roots of its perfect subtrees)
 * in memory, so an append writes its new stored hashes without reading any. Appends are staged
 * inside the caller's store transaction and adopted after it commits, so a rolled-back
 * transaction never moves the in-memory tree.
 */
export async function openLogSequencer(store: CloudStore, suite: CryptoSuiteName) {
  const size = store.logSize();
  let frontier = await loadFrontier(size, store);
  let pending: TreeFrontier | undefined;
  return {
    /** Number of leaves committed. */
    get size(): number {
      return frontier.size;
    },
    /** The root of the committed tree. */
    root(): Uint8Array {
      return frontierRoot(suite, frontier);
    },
    /**
     * Append one entry. Precondition: called inside a store transaction, at most one staged
     * append chain per transaction, followed by `adopt` after commit or `discard` on rollback.
     */
    stage(kind: string, data: Uint8Array, nowMs: number): StagedAppend {
      const base = pending ?? frontier;
      const leafIndex = base.size;
      const result = appendLeaf(suite, base, hashLeaf(suite, data));
      assert(result.frontier.size === leafIndex + 1, 'a log append grows the tree by one leaf');
      store.insertLogEntry(leafIndex, kind, data, nowMs);
      store.insertHashes(result.stored);
      pending = result.frontier;
      return { leafIndex, frontier: result.frontier };
    },
    /** Make the staged appends current (after the transaction committed). */
    adopt(): void {
      if (!pending) return;
      assert(pending.size >= frontier.size, 'the log never shrinks');
      frontier = pending;
      pending = undefined;
    },
    /** Forget staged appends (the transaction rolled back). */
    discard(): void {
      pending = undefined;
    },
  };
}

/** The log's single writer. */
export type LogSequencer = Awaited<ReturnType<typeof openLogSequencer>>;
