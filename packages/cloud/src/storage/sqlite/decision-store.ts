import type Database from 'better-sqlite3';

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

/**
 * The decision table: one row per decision recorded in the log, with its log leaf index and its
 * canonical JSON. Created here, beside the SQL it runs, on the cloud's database.
 */
export function openDecisionStore(db: Database.Database) {
  db.exec(`CREATE TABLE IF NOT EXISTS decision (
    decision_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    decided_at_ms INTEGER NOT NULL,
    log_index INTEGER NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS decision_subject ON decision (subject_id);`);
  const insert = db.prepare<[string, string, string, string, number, number, string, number]>(
    `INSERT INTO decision (decision_id, type, organisation_id, subject_id, decided_at_ms, log_index, body, created_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const byId = db.prepare<[string]>('SELECT * FROM decision WHERE decision_id = ?');
  const bySubject = db.prepare<[string, number]>(
    'SELECT * FROM decision WHERE subject_id = ? ORDER BY log_index LIMIT ?',
  );
  return {
    /** Record a decision row; call inside the transaction that appends its log entry. */
    insert(row: Omit<DecisionRow, 'created_at_ms'>, nowMs: number): void {
      insert.run(
        row.decision_id,
        row.type,
        row.organisation_id,
        row.subject_id,
        row.decided_at_ms,
        row.log_index,
        row.body,
        nowMs,
      );
    },
    byId: (decisionId: string) => byId.get(decisionId) as DecisionRow | undefined,
    bySubject: (subjectId: string, limit: number) => bySubject.all(subjectId, limit) as DecisionRow[],
  };
}

/** The decision table's interface. */
export type DecisionStore = ReturnType<typeof openDecisionStore>;
