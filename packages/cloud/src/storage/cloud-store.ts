import type { ErrorCode } from '@fieldproof/protocol';

/** An edge as registered. */
export interface EdgeRow {
  edge_id: string;
  alg: string;
  public_key: Buffer;
  created_at_ms: number;
  last_batch_seq: number | null;
  last_batch_hash: string | null;
}

/** How a device's frames are signed: by its own key, or by its edge on its behalf (keyless Modbus, OPC UA). */
export type DeviceAttestation = 'device-signed' | 'edge-attested';

/** A device as registered. */
export interface DeviceRow {
  device_id: string;
  alg: string;
  public_key: Buffer;
  edge_id: string;
  created_at_ms: number;
  last_seq: number | null;
  /** `device-signed`, or `edge-attested` for a keyless device its edge signs for. */
  attestation: DeviceAttestation;
}

/** A stored batch. */
export interface BatchRow {
  id: number;
  edge_id: string;
  batch_seq: number;
  batch_hash: string;
  header: string;
  frame_count: number;
  leaf_hashes: Buffer;
  received_at_ms: number;
  log_index: number;
}

/** A stored frame. */
export interface FrameRow {
  id: string;
  device_id: string;
  seq: number;
  device_time_ms: number;
  received_at_ms: number;
  batch_id: number;
  leaf_index: number;
  body: string;
}

/** A frame to store with its batch. */
export interface FrameInsert {
  id: string;
  deviceId: string;
  seq: number;
  deviceTimeMs: number;
  leafIndex: number;
  body: string;
}

/** A batch to store. */
export interface BatchInsert {
  edgeId: string;
  batchSeq: number;
  batchHash: string;
  header: string;
  logIndex: number;
  /** Every leaf hash under the batch root (quarantined frames too). */
  leafHashes: readonly Uint8Array[];
}

/** A log entry to store. */
export interface LogEntryInsert {
  leafIndex: number;
  kind: string;
  data: Uint8Array;
  createdAtMs: number;
}

/** A rejected input to keep. */
export interface QuarantineInsert {
  receivedAtMs: number;
  source: string;
  code: ErrorCode;
  message: string;
  edgeId: string | null;
  payload: Uint8Array;
  payloadBytes: number;
}

/** A kept rejected input. */
export interface QuarantineRow {
  id: number;
  received_at_ms: number;
  source: string;
  code: string;
  message: string;
  edge_id: string | null;
  payload: Buffer;
  payload_bytes: number;
}

/** A stored signed checkpoint. */
export interface CheckpointRow {
  size: number;
  root: Buffer;
  note: string;
  created_at_ms: number;
}

/** A recorded decision. */
export interface DecisionRow {
  decision_id: string;
  type: string;
  organisation_id: string;
  subject_id: string;
  decided_at_ms: number;
  log_index: number;
  body: string;
  created_at_ms: number;
}

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

/** A checkpoint as the checkpointer stored it, as the anchorer reads it. */
export interface StoredCheckpoint {
  /** Number of leaves. */
  size: number;
  /** RFC 9162 root (32 bytes). */
  rootHash: Uint8Array;
  /** The signed note. */
  note: string;
}

/** Most sizes looked at when searching for the latest final checkpoint. */
export const finalCandidatesMax = 64;

