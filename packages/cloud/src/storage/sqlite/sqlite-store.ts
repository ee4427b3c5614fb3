import { readFileSync } from 'node:fs';
import type { ErrorCode } from '@fieldproof/protocol';
import Database from 'better-sqlite3';

/** An edge as registered. */
export interface EdgeRow {
  edge_id: string;
  alg: string;
  public_key: Buffer;
  created_at_ms: number;
  last_batch_seq: number | null;
  last_batch_hash: string | null;
}

/** A device as registered. */
export interface DeviceRow {
  device_id: string;
  alg: string;
  public_key: Buffer;
  edge_id: string;
  created_at_ms: number;
  last_seq: number | null;
  /** `device-signed`, or `edge-attested` for a keyless device its edge signs for. */
  attestation: 'device-signed' | 'edge-attested';
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

/** Open (and migrate) the cloud's SQLite database. */
export function openSqliteStore(path: string, options: { synchronous?: 'normal' | 'full' } = {}) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.exec(readFileSync(new URL('./cloud-schema.sql', import.meta.url), 'utf8'));
  // Databases made before keyless devices lack device.attestation.
  if (!(db.pragma('table_info(device)') as { name: string }[]).some((column) => column.name === 'attestation')) {
    db.exec("ALTER TABLE device ADD COLUMN attestation TEXT NOT NULL DEFAULT 'device-signed'");
  }

