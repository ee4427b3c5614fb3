import {
  appendLeaf,
  emptyFrontier,
  frontierRoot,
  hashLeaf,
  merkleRoot,
  type NoteVerifierKey,
  openCheckpoint,
  storedHashIndex,
  type TreeFrontier,
} from '@fieldproof/ledger';
import {
  type BulkVerifier,
  bytesEqual,
  type CryptoSuiteName,
  canonicalize,
  fromBase64,
  GENESIS_BATCH_HASH,
  inlineVerifier,
  type SignedBatchHeader,
  SignedBatchHeaderSchema,
  suiteHash,
  toBase64,
  toHex,
  utf8,
  verify,
} from '@fieldproof/protocol';
import type Database from 'better-sqlite3';
import type { BatchRow } from '../storage/cloud-store.ts';
import { auditAnchors } from './audit-anchors.ts';
import { auditBatchFrames, quarantineLeafKey } from './audit-batch-frames.ts';
import { type AuditFinding, type AuditFindingKind, auditFindingKinds } from './audit-finding.ts';
import { readAnchorRecords } from './read-anchor-records.ts';

export type { AuditFinding, AuditFindingKind } from './audit-finding.ts';
export { auditFindingKinds } from './audit-finding.ts';

/** Default of `findingsMax`: findings kept in the result (all are counted). */
export const auditFindingsMaxDefault = 10_000;

/** Options of auditLog. */
export interface AuditLogParameters {
  /** Hash suite of the log. */
  suite: CryptoSuiteName;
  /** The log's checkpoint key (public part): checkpoints must verify with it. */
  logKey: NoteVerifierKey;
  /** The log's checkpoint origin line. */
  origin: string;
  /** Signature verifier for batch headers and frames; a worker pool speeds up large logs. Inline by default. */
  verifier?: BulkVerifier;
  /** Most findings kept in the result; beyond it they are only counted (and still passed to onFinding). */
  findingsMax?: number;
  /** Called with rows done and rows in all (log leaves plus frame rows), at most about 1,000 times a run. */
  onProgress?(done: number, total: number): void;
  /** Called with each finding as it is made. */
  onFinding?(finding: AuditFinding): void;
  /**
   * JSON-RPC address of a node of the anchors' chain: with it, each final anchor is also read
   * back from the contract (see auditAnchors). Without it the anchors are compared offline only.
   */
  rpcUrl?: string;
  /** Timeout of one JSON-RPC request; 10 s by default. */
  rpcTimeoutMs?: number;
}

/** What auditLog found and how much it checked. */
export interface AuditLogResult {
  /** The findings, in log order, up to findingsMax. */
  findings: AuditFinding[];
  /** Findings made in all. */
  findingsTotal: number;
  /** Findings made, by kind. */
  findingsByKind: Record<AuditFindingKind, number>;
  /** True when findingsTotal exceeds the findings kept. */
  findingsTruncated: boolean;
  /** Log leaves re-derived and appended to the rebuilt tree. */
  leavesChecked: number;
  /** Batch rows checked. */
  batchesChecked: number;
  /** Frame rows checked. */
  framesChecked: number;
  /** Checkpoints verified and compared with the rebuilt tree. */
  checkpointsChecked: number;
  /** Stored hashes compared with the rebuilt ones. */
  storedHashesChecked: number;
  /** Anchor rows compared with the rebuilt tree and the stored checkpoints. */
  anchorsChecked: number;
  /** Final anchors read back from the chain (0 without rpcUrl). */
  anchorsCheckedOnChain: number;
  /** Final anchors of another chain than the node at rpcUrl serves, so not read back. */
  anchorsOfOtherChains: number;
  /** Largest checkpointed size. */
  checkpointSizeMax: number;
  /** Root of the tree rebuilt from the rows. */
  rootHash: Uint8Array;
}

interface LogEntryRow {
  leaf_index: number;
  kind: string;
  data: Buffer;
}

interface LogHashRow {
  idx: number;
  hash: Buffer;
}

interface CheckpointRow {
  size: number;
  root: Buffer;
  note: string;
}

interface EdgeKeyRow {
  edge_id: string;
  alg: string;
  public_key: Buffer;
}