/** The anchor rows of one chain, contract and log. Every write is one statement. */
export interface AnchorQueries {
  /** The pending anchor of this log, if any (there is at most one). */
  pending(): Promise<AnchorRow | undefined>;
  /** The largest size that is final or superseded; 0 when none is. */
  lastSettledSize(): Promise<number>;
  /** The anchor of one size, if stored. */
  anchorAt(size: number): Promise<AnchorRow | undefined>;
  /** Every anchor of this log, by size. */
  anchors(): Promise<AnchorRow[]>;
  /** Store a pending anchor. Rejects if another one is pending (a programmer error). */
  insertPending(insert: PendingAnchorInsert): Promise<void>;
  /** Record that the chain holds a larger size, so this one can never be anchored. */
  insertSuperseded(size: number, rootHash: `0x${string}`, checkpointHash: `0x${string}`, nowMs: number): Promise<void>;
  /** Mark the pending anchor of `size` final, in block `blockNumber`. */
  markFinal(size: number, blockNumber: number, nowMs: number): Promise<void>;
  /** Forget the pending anchor of `size` (its transaction reverted or can never be mined). */
  deletePending(size: number): Promise<void>;
  /** Stored checkpoints larger than `size`, smallest first, at most `limit`. */
  checkpointsAfter(size: number, limit: number): Promise<StoredCheckpoint[]>;
}

/**
 * The queries of the cloud store, the same on SQLite and PostgreSQL, on the store itself or inside
 * a transaction. Integers come back as numbers, blobs as Buffers.
 */
export interface CloudStoreQueries {
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** Register an edge; false if the id exists already (with whatever key it has). */
  insertEdge(edgeId: string, alg: string, publicKey: Uint8Array, nowMs: number): Promise<boolean>;
  edge(edgeId: string): Promise<EdgeRow | undefined>;
  edges(): Promise<EdgeRow[]>;
  setEdgeHead(edgeId: string, batchSeq: number, batchHash: string): Promise<void>;
  /** Register a device; false if the id exists already. */
  /** Register a device; returns false if the id exists already. A keyless (`edge-attested`) device stores its edge's algorithm and an empty key. */
  insertDevice(
    deviceId: string,
    alg: string,
    publicKey: Uint8Array,
    edgeId: string,
    nowMs: number,
    attestation?: DeviceAttestation,
  ): Promise<boolean>;
  device(deviceId: string): Promise<DeviceRow | undefined>;
  /** The devices of `deviceIds` that are registered, by id (one round trip). */
  devicesById(deviceIds: readonly string[]): Promise<Map<string, DeviceRow>>;
  devices(): Promise<DeviceRow[]>;
  setDeviceSeq(deviceId: string, seq: number): Promise<void>;
  batchBySeq(edgeId: string, batchSeq: number): Promise<BatchRow | undefined>;
  batchById(id: number): Promise<BatchRow | undefined>;
  /** Insert a batch and its stored frames (multi-row); returns the batch row id. Call inside a transaction. */
  insertBatch(batch: BatchInsert, frames: readonly FrameInsert[], nowMs: number): Promise<number>;
  frame(id: string): Promise<FrameRow | undefined>;
  /** Whether a frame of this device with this seq is stored (the (device, seq) key). */
  frameSeqStored(deviceId: string, seq: number): Promise<boolean>;
  batchFrameCount(batchId: number): Promise<number>;
  recentFrames(
    limit: number,
    deviceId?: string,
  ): Promise<Pick<FrameRow, 'id' | 'device_id' | 'seq' | 'device_time_ms' | 'received_at_ms'>[]>;
  /** Insert log entries (multi-row). Call inside the transaction that appends them. */
  insertLogEntries(entries: readonly LogEntryInsert[]): Promise<void>;
  /** Number of stored log entries (max leaf index + 1: an index lookup, not a scan). */
  logSize(): Promise<number>;
  /** The data of entries `first` … `first + count − 1`. Precondition: all stored, `count` ≤ 256. */
  readLogEntries(first: number, count: number): Promise<Uint8Array[]>;
  /** Insert stored tree hashes (multi-row). */
  insertHashes(stored: readonly { index: number; hash: Uint8Array }[]): Promise<void>;
  /** Stored tree hashes by index, in the order asked. Precondition: all stored. */
  readHashes(indexes: readonly number[]): Promise<Uint8Array[]>;
  /** Store a checkpoint; a second one of the same size is ignored. */
  insertCheckpoint(size: number, root: Uint8Array, note: string, nowMs: number): Promise<void>;
  latestCheckpoint(): Promise<CheckpointRow | undefined>;
  checkpointAt(size: number): Promise<CheckpointRow | undefined>;
  /** Keep a rejected input and count it (in one transaction when called on the store). */
  quarantine(item: QuarantineInsert): Promise<void>;
  quarantineList(afterId: number, limit: number): Promise<QuarantineRow[]>;
  rejectCounts(): Promise<Record<string, number>>;
  totals(): Promise<{ frames: number; batches: number; quarantined: number; devices: number; edges: number }>;
  /** Store a verified cosignature of `size` by `witness` and make `size` the witness's last cosigned size. */
  recordCosignature(size: number, witness: string, line: string, nowMs: number): Promise<void>;
  /** Set the size a witness says it last cosigned (from a 409 answer). */
  setWitnessSize(witness: string, size: number): Promise<void>;
  /** The size `witness` last cosigned for this log; 0 when it has cosigned nothing. */
  witnessSize(witness: string): Promise<number>;
  /** Whether `witness` has a stored cosignature of `size`. */
  hasCosignature(size: number, witness: string): Promise<boolean>;
  /** The stored cosignature lines of `size`, by witness name. */
  cosignaturesAt(size: number): Promise<{ witness: string; line: string }[]>;
  /** Sizes up to `sizeMax` with at least `count` cosignatures, largest first, at most finalCandidatesMax. */
  sizesCosignedBy(count: number, sizeMax?: number): Promise<number[]>;
  /** Record a decision row; call inside the transaction that appends its log entry. */
  insertDecision(row: Omit<DecisionRow, 'created_at_ms'>, nowMs: number): Promise<void>;
  decisionById(decisionId: string): Promise<DecisionRow | undefined>;
  decisionsBySubject(subjectId: string, limit: number): Promise<DecisionRow[]>;
  /** The anchor rows of one chain, contract and log. */
  anchors(scope: AnchorScope): AnchorQueries;
}

