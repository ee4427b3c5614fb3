import { readFileSync } from 'node:fs';
import type { ErrorCode } from '@fieldproof/protocol';
import Database from 'better-sqlite3';

/** A raw payload waiting in the inbox. */
export interface RawFrameRow {
  id: number;
  received_at_ms: number;
  source: string;
  topic: string | null;
  payload: Buffer;
}

/** A verified frame ready for batching. */
export interface FrameInsert {
  deviceId: string;
  seq: number;
  deviceTimeMs: number;
  receivedAtMs: number;
  /** Canonical JSON of the signed frame (the leaf data). */
  body: string;
}

/** A rejected payload. */
export interface QuarantineInsert {
  receivedAtMs: number;
  source: string;
  topic: string | null;
  code: ErrorCode;
  message: string;
  deviceId: string | null;
  payload: Uint8Array;
  payloadBytes: number;
}

/** A batch in the outbox. */
export interface BatchRow {
  batch_seq: number;
  header: string;
  batch_hash: string;
  frame_count: number;
  created_at_ms: number;
  sent_at_ms: number | null;
  attempts: number;
  last_error: string | null;
}

/** A derived event to keep (see the derive extension). */
export interface DerivedEventInsert {
  eventId: string;
  deviceId: string;
  functionName: string;
  functionVersion: number;
  type: string;
  startTimeMs: number;
  endTimeMs: number;
  /** Canonical JSON of the DerivedEvent. */
  body: string;
}

/** A stored derived event. */
export interface DerivedEventRow {
  id: number;
  event_id: string;
  device_id: string;
  function_name: string;
  function_version: number;
  type: string;
  start_time_ms: number;
  end_time_ms: number;
  body: string;
  derived_at_ms: number;
  sent_at_ms: number | null;
}

