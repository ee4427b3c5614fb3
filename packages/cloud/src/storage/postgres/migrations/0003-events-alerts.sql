-- Alerts (finance's AlertStore) and derived events from edges with their re-execution verdict.
-- Each alert is kept whole as JSON in body; the columns beside it are copies for filtering and
-- ordering, written in the same statement.
CREATE TABLE alert (
  alert_id TEXT PRIMARY KEY,
  rule TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  organisation_id TEXT NOT NULL,
  assignee_id TEXT,
  raised_at_ms BIGINT NOT NULL,
  last_seen_at_ms BIGINT NOT NULL,
  resolved_at_ms BIGINT,
  body TEXT NOT NULL
);
-- One unresolved alert per problem: raiseAlerts repeats it instead of raising a second.
CREATE UNIQUE INDEX alert_unresolved_dedup_key ON alert (dedup_key) WHERE state <> 'resolved';
CREATE INDEX alert_raised ON alert (raised_at_ms, alert_id);
CREATE INDEX alert_state ON alert (state, raised_at_ms);

-- Derived events sent by edges (POST /v1/events). body is the canonical DerivedEvent as received.
-- check_status: pending (waiting for its frames), matched, mismatch, frames_missing (the frames
-- never came within the retry limit), function_unknown.
CREATE TABLE derived_event (
  event_id TEXT PRIMARY KEY,
  edge_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  type TEXT NOT NULL,
  function_name TEXT NOT NULL,
  function_version INTEGER NOT NULL,
  start_time_ms BIGINT NOT NULL,
  end_time_ms BIGINT NOT NULL,
  received_at_ms BIGINT NOT NULL,
  body TEXT NOT NULL,
  check_status TEXT NOT NULL,
  check_attempts INTEGER NOT NULL,
  next_check_at_ms BIGINT NOT NULL,
  checked_at_ms BIGINT,
  check_detail TEXT,
  alert_id TEXT
);
CREATE INDEX derived_event_due ON derived_event (check_status, next_check_at_ms);
CREATE INDEX derived_event_device ON derived_event (device_id, start_time_ms);