/** The queries inside one store transaction. */
export interface CloudStoreTransaction extends CloudStoreQueries {
  /**
   * Make this transaction the single writer of log `logKey` until it ends. PostgreSQL: a
   * transaction-scoped advisory lock, so two sequencers of one log never interleave. SQLite: a
   * no-op, since the store runs one transaction at a time on its one connection.
   */
  lockLog(logKey: string): Promise<void>;
  /**
   * The edge's row, locked until this transaction ends, so that no other transaction changes what
   * depends on the edge's head (an approved key rotation) between this read and the commit.
   * PostgreSQL: `SELECT … FOR UPDATE`. SQLite: a plain read, its transactions being serial.
   */
  lockEdge(edgeId: string): Promise<EdgeRow | undefined>;
}

/** The cloud store: SQLite (embedded) or PostgreSQL (scale-out), one query layer. */
export interface CloudStore extends CloudStoreQueries {
  /** Which backend. */
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Run `work` in one transaction: committed when it resolves, rolled back when it rejects. No
   * other reader sees its rows before the commit.
   */
  transaction<T>(work: (tx: CloudStoreTransaction) => Promise<T>): Promise<T>;
  /** Fold SQLite's write-ahead log into the database file (to measure it); a no-op on PostgreSQL. */
  checkpointWal(): Promise<void>;
  /** Close the connection(s). */
  close(): Promise<void>;
}

/** The cosignature queries of the store (what the cosigner and finality checks use). */
export type CosignatureStore = Pick<
  CloudStoreQueries,
  'recordCosignature' | 'setWitnessSize' | 'witnessSize' | 'hasCosignature' | 'cosignaturesAt' | 'sizesCosignedBy'
>;

/** The decision queries of the store. */
export type DecisionStore = Pick<CloudStoreQueries, 'insertDecision' | 'decisionById' | 'decisionsBySubject'>;

/** The anchor rows of one chain, contract and log. */
export type AnchorStore = AnchorQueries;