  const s = {
    getMeta: db.prepare<[string]>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    upsertEdge: db.prepare<[string, string, Uint8Array, number]>(
      `INSERT INTO edge (edge_id, alg, public_key, created_at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (edge_id) DO NOTHING`,
    ),
    edge: db.prepare<[string]>('SELECT * FROM edge WHERE edge_id = ?'),
    edges: db.prepare('SELECT * FROM edge ORDER BY edge_id'),
    setEdgeHead: db.prepare<[number, string, string]>(
      'UPDATE edge SET last_batch_seq = ?, last_batch_hash = ? WHERE edge_id = ?',
    ),
    upsertDevice: db.prepare<[string, string, Uint8Array, string, number, string]>(
      `INSERT INTO device (device_id, alg, public_key, edge_id, created_at_ms, attestation) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id) DO NOTHING`,
    ),
    device: db.prepare<[string]>('SELECT * FROM device WHERE device_id = ?'),
    devices: db.prepare('SELECT * FROM device ORDER BY device_id'),
    setDeviceSeq: db.prepare<[number, string]>('UPDATE device SET last_seq = ? WHERE device_id = ?'),
    batchBySeq: db.prepare<[string, number]>('SELECT * FROM batch WHERE edge_id = ? AND batch_seq = ?'),
    batchById: db.prepare<[number]>('SELECT * FROM batch WHERE id = ?'),
    insertBatch: db.prepare<[string, number, string, string, number, Uint8Array, number, number]>(
      `INSERT INTO batch (edge_id, batch_seq, batch_hash, header, frame_count, leaf_hashes, received_at_ms, log_index)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertFrame: db.prepare<[string, string, number, number, number, number, number, string]>(
      `INSERT INTO frame (id, device_id, seq, device_time_ms, received_at_ms, batch_id, leaf_index, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    frame: db.prepare<[string]>('SELECT * FROM frame WHERE id = ?'),
    batchFrameCount: db.prepare<[number]>('SELECT count(*) AS n FROM frame WHERE batch_id = ?'),
    recentFrames: db.prepare<[number]>(
      'SELECT id, device_id, seq, device_time_ms, received_at_ms FROM frame ORDER BY received_at_ms DESC, id LIMIT ?',
    ),
    recentDeviceFrames: db.prepare<[string, number]>(
      'SELECT id, device_id, seq, device_time_ms, received_at_ms FROM frame WHERE device_id = ? ORDER BY seq DESC LIMIT ?',
    ),
    insertLogEntry: db.prepare<[number, string, Uint8Array, number]>(
      'INSERT INTO log_entry (leaf_index, kind, data, created_at_ms) VALUES (?, ?, ?, ?)',
    ),
    logSize: db.prepare('SELECT count(*) AS n FROM log_entry'),
    logEntries: db.prepare<[number, number]>(
      'SELECT leaf_index, data FROM log_entry WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index',
    ),
    insertHash: db.prepare<[number, Uint8Array]>('INSERT INTO log_hash (idx, hash) VALUES (?, ?)'),
    insertCheckpoint: db.prepare<[number, Uint8Array, string, number]>(
      'INSERT OR IGNORE INTO checkpoint (size, root, note, created_at_ms) VALUES (?, ?, ?, ?)',
    ),
    latestCheckpoint: db.prepare('SELECT * FROM checkpoint ORDER BY size DESC LIMIT 1'),
    checkpointAt: db.prepare<[number]>('SELECT * FROM checkpoint WHERE size = ?'),
    insertQuarantine: db.prepare<[number, string, string, string, string | null, Uint8Array, number]>(
      `INSERT INTO quarantine (received_at_ms, source, code, message, edge_id, payload, payload_bytes)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    countReject: db.prepare<[string]>(
      'INSERT INTO reject_count (code, count) VALUES (?, 1) ON CONFLICT (code) DO UPDATE SET count = count + 1',
    ),
    rejectCounts: db.prepare('SELECT code, count FROM reject_count ORDER BY code'),
    quarantineList: db.prepare<[number, number]>('SELECT * FROM quarantine WHERE id > ? ORDER BY id LIMIT ?'),
    totals: db.prepare(
      `SELECT (SELECT count(*) FROM frame) AS frames, (SELECT count(*) FROM batch) AS batches,
              (SELECT count(*) FROM quarantine) AS quarantined, (SELECT count(*) FROM device) AS devices,
              (SELECT count(*) FROM edge) AS edges`,
    ),
  };

  // Reading stored hashes in one statement keeps a proof to one round trip.
  const readHashStatements = new Map<number, Database.Statement>();
  function readHashes(indexes: readonly number[]): Uint8Array[] {
    if (indexes.length === 0) return [];
    let statement = readHashStatements.get(indexes.length);
    if (!statement) {
      statement = db.prepare(`SELECT idx, hash FROM log_hash WHERE idx IN (${indexes.map(() => '?').join(',')})`);
      if (readHashStatements.size < 256) readHashStatements.set(indexes.length, statement);
    }
    const rows = statement.all(...indexes) as { idx: number; hash: Buffer }[];
    const byIndex = new Map(rows.map((row) => [row.idx, new Uint8Array(row.hash)]));
    return indexes.map((index) => {
      const hash = byIndex.get(index);
      if (!hash) throw new Error(`invariant violated: stored hash ${index} is missing`);
      return hash;
    });
  }

  return {
    db,
    /** Run `work` in one transaction (synchronous; better-sqlite3 transactions cannot await). */
    transaction<T>(work: () => T): T {
      return db.transaction(work)();
    },
    getMeta(key: string): string | undefined {
      return (s.getMeta.get(key) as { value: string } | undefined)?.value;
    },
    setMeta(key: string, value: string): void {
      s.setMeta.run(key, value);
    },
    /** Register an edge; returns false if the id exists already (with whatever key it has). */
    insertEdge(edgeId: string, alg: string, publicKey: Uint8Array, nowMs: number): boolean {
      return s.upsertEdge.run(edgeId, alg, publicKey, nowMs).changes === 1;
    },
    edge: (edgeId: string) => s.edge.get(edgeId) as EdgeRow | undefined,
    edges: () => s.edges.all() as EdgeRow[],
    setEdgeHead(edgeId: string, batchSeq: number, batchHash: string): void {
      s.setEdgeHead.run(batchSeq, batchHash, edgeId);
    },
    insertDevice(
      deviceId: string,
      alg: string,
      publicKey: Uint8Array,
      edgeId: string,
      nowMs: number,
      attestation: 'device-signed' | 'edge-attested' = 'device-signed',
    ): boolean {
      return s.upsertDevice.run(deviceId, alg, publicKey, edgeId, nowMs, attestation).changes === 1;
    },
    device: (deviceId: string) => s.device.get(deviceId) as DeviceRow | undefined,
    devices: () => s.devices.all() as DeviceRow[],
    setDeviceSeq(deviceId: string, seq: number): void {
      s.setDeviceSeq.run(seq, deviceId);
    },
    batchBySeq: (edgeId: string, batchSeq: number) => s.batchBySeq.get(edgeId, batchSeq) as BatchRow | undefined,
    batchById: (id: number) => s.batchById.get(id) as BatchRow | undefined,
    /** Insert a batch (with all its leaf hashes) and its stored frames; returns the row id. Call inside a transaction. */
    insertBatch(
      batch: {
        edgeId: string;
        batchSeq: number;
        batchHash: string;
        header: string;
        logIndex: number;
        leafHashes: readonly Uint8Array[];
      },
      frames: FrameInsert[],
      nowMs: number,
    ): number {
      const id = Number(
        s.insertBatch.run(
          batch.edgeId,
          batch.batchSeq,
          batch.batchHash,
          batch.header,
          batch.leafHashes.length,
          Buffer.concat(batch.leafHashes),
          nowMs,
          batch.logIndex,
        ).lastInsertRowid,
      );
      for (const frame of frames) {
        s.insertFrame.run(
          frame.id,
          frame.deviceId,
          frame.seq,
          frame.deviceTimeMs,
          nowMs,
          id,
          frame.leafIndex,
          frame.body,
        );
      }
      return id;
    },
    frame: (id: string) => s.frame.get(id) as FrameRow | undefined,
    batchFrameCount: (batchId: number) => (s.batchFrameCount.get(batchId) as { n: number }).n,
    recentFrames(limit: number, deviceId?: string) {
      const rows = deviceId === undefined ? s.recentFrames.all(limit) : s.recentDeviceFrames.all(deviceId, limit);
      return rows as Pick<FrameRow, 'id' | 'device_id' | 'seq' | 'device_time_ms' | 'received_at_ms'>[];
    },
    insertLogEntry(leafIndex: number, kind: string, data: Uint8Array, nowMs: number): void {
      s.insertLogEntry.run(leafIndex, kind, data, nowMs);
    },
    logSize: () => (s.logSize.get() as { n: number }).n,
    /**
     * The data of log entries `first` … `first + count − 1`, in leaf order (an entry bundle's
     * worth). Precondition: the log holds them and `count` ≤ 256; a gap is an invariant violation.
     */
    readLogEntries(first: number, count: number): Uint8Array[] {
      const rows = s.logEntries.all(first, first + count) as { leaf_index: number; data: Buffer }[];
      if (rows.length !== count || rows.some((row, i) => row.leaf_index !== first + i)) {
        throw new Error(`invariant violated: log entries ${first}…${first + count - 1} are not all stored`);
      }
      return rows.map((row) => new Uint8Array(row.data));
    },
    insertHashes(stored: readonly { index: number; hash: Uint8Array }[]): void {
      for (const item of stored) s.insertHash.run(item.index, item.hash);
    },
    readHashes,
    insertCheckpoint(size: number, root: Uint8Array, note: string, nowMs: number): void {
      s.insertCheckpoint.run(size, root, note, nowMs);
    },
    latestCheckpoint: () =>
      s.latestCheckpoint.get() as { size: number; root: Buffer; note: string; created_at_ms: number } | undefined,
    /** The stored checkpoint of one size, if any. */
    checkpointAt: (size: number) =>
      s.checkpointAt.get(size) as { size: number; root: Buffer; note: string; created_at_ms: number } | undefined,
    /** Keep a rejected input and count it, in one transaction. */
    quarantine: db.transaction((item: QuarantineInsert) => {
      s.insertQuarantine.run(
        item.receivedAtMs,
        item.source,
        item.code,
        item.message,
        item.edgeId,
        item.payload,
        item.payloadBytes,
      );
      s.countReject.run(item.code);
    }),
    quarantineList: (afterId: number, limit: number) =>
      s.quarantineList.all(afterId, limit) as {
        id: number;
        received_at_ms: number;
        source: string;
        code: string;
        message: string;
        edge_id: string | null;
        payload: Buffer;
        payload_bytes: number;
      }[],
    rejectCounts(): Record<string, number> {
      const rows = s.rejectCounts.all() as { code: string; count: number }[];
      return Object.fromEntries(rows.map((row) => [row.code, row.count]));
    },
    totals: () =>
      s.totals.get() as { frames: number; batches: number; quarantined: number; devices: number; edges: number },
    close(): void {
      db.close();
    },
  };
}

/** The cloud store as the operations see it (PostgreSQL provides the same shape in scale-out mode). */
export type CloudStore = ReturnType<typeof openSqliteStore>;
