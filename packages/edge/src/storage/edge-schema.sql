-- The edge gateway's durable state. WAL mode; every acknowledged frame is in raw_frame or frame.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Devices this edge may speak for, with the last accepted seq (replay guard).
CREATE TABLE IF NOT EXISTS device (
  device_id TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_key BLOB NOT NULL,
  last_seq INTEGER
);

-- Inbox: raw payloads as received, written before the device is acknowledged; verified in chunks.
CREATE TABLE IF NOT EXISTS raw_frame (
  id INTEGER PRIMARY KEY,
  received_at_ms INTEGER NOT NULL,
  source TEXT NOT NULL,
  topic TEXT,
  payload BLOB NOT NULL
);

-- Verified frames; batch_seq is null until the frame is in a signed batch.
CREATE TABLE IF NOT EXISTS frame (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  device_time_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  body TEXT NOT NULL,
  batch_seq INTEGER,
  UNIQUE (device_id, seq)
);
CREATE INDEX IF NOT EXISTS frame_unbatched ON frame (id) WHERE batch_seq IS NULL;
CREATE INDEX IF NOT EXISTS frame_batch ON frame (batch_seq);

-- Outbox: signed batches in order; sent_at_ms is null until the cloud accepted it.
CREATE TABLE IF NOT EXISTS batch (
  batch_seq INTEGER PRIMARY KEY,
  header TEXT NOT NULL,
  batch_hash TEXT NOT NULL,
  frame_count INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  sent_at_ms INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS batch_unsent ON batch (batch_seq) WHERE sent_at_ms IS NULL;

-- Rejected input, kept for inspection with its reason code.
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY,
  received_at_ms INTEGER NOT NULL,
  source TEXT NOT NULL,
  topic TEXT,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  device_id TEXT,
  payload BLOB NOT NULL,
  payload_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_code ON quarantine (code);

CREATE TABLE IF NOT EXISTS reject_count (code TEXT PRIMARY KEY, count INTEGER NOT NULL);

-- Keyless devices (Modbus, OPC UA): the last seq the edge gave one of their frames. Taken in the
-- same transaction as the frame enters the inbox, so seqs rise strictly across restarts.
CREATE TABLE IF NOT EXISTS attested_seq (device_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
-- Business events derived from accepted frames by the derive extension (protocol/src/events).
-- body is the canonical JSON of the DerivedEvent: exactly what POST /v1/events will carry.
-- sent_at_ms stays null until the cloud accepted it (uplink of events is a later phase).
CREATE TABLE IF NOT EXISTS derived_event (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  function_version INTEGER NOT NULL,
  type TEXT NOT NULL,
  start_time_ms INTEGER NOT NULL,
  end_time_ms INTEGER NOT NULL,
  body TEXT NOT NULL,
  derived_at_ms INTEGER NOT NULL,
  sent_at_ms INTEGER
);
CREATE INDEX IF NOT EXISTS derived_event_unsent ON derived_event (id) WHERE sent_at_ms IS NULL;