/** An iterator whose next row can be looked at before it is taken. */
class Cursor<T> {
  private head: IteratorResult<T> | undefined;
  constructor(private readonly rows: IterableIterator<T>) {}
  peek(): T | undefined {
    this.head ??= this.rows.next();
    return this.head.done ? undefined : this.head.value;
  }
  take(): T | undefined {
    const row = this.peek();
    this.head = undefined;
    return row;
  }
}

const quarantineSourcePattern = / batch (\S+)\/(\d+) leaf (\d+)$/;
const zeroHash = new Uint8Array(32);
/** Batches whose frame signatures may be verifying while the next batch's rows are read. */
const signatureBatchesInFlightMax = 2;

/**
 * Quarantined batch leaves, read once: ingest keeps a frame it refused under the batch root and
 * writes `… batch <edge>/<seq> leaf <i>` as the record's source. A record's payload must hash to
 * the leaf to excuse a missing frame row (unless the payload was cut at the quarantine limit).
 */
function readQuarantinedLeaves(db: Database.Database, suite: CryptoSuiteName): Map<string, string | null> {
  const leaves = new Map<string, string | null>();
  const rows = db
    .prepare("SELECT source, payload, payload_bytes FROM quarantine WHERE source LIKE '% batch %/% leaf %'")
    .iterate() as IterableIterator<{ source: string; payload: Buffer; payload_bytes: number }>;
  for (const row of rows) {
    const match = quarantineSourcePattern.exec(row.source);
    if (!match) continue;
    const key = quarantineLeafKey(match[1] as string, Number(match[2]), Number(match[3]));
    const whole = row.payload.length === row.payload_bytes;
    leaves.set(key, whole ? toHex(hashLeaf(suite, new Uint8Array(row.payload))) : null);
  }
  return leaves;
}

/**
 * The largest checkpoint size that a note signed by the log key vouches for (0 if none): stored
 * checkpoint rows are read from the largest down until one verifies, so a forged row cannot
 * stretch the log the audit walks.
 */
function signedCheckpointSizeMax(db: Database.Database, logKey: NoteVerifierKey): number {
  const rows = db.prepare('SELECT size, note FROM checkpoint ORDER BY size DESC').iterate() as IterableIterator<{
    size: number;
    note: string;
  }>;
  for (const row of rows) {
    try {
      if (openCheckpoint(row.note, logKey).size === row.size) return row.size;
    } catch {
      // A note that does not verify is reported when the walk reaches it.
    }
  }
  return 0;
}

function parseSignedHeader(text: string): SignedBatchHeader | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = SignedBatchHeaderSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The signed header a `batch` log entry holds, if it parses. */
function loggedBatchHeader(data: Buffer): SignedBatchHeader | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = SignedBatchHeaderSchema.safeParse((json as { batch?: unknown } | null)?.batch);
  return parsed.success ? parsed.data : undefined;
}

function splitLeafHashes(blob: Buffer): string[] | undefined {
  if (blob.length % 32 !== 0) return undefined;
  const hashes: string[] = [];
  for (let offset = 0; offset < blob.length; offset += 32) hashes.push(toHex(blob.subarray(offset, offset + 32)));
  return hashes;
}

/**
 * Audit a cloud store: re-derive every log leaf from the stored rows without trusting any stored
 * hash, rebuild the tree, and compare it with every signed checkpoint, every stored hash and
 * every recorded anchor (the `anchor` table; with `rpcUrl` also the chain: see auditAnchors).
 * For each batch row, in log order: the header's edge signature (against the edge table's key),
 * its own columns and hash, its edge chain, its log entry, and its frames (see auditBatchFrames);
 * a gap in the log is a deleted batch, a leaf past every checkpoint an inserted one. Rows are read
 * with iterators, so memory stays bounded by one batch's frames, not by the log.
 * Preconditions: `db` is a cloud database of this schema, opened (read-only is enough) by the
 * caller, who closes it; nothing writes to it during the audit. On a live log the leaves since the
 * last checkpoint are reported as `batch_inserted`: audit a stopped cloud, or expect them.
 * Findings come in log order, except that a batch's device-signature findings may follow the
 * findings of the next two batches (their verification overlaps the reading of those rows).
 * With `rpcUrl`, throws AnchorError (`anchor_rpc_unavailable`, `anchor_rpc_error`,
 * `anchor_chain_mismatch`) when the chain cannot be read; the findings made so far were passed to
 * onFinding.
 */