/** Open (and migrate) the edge database. */
export function openEdgeStore(path: string, options: { synchronous: 'normal' | 'full' }) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.exec(readFileSync(new URL('./edge-schema.sql', import.meta.url), 'utf8'));

  const statements = {
    insertRaw: db.prepare<[number, string, string | null, Uint8Array]>(
      'INSERT INTO raw_frame (received_at_ms, source, topic, payload) VALUES (?, ?, ?, ?)',
    ),
    readRaw: db.prepare<[number]>(
      'SELECT id, received_at_ms, source, topic, payload FROM raw_frame ORDER BY id LIMIT ?',
    ),
    deleteRawUpTo: db.prepare<[number]>('DELETE FROM raw_frame WHERE id <= ?'),
    countRaw: db.prepare('SELECT count(*) AS n FROM raw_frame'),
    upsertDevice: db.prepare<[string, string, Uint8Array]>(
      `INSERT INTO device (device_id, alg, public_key) VALUES (?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET alg = excluded.alg, public_key = excluded.public_key`,
    ),
    devices: db.prepare('SELECT device_id, alg, public_key, last_seq FROM device'),
    setLastSeq: db.prepare<[number, string]>('UPDATE device SET last_seq = ? WHERE device_id = ?'),
    insertFrame: db.prepare<[string, number, number, number, string]>(
      'INSERT INTO frame (device_id, seq, device_time_ms, received_at_ms, body) VALUES (?, ?, ?, ?, ?)',
    ),
    insertQuarantine: db.prepare<[number, string, string | null, string, string, string | null, Uint8Array, number]>(
      `INSERT INTO quarantine (received_at_ms, source, topic, code, message, device_id, payload, payload_bytes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    frameBody: db.prepare<[string, number]>('SELECT body FROM frame WHERE device_id = ? AND seq = ?'),
    addDuplicates: db.prepare<[string]>(
      `INSERT INTO meta (key, value) VALUES ('duplicates', ?)
       ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER)`,
    ),
    duplicates: db.prepare("SELECT value FROM meta WHERE key = 'duplicates'"),
    countReject: db.prepare<[string]>(
      'INSERT INTO reject_count (code, count) VALUES (?, 1) ON CONFLICT (code) DO UPDATE SET count = count + 1',
    ),
    unbatched: db.prepare<[number]>(
      'SELECT id, device_time_ms, received_at_ms, body FROM frame WHERE batch_seq IS NULL ORDER BY id LIMIT ?',
    ),
    unbatchedCount: db.prepare(
      'SELECT count(*) AS n, min(received_at_ms) AS oldest FROM frame WHERE batch_seq IS NULL',
    ),
    markBatched: db.prepare<[number, number, number]>(
      'UPDATE frame SET batch_seq = ? WHERE batch_seq IS NULL AND id BETWEEN ? AND ?',
    ),
    lastBatch: db.prepare('SELECT batch_seq, batch_hash FROM batch ORDER BY batch_seq DESC LIMIT 1'),
    insertBatch: db.prepare<[number, string, string, number, number]>(
      'INSERT INTO batch (batch_seq, header, batch_hash, frame_count, created_at_ms) VALUES (?, ?, ?, ?, ?)',
    ),
    nextUnsent: db.prepare('SELECT * FROM batch WHERE sent_at_ms IS NULL ORDER BY batch_seq LIMIT 1'),
    batchFrames: db.prepare<[number]>('SELECT body FROM frame WHERE batch_seq = ? ORDER BY id'),
    markSent: db.prepare<[number, number]>('UPDATE batch SET sent_at_ms = ?, last_error = NULL WHERE batch_seq = ?'),
    markFailed: db.prepare<[string, number]>(
      'UPDATE batch SET attempts = attempts + 1, last_error = ? WHERE batch_seq = ?',
    ),
    outboxStats: db.prepare(
      'SELECT count(*) AS batches, coalesce(sum(frame_count), 0) AS frames, min(created_at_ms) AS oldest FROM batch WHERE sent_at_ms IS NULL',
    ),
    totals: db.prepare(
      `SELECT (SELECT count(*) FROM frame) AS frames, (SELECT count(*) FROM batch) AS batches,
              (SELECT count(*) FROM batch WHERE sent_at_ms IS NOT NULL) AS batches_sent,
              (SELECT count(*) FROM quarantine) AS quarantined`,
    ),
    rejectCounts: db.prepare('SELECT code, count FROM reject_count ORDER BY code'),
    attestedSeq: db.prepare<[string, string]>(
      `SELECT max(coalesce((SELECT last_seq FROM attested_seq WHERE device_id = ?), -1),
                  coalesce((SELECT last_seq FROM device WHERE device_id = ?), -1)) AS last_seq`,
    ),
    setAttestedSeq: db.prepare<[string, number]>(
      `INSERT INTO attested_seq (device_id, last_seq) VALUES (?, ?)
       ON CONFLICT (device_id) DO UPDATE SET last_seq = excluded.last_seq`,
    ),
    framesAfter: db.prepare<[number, number]>('SELECT id, device_id, body FROM frame WHERE id > ? ORDER BY id LIMIT ?'),
    deviceFramesUpTo: db.prepare<[string, number, number]>(
      'SELECT id, body FROM frame WHERE device_id = ? AND id <= ? ORDER BY id DESC LIMIT ?',
    ),
    deriveCursor: db.prepare("SELECT value FROM meta WHERE key = 'derive_cursor'"),
    setDeriveCursor: db.prepare<[string]>(
      "INSERT INTO meta (key, value) VALUES ('derive_cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),
    insertDerivedEvent: db.prepare<[string, string, string, number, string, number, number, string, number]>(
      `INSERT INTO derived_event (event_id, device_id, function_name, function_version, type, start_time_ms,
         end_time_ms, body, derived_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    ),
    derivedEvents: db.prepare<[number, number]>('SELECT * FROM derived_event WHERE id > ? ORDER BY id LIMIT ?'),
    unsentEvents: db.prepare<[number]>('SELECT * FROM derived_event WHERE sent_at_ms IS NULL ORDER BY id LIMIT ?'),
    markEventSent: db.prepare<[number, number]>(
      'UPDATE derived_event SET sent_at_ms = ? WHERE id = ? AND sent_at_ms IS NULL',
    ),
    eventCounts: db.prepare(
      'SELECT count(*) AS derived, coalesce(sum(sent_at_ms IS NULL), 0) AS unsent FROM derived_event',
    ),
    quarantineList: db.prepare<[number, number]>(
      'SELECT id, received_at_ms, source, topic, code, message, device_id, payload, payload_bytes FROM quarantine WHERE id > ? ORDER BY id LIMIT ?',
    ),
  };

  return {
    db,
    /** Write a raw payload to the inbox; returns its row id. Durable when this returns. */
    insertRaw(receivedAtMs: number, source: string, topic: string | null, payload: Uint8Array): number {
      return Number(statements.insertRaw.run(receivedAtMs, source, topic, payload).lastInsertRowid);
    },
    readRaw(limit: number): RawFrameRow[] {
      return statements.readRaw.all(limit) as RawFrameRow[];
    },
    rawCount(): number {
      return (statements.countRaw.get() as { n: number }).n;
    },
    upsertDevice(deviceId: string, alg: string, publicKey: Uint8Array): void {
      statements.upsertDevice.run(deviceId, alg, publicKey);
    },
    devices(): { device_id: string; alg: string; public_key: Buffer; last_seq: number | null }[] {
      return statements.devices.all() as {
        device_id: string;
        alg: string;
        public_key: Buffer;
        last_seq: number | null;
      }[];
    },
    /**
     * Commit the outcome of one verified chunk atomically: accepted frames, quarantined rejects,
     * new last seqs, the count of exact duplicates, and removal of the inbox rows up to `lastRawId`.
     */
    commitChunk: db.transaction(
      (
        accepted: FrameInsert[],
        rejected: QuarantineInsert[],
        lastSeqs: Map<string, number>,
        lastRawId: number,
        duplicates = 0,
      ): void => {
        if (duplicates > 0) statements.addDuplicates.run(String(duplicates));
        for (const frame of accepted) {
          statements.insertFrame.run(frame.deviceId, frame.seq, frame.deviceTimeMs, frame.receivedAtMs, frame.body);
        }
        for (const reject of rejected) {
          statements.insertQuarantine.run(
            reject.receivedAtMs,
            reject.source,
            reject.topic,
            reject.code,
            reject.message,
            reject.deviceId,
            reject.payload,
            reject.payloadBytes,
          );
          statements.countReject.run(reject.code);
        }
        for (const [deviceId, seq] of lastSeqs) statements.setLastSeq.run(seq, deviceId);
        statements.deleteRawUpTo.run(lastRawId);
      },
    ),
    /**
     * Give a keyless device's sample the next seq (above every seq it was given or accepted under)
     * and write the frame `build` makes with it to the inbox, in one transaction: a seq is never
     * reused, even after a crash. Returns the seq.
     */
    insertAttested: db.transaction(
      (deviceId: string, receivedAtMs: number, source: string, build: (seq: number) => Uint8Array): number => {
        const seq = (statements.attestedSeq.get(deviceId, deviceId) as { last_seq: number }).last_seq + 1;
        statements.setAttestedSeq.run(deviceId, seq);
        statements.insertRaw.run(receivedAtMs, source, null, build(seq));
        return seq;
      },
    ),
    /** The stored canonical body of a device's frame, if accepted before. */
    frameBody(deviceId: string, seq: number): string | undefined {
      return (statements.frameBody.get(deviceId, seq) as { body: string } | undefined)?.body;
    },
    /** Exact re-deliveries of accepted frames seen so far (QoS 1 duplicates). */
    duplicates(): number {
      return Number((statements.duplicates.get() as { value: string } | undefined)?.value ?? 0);
    },
    unbatched(limit: number): { id: number; device_time_ms: number; received_at_ms: number; body: string }[] {
      return statements.unbatched.all(limit) as {
        id: number;
        device_time_ms: number;
        received_at_ms: number;
        body: string;
      }[];
    },
    unbatchedStats(): { n: number; oldest: number | null } {
      return statements.unbatchedCount.get() as { n: number; oldest: number | null };
    },
    lastBatch(): { batch_seq: number; batch_hash: string } | undefined {
      return statements.lastBatch.get() as { batch_seq: number; batch_hash: string } | undefined;
    },
    /** Store a signed batch and mark its frames, atomically. */
    commitBatch: db.transaction(
      (
        batchSeq: number,
        header: string,
        batchHash: string,
        firstId: number,
        lastId: number,
        count: number,
        nowMs: number,
      ) => {
        statements.insertBatch.run(batchSeq, header, batchHash, count, nowMs);
        const changed = statements.markBatched.run(batchSeq, firstId, lastId).changes;
        if (changed !== count)
          throw new Error(`invariant violated: batch ${batchSeq} marked ${changed} frames, expected ${count}`);
      },
    ),
    nextUnsent(): BatchRow | undefined {
      return statements.nextUnsent.get() as BatchRow | undefined;
    },
    batchFrames(batchSeq: number): string[] {
      return (statements.batchFrames.all(batchSeq) as { body: string }[]).map((row) => row.body);
    },
    markSent(batchSeq: number, nowMs: number): void {
      statements.markSent.run(nowMs, batchSeq);
    },
    markFailed(batchSeq: number, error: string): void {
      statements.markFailed.run(error.slice(0, 1000), batchSeq);
    },
    outboxStats(): { batches: number; frames: number; oldest: number | null } {
      return statements.outboxStats.get() as { batches: number; frames: number; oldest: number | null };
    },
    totals(): { frames: number; batches: number; batches_sent: number; quarantined: number } {
      return statements.totals.get() as { frames: number; batches: number; batches_sent: number; quarantined: number };
    },
    rejectCounts(): Record<string, number> {
      const rows = statements.rejectCounts.all() as { code: string; count: number }[];
      return Object.fromEntries(rows.map((row) => [row.code, row.count]));
    },
    quarantine(afterId: number, limit: number) {
      return statements.quarantineList.all(afterId, limit) as {
        id: number;
        received_at_ms: number;
        source: string;
        topic: string | null;
        code: string;
        message: string;
        device_id: string | null;
        payload: Buffer;
        payload_bytes: number;
      }[];
    },
    /** Accepted frames after the row id `afterId`, in the order they were accepted. */
    framesAfter(afterId: number, limit: number): { id: number; device_id: string; body: string }[] {
      return statements.framesAfter.all(afterId, limit) as { id: number; device_id: string; body: string }[];
    },
    /** A device's last `limit` accepted frames with row id ≤ `upToId`, oldest first. */
    deviceFramesUpTo(deviceId: string, upToId: number, limit: number): { id: number; body: string }[] {
      return (statements.deviceFramesUpTo.all(deviceId, upToId, limit) as { id: number; body: string }[]).reverse();
    },
    /** Row id of the last frame the derive extension has run its functions over (0 before any). */
    deriveCursor(): number {
      return Number((statements.deriveCursor.get() as { value: string } | undefined)?.value ?? 0);
    },
    /**
     * Keep derived events (an event already kept, by id, is left as it is) and move the derive
     * cursor, atomically, so a crash neither loses events nor re-derives past the cursor. Returns
     * how many events were new.
     */
    commitDerived: db.transaction((events: DerivedEventInsert[], cursor: number, nowMs: number): number => {
      let added = 0;
      for (const event of events) {
        added += statements.insertDerivedEvent.run(
          event.eventId,
          event.deviceId,
          event.functionName,
          event.functionVersion,
          event.type,
          event.startTimeMs,
          event.endTimeMs,
          event.body,
          nowMs,
        ).changes;
      }
      statements.setDeriveCursor.run(String(cursor));
      return added;
    }),
    /** Derived events after the row id `afterId`, oldest first. */
    derivedEvents(afterId: number, limit: number): DerivedEventRow[] {
      return statements.derivedEvents.all(afterId, limit) as DerivedEventRow[];
    },
    /** Derived events the cloud has not accepted yet, oldest first: the uplink's queue for POST /v1/events. */
    unsentEvents(limit: number): DerivedEventRow[] {
      return statements.unsentEvents.all(limit) as DerivedEventRow[];
    },
    /** Mark derived events (row ids) as accepted by the cloud. */
    markEventsSent: db.transaction((ids: number[], nowMs: number): void => {
      for (const id of ids) statements.markEventSent.run(nowMs, id);
    }),
    eventCounts(): { derived: number; unsent: number } {
      return statements.eventCounts.get() as { derived: number; unsent: number };
    },
    close(): void {
      db.close();
    },
  };
}

/** The edge store's interface, as the extensions see it. */
export type EdgeStore = ReturnType<typeof openEdgeStore>;
