/**
 * What an audit can find. Each kind names what the stored rows show, not who did it:
 * - `frame_edited`: a frame row whose body, id, columns or device signature no longer match the
 *   leaf hash the batch root covers;
 * - `frame_deleted`: a leaf of a batch with no frame row and no matching quarantine record;
 * - `frame_inserted`: a frame row that no batch root covers;
 * - `batch_edited`: a batch row that differs from its log entry, does not hash to its own columns,
 *   or whose frames' leaf hashes do not give the signed root;
 * - `batch_deleted`: a log position with no batch row (a gap in log_index, or a checkpoint
 *   larger than the stored log);
 * - `batch_chain_broken`: an edge's batches do not follow one another (seq or previous hash);
 * - `batch_inserted`: a leaf past every signed checkpoint (on a live log, also the leaves appended
 *   since the last checkpoint), or a batch row outside the log's range;
 * - `entry_forged`: a batch whose header signature fails against its edge's key, or a log entry
 *   that no batch row and no known kind explains;
 * - `entry_edited`: a log entry that is missing, or differs from what its batch row's valid
 *   signed header derives;
 * - `checkpoint_invalid`: a checkpoint whose note does not verify with the log key or disagrees
 *   with its own row;
 * - `checkpoint_mismatch`: the tree rebuilt from the rows has another root at a checkpoint size;
 * - `stored_hash_mismatch`: a log_hash row that differs from the rebuilt one, is missing, or extra;
 * - `anchor_mismatch`: a row of the anchor table (or, with an RPC node, the chain's record of that
 *   size) whose root is not the rebuilt tree's at its size, or whose checkpoint hash is not the
 *   stored checkpoint's, or that names another log or block;
 * - `anchor_missing_on_chain`: a final anchor that the contract on the chain does not hold.
 */
export type AuditFindingKind =
  | 'frame_edited'
  | 'frame_deleted'
  | 'frame_inserted'
  | 'batch_edited'
  | 'batch_deleted'
  | 'batch_chain_broken'
  | 'batch_inserted'
  | 'entry_forged'
  | 'entry_edited'
  | 'checkpoint_invalid'
  | 'checkpoint_mismatch'
  | 'stored_hash_mismatch'
  | 'anchor_mismatch'
  | 'anchor_missing_on_chain';

/** Every finding kind, in the order a summary lists them. */
export const auditFindingKinds: readonly AuditFindingKind[] = [
  'frame_edited',
  'frame_deleted',
  'frame_inserted',
  'batch_edited',
  'batch_deleted',
  'batch_chain_broken',
  'batch_inserted',
  'entry_forged',
  'entry_edited',
  'checkpoint_invalid',
  'checkpoint_mismatch',
  'stored_hash_mismatch',
  'anchor_mismatch',
  'anchor_missing_on_chain',
];

/** One thing the audit found wrong, with where it is. */
export interface AuditFinding {
  /** What was found. */
  kind: AuditFindingKind;
  /** The table of the row concerned. */
  table: 'frame' | 'batch' | 'log_entry' | 'log_hash' | 'checkpoint' | 'anchor';
  /** The row's key in that table (frame id, batch id, leaf index, stored-hash index, checkpoint or anchored size). */
  row: string;
  /** The log leaf index concerned (the batch entry's position in the log), when there is one. */
  logIndex?: number;
  /** The frame's leaf index inside its batch, for frame findings. */
  frameLeafIndex?: number;
  /** What differs, in a sentence. */
  message: string;
}
