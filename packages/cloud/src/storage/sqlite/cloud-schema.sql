-- The cloud's store (embedded mode: SQLite in WAL mode).
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Edges and the head of each edge's batch chain.
CREATE TABLE IF NOT EXISTS edge (
  edge_id TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_key BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_batch_seq INTEGER,
  last_batch_hash TEXT
);

-- Devices, the edge that may speak for each, and the last logged seq.
CREATE TABLE IF NOT EXISTS device (
  device_id TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_key BLOB NOT NULL,
  edge_id TEXT NOT NULL REFERENCES edge (edge_id),
  created_at_ms INTEGER NOT NULL,
  last_seq INTEGER,
  -- 'device-signed' (its own key above) or 'edge-attested' (keyless: its edge signs for it; the key above is empty).
  attestation TEXT NOT NULL DEFAULT 'device-signed'
);

-- Accepted batches; log_index is the batch entry's leaf in the log.
CREATE TABLE IF NOT EXISTS batch (
  id INTEGER PRIMARY KEY,
  edge_id TEXT NOT NULL,
  batch_seq INTEGER NOT NULL,
  batch_hash TEXT NOT NULL,
  header TEXT NOT NULL,
  frame_count INTEGER NOT NULL,
  -- Every leaf hash under the batch root, concatenated (32 bytes each), including frames that
  -- were quarantined: the batch inclusion proofs need them all.
  leaf_hashes BLOB NOT NULL,
  received_at_ms INTEGER NOT NULL,
  log_index INTEGER NOT NULL UNIQUE,
  UNIQUE (edge_id, batch_seq)
);

-- Frames; id is the hex RFC 9162 leaf hash of the canonical signed frame.
CREATE TABLE IF NOT EXISTS frame (
  id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  device_time_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES batch (id),
  leaf_index INTEGER NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (device_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS frame_batch ON frame (batch_id, leaf_index);
CREATE INDEX IF NOT EXISTS frame_received ON frame (received_at_ms);

-- The log: entries (leaf data) and the stored hashes of its tree (tlog layout, index → hash).
CREATE TABLE IF NOT EXISTS log_entry (
  leaf_index INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  data BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS log_hash (idx INTEGER PRIMARY KEY, hash BLOB NOT NULL);

-- Signed checkpoints, one per published size.
CREATE TABLE IF NOT EXISTS checkpoint (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);

-- Rejected input kept for inspection.
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY,
  received_at_ms INTEGER NOT NULL,
  source TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  edge_id TEXT,
  payload BLOB NOT NULL,
  payload_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_code ON quarantine (code);
CREATE TABLE IF NOT EXISTS reject_count (code TEXT PRIMARY KEY, count INTEGER NOT NULL);
