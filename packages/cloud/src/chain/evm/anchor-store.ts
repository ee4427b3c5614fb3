import type Database from 'better-sqlite3';

/**
 * One row per checkpoint size per chain, contract and log. `pending`: the anchor transaction is
 * signed and stored (and maybe sent) but not yet confirmed deep enough; `final`: mined with the
 * configured confirmations; `superseded`: the chain holds a larger size of this log that this
 * process did not anchor, so this size can never be anchored (the contract refuses to shrink).
 * At most one row per log is pending: anchors go out one at a time, in size order, so a lost
 * transaction can never let a larger size overtake a smaller one.
 */
const anchorSchema = `
CREATE TABLE IF NOT EXISTS anchor (
  chain_id INTEGER NOT NULL,
  contract TEXT NOT NULL,
  origin_hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'final', 'superseded')),
  root_hash TEXT NOT NULL,
  checkpoint_hash TEXT NOT NULL,
  tx_hash TEXT,
  nonce INTEGER,
  raw_tx TEXT,
  block_number INTEGER,
  created_at_ms INTEGER NOT NULL,
  final_at_ms INTEGER,
  PRIMARY KEY (chain_id, contract, origin_hash, size)
);
CREATE UNIQUE INDEX IF NOT EXISTS anchor_one_pending ON anchor (chain_id, contract, origin_hash) WHERE state = 'pending';
`;

/** The state of an anchor row. */
export type AnchorState = 'pending' | 'final' | 'superseded';

/** A stored anchor. */
export interface AnchorRow {
  /** Checkpoint size. */
  size: number;
  /** Where it stands. */
  state: AnchorState;
  /** The checkpoint's root, 0x-hex. */
  rootHash: `0x${string}`;
  /** The suite hash of the checkpoint body, 0x-hex. */
  checkpointHash: `0x${string}`;
  /** The anchoring transaction (ours, or found on chain); undefined when superseded. */
  txHash: `0x${string}` | undefined;
  /** The nonce we signed it with; undefined when the transaction was found on chain. */
  nonce: number | undefined;
  /** The signed transaction, kept while pending so that it can be sent again unchanged. */
  rawTransaction: `0x${string}` | undefined;
  /** The block that holds the transaction, once mined and final. */
  blockNumber: number | undefined;
  /** When the row was written (UTC ms). */
  createdAtMs: number;
  /** When it became final (UTC ms). */
  finalAtMs: number | undefined;
}

/** A checkpoint as the checkpointer stored it. */
export interface StoredCheckpoint {
  /** Number of leaves. */
  size: number;
  /** RFC 9162 root (32 bytes). */
  rootHash: Uint8Array;
  /** The signed note. */
  note: string;
}

interface AnchorRecord {
  size: number;
  state: AnchorState;
  root_hash: `0x${string}`;
  checkpoint_hash: `0x${string}`;
  tx_hash: `0x${string}` | null;
  nonce: number | null;
  raw_tx: `0x${string}` | null;
  block_number: number | null;
  created_at_ms: number;
  final_at_ms: number | null;
}

function toRow(record: AnchorRecord): AnchorRow {
  return {
    size: record.size,
    state: record.state,
    rootHash: record.root_hash,
    checkpointHash: record.checkpoint_hash,
    txHash: record.tx_hash ?? undefined,
    nonce: record.nonce ?? undefined,
    rawTransaction: record.raw_tx ?? undefined,
    blockNumber: record.block_number ?? undefined,
    createdAtMs: record.created_at_ms,
    finalAtMs: record.final_at_ms ?? undefined,
  };
}

/** The chain, contract and log an anchor store is about. */
export interface AnchorScope {
  /** Chain id. */
  chainId: number;
  /** Contract address (stored lower-case). */
  contractAddress: string;
  /** keccak256 of the log's origin line, 0x-hex. */
  originHash: string;
}

/** A pending anchor to store. */
export interface PendingAnchorInsert {
  /** Checkpoint size. */
  size: number;
  /** The checkpoint's root, 0x-hex. */
  rootHash: `0x${string}`;
  /** The suite hash of the checkpoint body, 0x-hex. */
  checkpointHash: `0x${string}`;
  /** The anchoring transaction. */
  txHash: `0x${string}`;
  /** Our nonce, when we signed it. */
  nonce: number | undefined;
  /** Our signed transaction, when we signed it. */
  rawTransaction: `0x${string}` | undefined;
  /** Now, UTC ms. */
  nowMs: number;
}

/**
 * Open the anchor table in the cloud's SQLite database (created if missing) for one chain,
 * contract and log. Every write is one statement, so each is atomic and durable on its own.
 */
