import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { WitnessCheckpointResult, WitnessEvidence, WitnessState } from '@fieldproof/ledger';
import type { CryptoSuiteName } from '@fieldproof/protocol';
import Database from 'better-sqlite3';

/** Most evidence rows a witness keeps; beyond it an alert is still raised, without a new evidence row. */
export const evidenceRowsMax = 10_000;

const schema = `
-- The latest checkpoint this witness cosigned, per log origin (c2sp.org/tlog-witness state).
CREATE TABLE IF NOT EXISTS log_state (
  origin TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  suite TEXT NOT NULL,
  note TEXT NOT NULL,
  cosignature TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
-- What the log signed that contradicts what this witness cosigned: both checkpoints and the proof.
CREATE TABLE IF NOT EXISTS evidence (
  id INTEGER PRIMARY KEY,
  received_at_ms INTEGER NOT NULL,
  source TEXT NOT NULL,
  origin TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  old_size INTEGER NOT NULL,
  previous_note TEXT NOT NULL,
  checkpoint_note TEXT NOT NULL,
  consistency_proof TEXT NOT NULL
);
-- The same contradiction sent again is one piece of evidence.
CREATE UNIQUE INDEX IF NOT EXISTS evidence_once
  ON evidence (origin, code, previous_note, checkpoint_note, consistency_proof);
-- Alerts raised on refusals that show log misbehaviour.
CREATE TABLE IF NOT EXISTS alert (
  id INTEGER PRIMARY KEY,
  created_at_ms INTEGER NOT NULL,
  origin TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  evidence_id INTEGER REFERENCES evidence (id)
);
`;

/** Where a checkpoint came from: pushed by a client to add-checkpoint, or fetched from the log. */
export type CheckpointSource = 'pushed' | 'fetched';

/** An evidence row. */
export interface EvidenceRow extends WitnessEvidence {
  /** Row id. */
  id: number;
  /** When the witness received it, UTC ms. */
  receivedAtMs: number;
  /** Pushed or fetched: a fetched proof came from the log itself. */
  source: CheckpointSource;
}

/** An alert row. */
export interface AlertRow {
  /** Row id. */
  id: number;
  /** When it was raised, UTC ms. */
  createdAtMs: number;
  /** The log's origin. */
  origin: string;
  /** The refusal code. */
  code: string;
  /** What happened. */
  message: string;
  /** The evidence row, or null when evidenceRowsMax was reached. */
  evidenceId: number | null;
}

/** The latest cosigned checkpoint with this witness's cosignature. */
export interface CosignedRow {
  /** The state kept for the log. */
  state: WitnessState;
  /** This witness's cosignature line on it. */
  cosignature: string;
}

/** The outcome of one decision: the pure result, plus the alert and evidence rows written for it. */
export type WitnessDecision = WitnessCheckpointResult & {
  /** The alert raised, if the log contradicted itself. */
  alert?: AlertRow;
};

/**
 * Open (creating if needed) a witness's SQLite state: the latest cosigned checkpoint per origin,
 * the evidence table and the alert table. Precondition: `path` is private to one witness process.
 */