export async function auditLog(db: Database.Database, parameters: AuditLogParameters): Promise<AuditLogResult> {
  const { suite, logKey, origin } = parameters;
  const verifier = parameters.verifier ?? inlineVerifier;
  const findingsMax = parameters.findingsMax ?? auditFindingsMaxDefault;
  const findings: AuditFinding[] = [];
  const findingsByKind = Object.fromEntries(auditFindingKinds.map((kind) => [kind, 0])) as Record<
    AuditFindingKind,
    number
  >;
  let findingsTotal = 0;
  const report = (finding: AuditFinding): void => {
    findingsTotal++;
    findingsByKind[finding.kind]++;
    if (findings.length < findingsMax) findings.push(finding);
    parameters.onFinding?.(finding);
  };

  const edges = new Map<string, EdgeKeyRow>();
  for (const row of db.prepare('SELECT edge_id, alg, public_key FROM edge').iterate() as IterableIterator<EdgeKeyRow>) {
    edges.set(row.edge_id, row);
  }
  const quarantinedLeaves = readQuarantinedLeaves(db, suite);
  const framesOfBatch = db.prepare<[number]>('SELECT * FROM frame WHERE batch_id = ? ORDER BY leaf_index, id');
  const deviceKey = db.prepare<[string]>(
    `SELECT device.device_id, device.alg, device.public_key, device.edge_id, device.attestation,
            edge.alg AS edge_alg, edge.public_key AS edge_public_key
       FROM device JOIN edge ON edge.edge_id = device.edge_id WHERE device_id = ?`,
  );
  // Rotated device keys (migration 0009); a store from before it has none.
  const hasDeviceKeys = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'device_key'").get();
  const deviceRotatedKeys = hasDeviceKeys
    ? db.prepare<[string]>('SELECT alg, public_key, valid_from_ms FROM device_key WHERE device_id = ?')
    : undefined;
  const storedHashAt = db.prepare<[number]>('SELECT hash FROM log_hash WHERE idx = ?');
  const totals = db
    .prepare(
      `SELECT (SELECT count(*) FROM frame) AS frames, (SELECT count(*) FROM batch) AS batches,
              (SELECT count(*) FROM log_entry) AS entries,
              (SELECT coalesce(max(log_index) + 1, 0) FROM batch) AS batchEnd,
              (SELECT coalesce(max(leaf_index) + 1, 0) FROM log_entry) AS entryEnd`,
    )
    .get() as {
    frames: number;
    batches: number;
    entries: number;
    batchEnd: number;
    entryEnd: number;
  };
  const checkpointSizeMax = signedCheckpointSizeMax(db, logKey);
  const anchors = readAnchorRecords(db);
  const anchoredSizes = new Set(anchors.map((anchor) => anchor.size));
  const rebuiltRoots = new Map<number, Uint8Array>();
  // A forged row with a huge index must not make the audit walk an empty range for ever: no
  // honest log holds more positions than its signed checkpoints and its rows account for.
  const indexLimit = checkpointSizeMax + totals.entries + totals.batches;
  const end = Math.min(indexLimit, Math.max(checkpointSizeMax, totals.batchEnd, totals.entryEnd));
  const total = end + totals.frames;
  let done = 0;
  let progressReportedAt = -1;
  const progressStep = Math.max(1, Math.floor(total / 1000));
  const progress = (force = false): void => {
    if (!parameters.onProgress) return;
    if (force || done - progressReportedAt >= progressStep) {
      progressReportedAt = done;
      parameters.onProgress(Math.min(done, total), total);
    }
  };
  progress(true);

  const batches = new Cursor(
    db.prepare('SELECT * FROM batch ORDER BY log_index').iterate() as IterableIterator<BatchRow>,
  );
  const entries = new Cursor(
    db
      .prepare('SELECT leaf_index, kind, data FROM log_entry ORDER BY leaf_index')
      .iterate() as IterableIterator<LogEntryRow>,
  );
  const storedHashes = new Cursor(
    db.prepare('SELECT idx, hash FROM log_hash ORDER BY idx').iterate() as IterableIterator<LogHashRow>,
  );
  const checkpoints = new Cursor(
    db.prepare('SELECT size, root, note FROM checkpoint ORDER BY size').iterate() as IterableIterator<CheckpointRow>,
  );

  let frontier: TreeFrontier = emptyFrontier();
  let storedFrontier: TreeFrontier = emptyFrontier();
  let firstDifferingLeaf: number | undefined;
  let batchesChecked = 0;
  let framesChecked = 0;
  let checkpointsChecked = 0;
  let storedHashesChecked = 0;
  let checkpointDiverged = false;
  let laterMismatches = 0;
  const pendingSignatures: Promise<AuditFinding[]>[] = [];
  const chainHeads = new Map<string, { batchSeq: number; batchHash: string; logIndex: number }>();

  const checkCheckpoint = (row: CheckpointRow, rebuiltRoot: Uint8Array | undefined): boolean => {
    checkpointsChecked++;
    const where = { table: 'checkpoint' as const, row: String(row.size) };
    let opened: ReturnType<typeof openCheckpoint>;
    try {
      opened = openCheckpoint(row.note, logKey);
    } catch (error) {
      report({
        kind: 'checkpoint_invalid',
        ...where,
        message: `checkpoint ${row.size} does not verify with the log key: ${(error as Error).message}`,
      });
      return false;
    }
    const problems: string[] = [];
    if (opened.origin !== origin) problems.push(`its origin is ${opened.origin}, not ${origin}`);
    if (opened.suite !== suite) problems.push(`its suite is ${opened.suite}, not ${suite}`);
    if (opened.size !== row.size) problems.push(`its note says size ${opened.size}`);
    if (!bytesEqual(opened.rootHash, new Uint8Array(row.root))) problems.push('its root column differs from its note');
    if (problems.length > 0) {
      report({ kind: 'checkpoint_invalid', ...where, message: `checkpoint ${row.size}: ${problems.join('; ')}` });
    }
    if (rebuiltRoot === undefined) return problems.length === 0;
    if (bytesEqual(opened.rootHash, rebuiltRoot)) {
      checkpointDiverged = false;
      return problems.length === 0;
    }
    // Once the rebuilt tree leaves a checkpoint, every later root differs too: report the first.
    if (checkpointDiverged) {
      laterMismatches++;
      return problems.length === 0;
    }
    checkpointDiverged = true;
    report({
      kind: 'checkpoint_mismatch',
      ...where,
      ...(firstDifferingLeaf !== undefined && firstDifferingLeaf < opened.size ? { logIndex: firstDifferingLeaf } : {}),
      message: `the tree rebuilt from the rows has root ${toBase64(rebuiltRoot)} at size ${opened.size}; the signed checkpoint says ${toBase64(opened.rootHash)}${firstDifferingLeaf !== undefined && firstDifferingLeaf < opened.size ? ` (log leaf ${firstDifferingLeaf} is the first whose re-derived hash differs from the stored one)` : ''}`,
    });
    return problems.length === 0;
  };

  // The stored hashes are checked in two parts: each stored leaf hash against the leaf re-derived
  // from the rows, and each stored interior hash against its stored children (a second tree over
  // the stored leaf hashes). So one changed leaf is one finding, not one for every hash above it.
  const appendRebuiltLeaf = (leafIndex: number, leafHash: Uint8Array): void => {
    const appended = appendLeaf(suite, frontier, leafHash);
    frontier = appended.frontier;
    const leafStoredIndex = (appended.stored[0] as { index: number }).index;
    for (let row = storedHashes.peek(); row !== undefined && row.idx < leafStoredIndex; row = storedHashes.peek()) {
      storedHashes.take();
      report({
        kind: 'stored_hash_mismatch',
        table: 'log_hash',
        row: String(row.idx),
        logIndex: leafIndex,
        message: `stored hash ${row.idx} is not a hash of the log's tree`,
      });
    }
    const storedLeafRow = storedHashes.peek();
    const storedLeaf =
      storedLeafRow?.idx === leafStoredIndex && storedLeafRow.hash.length === 32
        ? new Uint8Array(storedLeafRow.hash)
        : leafHash;
    if (!bytesEqual(storedLeaf, leafHash)) firstDifferingLeaf ??= leafIndex;
    const storedAppended = appendLeaf(suite, storedFrontier, storedLeaf);
    storedFrontier = storedAppended.frontier;
    appended.stored.forEach((rebuilt, level) => {
      const expected = level === 0 ? leafHash : (storedAppended.stored[level] as { hash: Uint8Array }).hash;
      const row = storedHashes.peek();
      storedHashesChecked++;
      if (row === undefined || row.idx !== rebuilt.index) {
        report({
          kind: 'stored_hash_mismatch',
          table: 'log_hash',
          row: String(rebuilt.index),
          logIndex: leafIndex,
          message: `stored hash ${rebuilt.index} (written with leaf ${leafIndex}) is missing`,
        });
        return;
      }
      storedHashes.take();
      if (!bytesEqual(new Uint8Array(row.hash), expected)) {
        report({
          kind: 'stored_hash_mismatch',
          table: 'log_hash',
          row: String(rebuilt.index),
          logIndex: leafIndex,
          message:
            level === 0
              ? `stored leaf hash ${rebuilt.index} differs from log leaf ${leafIndex} as re-derived from the rows`
              : `stored hash ${rebuilt.index} (level ${level}, written with leaf ${leafIndex}) is not the hash of its stored children`,
        });
      }
    });
    if (anchoredSizes.has(frontier.size)) rebuiltRoots.set(frontier.size, frontierRoot(suite, frontier));
    for (let row = checkpoints.peek(); row !== undefined && row.size <= frontier.size; row = checkpoints.peek()) {
      checkpoints.take();
      checkCheckpoint(row, row.size === frontier.size ? frontierRoot(suite, frontier) : undefined);
    }
  };

  /** Check one batch row at log position `logIndex`; returns the leaf hash it derives, if it can. */
  const auditBatch = async (batch: BatchRow, entry: LogEntryRow | undefined, logIndex: number) => {
    batchesChecked++;
    const where = { table: 'batch' as const, row: String(batch.id), logIndex };
    const signed = parseSignedHeader(batch.header);
    const problems: string[] = [];
    let leafHash: Uint8Array | undefined;
    let entryData: Uint8Array | undefined;
    let signatureOk = false;
    if (!signed) {
      problems.push('its header is not a signed batch header');
    } else {
      const header = signed.header;
      if (canonicalize(signed) !== batch.header) problems.push('its header is not in canonical form');
      if (toHex(suiteHash(suite, utf8(batch.header))) !== batch.batch_hash) {
        problems.push('its batch_hash column is not the hash of its header');
      }
      if (header.edgeId !== batch.edge_id || header.batchSeq !== batch.batch_seq) {
        problems.push('its edge_id or batch_seq column differs from its signed header');
      }
      if (header.count !== batch.frame_count) problems.push('its frame_count column differs from header.count');
      entryData = utf8(canonicalize({ kind: 'batch', batch: signed }));
      leafHash = hashLeaf(suite, entryData);
      const edge = edges.get(header.edgeId);
      // One header per batch: verified inline, so it never waits behind the frames on the pool.
      signatureOk =
        edge !== undefined &&
        edge.alg === signed.alg &&
        verify(
          signed.alg,
          new Uint8Array(edge.public_key),
          utf8(canonicalize(header)),
          fromBase64(signed.sig) ?? new Uint8Array(0),
        );
      // The edge chain: each batch names the previous one of its edge by hash.
      const head = chainHeads.get(header.edgeId);
      const expectedSeq = head ? head.batchSeq + 1 : 0;
      const expectedPrevious = head ? head.batchHash : GENESIS_BATCH_HASH;
      const after = head ? `batch ${head.batchSeq} at log leaf ${head.logIndex}` : 'the start of its chain';
      if (header.batchSeq !== expectedSeq) {
        report({
          kind: 'batch_chain_broken',
          ...where,
          message: `edge ${header.edgeId} batch ${header.batchSeq} follows ${after}: batch ${expectedSeq} was expected`,
        });
      } else if (header.previousBatchHash !== expectedPrevious) {
        report({
          kind: 'batch_chain_broken',
          ...where,
          message: `edge ${header.edgeId} batch ${header.batchSeq} names previous batch ${header.previousBatchHash.slice(0, 16)}…, but ${after} as stored hashes to ${expectedPrevious.slice(0, 16)}…`,
        });
      }
      chainHeads.set(header.edgeId, {
        batchSeq: header.batchSeq,
        batchHash: toHex(suiteHash(suite, utf8(canonicalize(signed)))),
        logIndex,
      });
    }

    const entryMatches =
      entry !== undefined && entryData !== undefined && bytesEqual(new Uint8Array(entry.data), entryData);
    if (!entryMatches) {
      if (entry === undefined) {
        report({
          kind: 'entry_edited',
          table: 'log_entry',
          row: String(logIndex),
          logIndex,
          message: `the log entry of batch ${batch.id} is missing`,
        });
      } else if (signatureOk) {
        report({
          kind: 'entry_edited',
          table: 'log_entry',
          row: String(logIndex),
          logIndex,
          message: `the log entry differs from what batch ${batch.id}'s signed header derives`,
        });
      } else {
        problems.push('it differs from its log entry');
      }
    }
    if (signed && !signatureOk) {
      const edge = edges.get(signed.header.edgeId);
      const why = edge
        ? `the header signature does not verify with edge ${edge.edge_id}'s key`
        : `edge ${signed.header.edgeId} is not registered`;
      if (!entryMatches || logIndex < checkpointSizeMax) {
        // A signed checkpoint covers this position, or the log entry still holds another header:
        // the row was changed after it was logged.
        problems.push(why);
      } else {
        report({ kind: 'entry_forged', ...where, message: `${why}: it was not signed by its edge` });
      }
    }

    const leafHashesHex = splitLeafHashes(batch.leaf_hashes);
    if (!leafHashesHex || (signed && leafHashesHex.length !== signed.header.count)) {
      problems.push('its leaf_hashes column does not hold header.count hashes');
    } else if (signed) {
      const root = merkleRoot(
        suite,
        leafHashesHex.map((hex) => new Uint8Array(Buffer.from(hex, 'hex'))),
      );
      const signedRoot = fromBase64(signed.header.root);
      if (!signedRoot || !bytesEqual(root, signedRoot)) problems.push('its leaf_hashes do not hash to the signed root');
    }
    if (problems.length > 0) {
      report({ kind: 'batch_edited', ...where, message: problems.join('; ') });
    }

    const frames = auditBatchFrames({
      suite,
      batchId: batch.id,
      logIndex,
      edgeId: signed?.header.edgeId ?? batch.edge_id,
      batchSeq: signed?.header.batchSeq ?? batch.batch_seq,
      leafHashesHex: leafHashesHex ?? [],
      quarantinedLeaves,
      verifier,
      framesOfBatch,
      deviceKey,
      deviceRotatedKeys,
    });
    for (const finding of frames.findings) report(finding);
    pendingSignatures.push(frames.signatureFindings);
    // Keep a few batches' signatures in flight, so reading rows and verifying overlap.
    while (pendingSignatures.length > signatureBatchesInFlightMax) {
      for (const finding of await (pendingSignatures.shift() as Promise<AuditFinding[]>)) report(finding);
    }
    framesChecked += frames.framesChecked;
    done += frames.framesChecked;
    return leafHash;
  };

  const fallbackLeaf = (leafIndex: number): Uint8Array => {
    // The leaf cannot be derived: take the stored level-0 hash so later leaves can still be
    // checked against the checkpoints (the gap itself is already a finding).
    const row = storedHashAt.get(storedHashIndex(0, leafIndex)) as { hash: Buffer } | undefined;
    return row && row.hash.length === 32 ? new Uint8Array(row.hash) : zeroHash;
  };

  for (let leafIndex = 0; leafIndex < end; leafIndex++) {
    for (let row = batches.peek(); row !== undefined && row.log_index < leafIndex; row = batches.peek()) {
      batches.take();
      report({
        kind: 'batch_inserted',
        table: 'batch',
        row: String(row.id),
        logIndex: row.log_index,
        message: `batch ${row.id} has log_index ${row.log_index}, outside the log`,
      });
    }
    const batch = batches.peek()?.log_index === leafIndex ? batches.take() : undefined;
    const entry = entries.peek()?.leaf_index === leafIndex ? entries.take() : undefined;
    let leafHash: Uint8Array | undefined;
    if (batch) {
      leafHash = await auditBatch(batch, entry, leafIndex);
      leafHash ??= entry ? hashLeaf(suite, new Uint8Array(entry.data)) : fallbackLeaf(leafIndex);
    } else if (entry) {
      leafHash = hashLeaf(suite, new Uint8Array(entry.data));
      if (entry.kind === 'batch') {
        const logged = loggedBatchHeader(entry.data);
        report({
          kind: 'batch_deleted',
          table: 'batch',
          row: logged ? `${logged.header.edgeId}/${logged.header.batchSeq}` : `log_index ${leafIndex}`,
          logIndex: leafIndex,
          message: `log leaf ${leafIndex} holds batch ${logged ? `${logged.header.edgeId}/${logged.header.batchSeq}` : '?'}, which has no batch row`,
        });
      }
    } else {
      leafHash = fallbackLeaf(leafIndex);
      report({
        kind: 'batch_deleted',
        table: 'batch',
        row: `log_index ${leafIndex}`,
        logIndex: leafIndex,
        message:
          leafIndex < checkpointSizeMax
            ? `log leaf ${leafIndex} is covered by a signed checkpoint but has neither a batch row nor a log entry`
            : `log leaf ${leafIndex} has neither a batch row nor a log entry (a gap in log_index)`,
      });
    }
    if (leafIndex >= checkpointSizeMax && (batch || entry)) {
      report({
        kind: 'batch_inserted',
        table: batch ? 'batch' : 'log_entry',
        row: batch ? String(batch.id) : String(leafIndex),
        logIndex: leafIndex,
        message: `log leaf ${leafIndex} is past every signed checkpoint (the largest has size ${checkpointSizeMax})`,
      });
    }
    appendRebuiltLeaf(leafIndex, leafHash);
    done++;
    progress();
  }

  for (const pending of pendingSignatures.splice(0)) for (const finding of await pending) report(finding);

  // Whatever the walk did not reach lies outside the log.
  for (let row = batches.take(); row !== undefined; row = batches.take()) {
    report({
      kind: 'batch_inserted',
      table: 'batch',
      row: String(row.id),
      logIndex: row.log_index,
      message: `batch ${row.id} has log_index ${row.log_index}, outside the log`,
    });
  }
  for (let row = entries.take(); row !== undefined; row = entries.take()) {
    report({
      kind: 'entry_forged',
      table: 'log_entry',
      row: String(row.leaf_index),
      logIndex: row.leaf_index,
      message: `log entry ${row.leaf_index} lies outside the log`,
    });
  }
  for (let row = storedHashes.take(); row !== undefined; row = storedHashes.take()) {
    report({
      kind: 'stored_hash_mismatch',
      table: 'log_hash',
      row: String(row.idx),
      message: `stored hash ${row.idx} lies beyond the rebuilt tree of ${frontier.size} leaves`,
    });
  }
  for (let row = checkpoints.take(); row !== undefined; row = checkpoints.take()) {
    if (!checkCheckpoint(row, undefined)) continue;
    report({
      kind: 'checkpoint_mismatch',
      table: 'checkpoint',
      row: String(row.size),
      message: `checkpoint ${row.size} is larger than the rebuilt tree of ${frontier.size} leaves`,
    });
  }
  if (laterMismatches > 0) {
    report({
      kind: 'checkpoint_mismatch',
      table: 'checkpoint',
      row: 'later',
      message: `${laterMismatches} later checkpoint(s) differ from the rebuilt tree as well`,
    });
  }

  // Every recorded anchor against the rebuilt tree and, with an RPC node, against the chain.
  const anchorsAudit = await auditAnchors(db, {
    suite,
    origin,
    anchors,
    rebuiltRoots,
    rebuiltSize: frontier.size,
    report,
    rpcUrl: parameters.rpcUrl,
    rpcTimeoutMs: parameters.rpcTimeoutMs,
  });

  // Frame rows whose batch row does not exist are under no batch root.
  const orphans = db
    .prepare(
      'SELECT id, batch_id, leaf_index FROM frame f WHERE NOT EXISTS (SELECT 1 FROM batch b WHERE b.id = f.batch_id)',
    )
    .iterate() as IterableIterator<{ id: string; batch_id: number; leaf_index: number }>;
  for (const row of orphans) {
    framesChecked++;
    done++;
    report({
      kind: 'frame_inserted',
      table: 'frame',
      row: row.id,
      frameLeafIndex: row.leaf_index,
      message: `frame ${row.id.slice(0, 16)}… names batch ${row.batch_id}, which does not exist`,
    });
    progress();
  }
  progress(true);

  return {
    findings,
    findingsTotal,
    findingsByKind,
    findingsTruncated: findingsTotal > findings.length,
    leavesChecked: frontier.size,
    batchesChecked,
    framesChecked,
    checkpointsChecked,
    storedHashesChecked,
    ...anchorsAudit,
    checkpointSizeMax,
    rootHash: frontierRoot(suite, frontier),
  };
}