export function openAnchorStore(db: Database.Database, scope: AnchorScope) {
  db.exec(anchorSchema);
  const key = [scope.chainId, scope.contractAddress.toLowerCase(), scope.originHash.toLowerCase()] as const;
  const s = {
    pending: db.prepare<[number, string, string]>(
      "SELECT * FROM anchor WHERE chain_id = ? AND contract = ? AND origin_hash = ? AND state = 'pending'",
    ),
    lastSettled: db.prepare<[number, string, string]>(
      "SELECT max(size) AS size FROM anchor WHERE chain_id = ? AND contract = ? AND origin_hash = ? AND state != 'pending'",
    ),
    bySize: db.prepare<[number, string, string, number]>(
      'SELECT * FROM anchor WHERE chain_id = ? AND contract = ? AND origin_hash = ? AND size = ?',
    ),
    all: db.prepare<[number, string, string]>(
      'SELECT * FROM anchor WHERE chain_id = ? AND contract = ? AND origin_hash = ? ORDER BY size',
    ),
    insertPending: db.prepare(
      `INSERT INTO anchor (chain_id, contract, origin_hash, size, state, root_hash, checkpoint_hash, tx_hash, nonce, raw_tx, created_at_ms)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
    ),
    insertSuperseded: db.prepare(
      `INSERT INTO anchor (chain_id, contract, origin_hash, size, state, root_hash, checkpoint_hash, created_at_ms, final_at_ms)
       VALUES (?, ?, ?, ?, 'superseded', ?, ?, ?, ?)`,
    ),
    markFinal: db.prepare(
      `UPDATE anchor SET state = 'final', block_number = ?, final_at_ms = ?, raw_tx = NULL
       WHERE chain_id = ? AND contract = ? AND origin_hash = ? AND size = ? AND state = 'pending'`,
    ),
    deletePending: db.prepare(
      "DELETE FROM anchor WHERE chain_id = ? AND contract = ? AND origin_hash = ? AND size = ? AND state = 'pending'",
    ),
    // The checkpoint table belongs to the cloud store; the anchorer only reads it, in size order.
    checkpointsAfter: db.prepare<[number, number]>(
      'SELECT size, root, note FROM checkpoint WHERE size > ? ORDER BY size LIMIT ?',
    ),
  };

  return {
    /** The pending anchor of this log, if any (there is at most one). */
    pending(): AnchorRow | undefined {
      const record = s.pending.get(...key) as AnchorRecord | undefined;
      return record ? toRow(record) : undefined;
    },
    /** The largest size that is final or superseded; 0 when none is. */
    lastSettledSize(): number {
      return (s.lastSettled.get(...key) as { size: number | null }).size ?? 0;
    },
    /** The anchor of one size, if stored. */
    anchorAt(size: number): AnchorRow | undefined {
      const record = s.bySize.get(...key, size) as AnchorRecord | undefined;
      return record ? toRow(record) : undefined;
    },
    /** Every anchor of this log, by size. */
    anchors(): AnchorRow[] {
      return (s.all.all(...key) as AnchorRecord[]).map(toRow);
    },
    /** Store a pending anchor. Throws if another one is pending (a programmer error). */
    insertPending(insert: PendingAnchorInsert): void {
      s.insertPending.run(
        ...key,
        insert.size,
        insert.rootHash,
        insert.checkpointHash,
        insert.txHash,
        insert.nonce ?? null,
        insert.rawTransaction ?? null,
        insert.nowMs,
      );
    },
    /** Record that the chain holds a larger size, so this one can never be anchored. */
    insertSuperseded(size: number, rootHash: `0x${string}`, checkpointHash: `0x${string}`, nowMs: number): void {
      s.insertSuperseded.run(...key, size, rootHash, checkpointHash, nowMs, nowMs);
    },
    /** Mark the pending anchor of `size` final, in block `blockNumber`. */
    markFinal(size: number, blockNumber: number, nowMs: number): void {
      const changes = s.markFinal.run(blockNumber, nowMs, ...key, size).changes;
      if (changes !== 1) throw new Error(`invariant violated: no pending anchor of size ${size} to make final`);
    },
    /** Forget the pending anchor of `size` (its transaction reverted or can never be mined). */
    deletePending(size: number): void {
      s.deletePending.run(...key, size);
    },
    /** Stored checkpoints larger than `size`, smallest first, at most `limit`. */
    checkpointsAfter(size: number, limit: number): StoredCheckpoint[] {
      const rows = s.checkpointsAfter.all(size, limit) as { size: number; root: Buffer; note: string }[];
      return rows.map((row) => ({ size: row.size, rootHash: new Uint8Array(row.root), note: row.note }));
    },
  };
}

/** The anchor store of one chain, contract and log. */
export type AnchorStore = ReturnType<typeof openAnchorStore>;
