import type Database from 'better-sqlite3';
import type { AnchorState } from '../chain/evm/anchor-store.ts';

/** One row of the cloud's `anchor` table, as an audit reads it (no trust placed in it). */
export interface AnchorRecord {
  /** The chain the anchor is on. */
  chainId: number;
  /** The contract address (lower-case 0x-hex). */
  contract: string;
  /** keccak256 of the log's origin line, 0x-hex. */
  originHash: string;
  /** The anchored checkpoint size. */
  size: number;
  /** Pending, final or superseded. */
  state: AnchorState;
  /** The anchored root, 0x-hex. */
  rootHash: string;
  /** The suite hash of the checkpoint body, 0x-hex. */
  checkpointHash: string;
  /** The anchoring transaction, when known. */
  txHash: string | undefined;
  /** The block that holds it, once final. */
  blockNumber: number | undefined;
}

/**
 * Every row of the cloud's `anchor` table, by chain, contract, log and size; none when the
 * table does not exist (a cloud that never anchored). Reads only.
 */
export function readAnchorRecords(db: Database.Database): AnchorRecord[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'anchor'").get();
  if (table === undefined) return [];
  const rows = db
    .prepare(
      `SELECT chain_id, contract, origin_hash, size, state, root_hash, checkpoint_hash, tx_hash, block_number
       FROM anchor ORDER BY chain_id, contract, origin_hash, size`,
    )
    .all() as {
    chain_id: number;
    contract: string;
    origin_hash: string;
    size: number;
    state: AnchorState;
    root_hash: string;
    checkpoint_hash: string;
    tx_hash: string | null;
    block_number: number | null;
  }[];
  return rows.map((row) => ({
    chainId: row.chain_id,
    contract: row.contract,
    originHash: row.origin_hash,
    size: row.size,
    state: row.state,
    rootHash: row.root_hash,
    checkpointHash: row.checkpoint_hash,
    txHash: row.tx_hash ?? undefined,
    blockNumber: row.block_number ?? undefined,
  }));
}
