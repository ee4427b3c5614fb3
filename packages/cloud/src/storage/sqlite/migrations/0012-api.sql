-- The open API (docs/api.md): idempotency keys of writes and the audit trail of state-changing calls.
-- One stored answer per (caller, key): replayed for a repeat with the same request, kept until expires_at_ms.
CREATE TABLE idempotency_key (
  subject TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  method_path TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  response_status INTEGER,
  response_content_type TEXT,
  response_body TEXT,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  PRIMARY KEY (subject, idempotency_key)
);
CREATE INDEX idempotency_key_by_expiry ON idempotency_key (expires_at_ms);
-- Who did what, when and from where: one row per state-changing /v1 call, never a body.
CREATE TABLE audit_trail (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  organisation_id TEXT,
  role TEXT,
  via TEXT,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  params TEXT NOT NULL,
  status INTEGER NOT NULL,
  idempotency_key TEXT,
  remote_address TEXT NOT NULL,
  user_agent TEXT
);
CREATE INDEX audit_trail_by_subject ON audit_trail (subject, id);
-- Append-only: rows are never edited or deleted through the database either.
CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail BEGIN SELECT RAISE(ABORT, 'audit_trail is append-only'); END;
CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail BEGIN SELECT RAISE(ABORT, 'audit_trail is append-only'); END;