export function openWitnessStore(path: string) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec(schema);
  const s = {
    state: db.prepare('SELECT * FROM log_state WHERE origin = ?'),
    upsertState: db.prepare(
      `INSERT INTO log_state (origin, size, root, suite, note, cosignature, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, suite = excluded.suite,
         note = excluded.note, cosignature = excluded.cosignature, updated_at_ms = excluded.updated_at_ms`,
    ),
    evidenceCount: db.prepare('SELECT count(*) AS n FROM evidence'),
    insertEvidence: db.prepare(
      `INSERT OR IGNORE INTO evidence (received_at_ms, source, origin, code, message, old_size, previous_note,
         checkpoint_note, consistency_proof) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    findEvidence: db.prepare(
      `SELECT id FROM evidence WHERE origin = ? AND code = ? AND previous_note = ? AND checkpoint_note = ?
         AND consistency_proof = ?`,
    ),
    insertAlert: db.prepare(
      'INSERT INTO alert (created_at_ms, origin, code, message, evidence_id) VALUES (?, ?, ?, ?, ?) RETURNING id',
    ),
    alerts: db.prepare('SELECT * FROM alert WHERE id > ? ORDER BY id LIMIT ?'),
    evidence: db.prepare('SELECT * FROM evidence WHERE id > ? ORDER BY id LIMIT ?'),
    evidenceById: db.prepare('SELECT * FROM evidence WHERE id = ?'),
  };
  type StateRecord = {
    origin: string;
    size: number;
    root: Buffer;
    suite: CryptoSuiteName;
    note: string;
    cosignature: string;
  };
  type EvidenceRecord = {
    id: number;
    received_at_ms: number;
    source: CheckpointSource;
    origin: string;
    code: WitnessEvidence['code'];
    message: string;
    old_size: number;
    previous_note: string;
    checkpoint_note: string;
    consistency_proof: string;
  };
  type AlertRecord = {
    id: number;
    created_at_ms: number;
    origin: string;
    code: string;
    message: string;
    evidence_id: number | null;
  };
  const toEvidence = (row: EvidenceRecord): EvidenceRow => ({
    id: row.id,
    receivedAtMs: row.received_at_ms,
    source: row.source,
    origin: row.origin,
    code: row.code,
    message: row.message,
    oldSize: row.old_size,
    previousCheckpointNote: row.previous_note,
    checkpointNote: row.checkpoint_note,
    consistencyProof: JSON.parse(row.consistency_proof) as string[],
  });
  const toAlert = (row: AlertRecord): AlertRow => ({
    id: row.id,
    createdAtMs: row.created_at_ms,
    origin: row.origin,
    code: row.code,
    message: row.message,
    evidenceId: row.evidence_id,
  });
  const cosigned = (origin: string): CosignedRow | undefined => {
    const row = s.state.get(origin) as StateRecord | undefined;
    if (!row) return undefined;
    return {
      state: {
        origin: row.origin,
        size: row.size,
        rootHash: new Uint8Array(row.root),
        suite: row.suite,
        checkpointNote: row.note,
      },
      cosignature: row.cosignature,
    };
  };

  /** Keep the evidence (once) and raise an alert for it. */
  function keepEvidence(evidence: WitnessEvidence, source: CheckpointSource, nowMs: number): AlertRow {
    const proofJson = JSON.stringify(evidence.consistencyProof);
    const key = [evidence.origin, evidence.code, evidence.previousCheckpointNote, evidence.checkpointNote, proofJson];
    let evidenceId = (s.findEvidence.get(...key) as { id: number } | undefined)?.id ?? null;
    if (evidenceId === null && (s.evidenceCount.get() as { n: number }).n < evidenceRowsMax) {
      const inserted = s.insertEvidence.run(
        nowMs,
        source,
        evidence.origin,
        evidence.code,
        evidence.message,
        evidence.oldSize,
        evidence.previousCheckpointNote,
        evidence.checkpointNote,
        proofJson,
      );
      evidenceId = Number(inserted.lastInsertRowid);
    }
    const alert = s.insertAlert.get(nowMs, evidence.origin, evidence.code, evidence.message, evidenceId) as {
      id: number;
    };
    return {
      id: alert.id,
      createdAtMs: nowMs,
      origin: evidence.origin,
      code: evidence.code,
      message: evidence.message,
      evidenceId,
    };
  }

  return {
    /** The latest checkpoint cosigned for `origin`, with the cosignature given for it. */
    cosigned,
    /**
     * Check-and-update in one transaction (c2sp.org/tlog-witness asks for it to be atomic):
     * load the state, run `decide` on it, then persist the new state on success, or the evidence
     * and an alert when the log contradicted itself. `decide` must be synchronous.
     */
    decide(
      origin: string,
      source: CheckpointSource,
      nowMs: number,
      decideWith: (state: WitnessState | undefined) => WitnessCheckpointResult,
    ): WitnessDecision {
      return db
        .transaction((): WitnessDecision => {
          const result = decideWith(cosigned(origin)?.state);
          if (result.ok) {
            const { newState } = result;
            s.upsertState.run(
              newState.origin,
              newState.size,
              Buffer.from(newState.rootHash),
              newState.suite,
              newState.checkpointNote,
              result.cosignature,
              nowMs,
            );
            return result;
          }
          if (!result.evidence) return result;
          return { ...result, alert: keepEvidence(result.evidence, source, nowMs) };
        })
        .immediate();
    },
    /** Alerts after id `after`, oldest first. */
    alerts: (after = 0, limit = 100): AlertRow[] => (s.alerts.all(after, limit) as AlertRecord[]).map(toAlert),
    /** Evidence rows after id `after`, oldest first. */
    evidence: (after = 0, limit = 100): EvidenceRow[] =>
      (s.evidence.all(after, limit) as EvidenceRecord[]).map(toEvidence),
    /** One evidence row. */
    evidenceById: (id: number): EvidenceRow | undefined => {
      const row = s.evidenceById.get(id) as EvidenceRecord | undefined;
      return row ? toEvidence(row) : undefined;
    },
    /** Close the database. */
    close: () => db.close(),
  };
}

/** A witness's store. */
export type WitnessStore = ReturnType<typeof openWitnessStore>;
