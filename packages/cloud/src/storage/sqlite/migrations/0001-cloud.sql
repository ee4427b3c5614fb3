-- The cloud's core tables (embedded mode: SQLite in WAL mode). Statements end with ";" at the end of a line.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Edges and the head of each edge's batch chain.
CREATE TABLE edge (
  edge_id TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_key BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_batch_seq INTEGER,
  last_batch_hash TEXT
);

-- Devices, the edge that may speak for each, and the last logged seq.
CREATE TABLE device (
  device_id TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_key BLOB NOT NULL,
  edge_id TEXT NOT NULL REFERENCES edge (edge_id),
  created_at_ms INTEGER NOT NULL,
  last_seq INTEGER
);

-- Accepted batches; log_index is the batch entry's leaf in the log. leaf_hashes holds every leaf
-- hash under the batch root, concatenated (32 bytes each), including quarantined frames.
CREATE TABLE batch (
  id INTEGER PRIMARY KEY,
  edge_id TEXT NOT NULL,
  batch_seq INTEGER NOT NULL,
  batch_hash TEXT NOT NULL,
  header TEXT NOT NULL,
  frame_count INTEGER NOT NULL,
  leaf_hashes BLOB NOT NULL,
  received_at_ms INTEGER NOT NULL,
  log_index INTEGER NOT NULL UNIQUE,
  UNIQUE (edge_id, batch_seq)
);

-- Frames; id is the hex RFC 9162 leaf hash of the canonical signed frame.
CREATE TABLE frame (
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
CREATE INDEX frame_batch ON frame (batch_id, leaf_index);
CREATE INDEX frame_received ON frame (received_at_ms);

-- The log: entries (leaf data) and the stored hashes of its tree (tlog layout, index → hash).
CREATE TABLE log_entry (
  leaf_index INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  data BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE log_hash (idx INTEGER PRIMARY KEY, hash BLOB NOT NULL);

-- Signed checkpoints, one per published size.
CREATE TABLE checkpoint (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);

-- Rejected input kept for inspection.
CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY,
  received_at_ms INTEGER NOT NULL,
  source TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  edge_id TEXT,
  payload BLOB NOT NULL,
  payload_bytes INTEGER NOT NULL
);
CREATE INDEX quarantine_code ON quarantine (code);
CREATE TABLE reject_count (code TEXT PRIMARY KEY, count INTEGER NOT NULL);

-- Witness cosignatures, one line per checkpoint size per witness, and per witness the size it last
-- cosigned for us (the `old` size of the next add-checkpoint request).
CREATE TABLE cosignature (
  size INTEGER NOT NULL,
  witness TEXT NOT NULL,
  line TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (size, witness)
);
CREATE TABLE witness_state (witness TEXT PRIMARY KEY, size INTEGER NOT NULL);

-- Finance decisions recorded in the log, with their leaf index and canonical JSON.
CREATE TABLE decision (
  decision_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  organisation_id TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  decided_at_ms INTEGER NOT NULL,
  log_index INTEGER NOT NULL UNIQUE,
  body TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX decision_subject ON decision (subject_id);

-- Anchors: one row per checkpoint size per chain, contract and log; at most one pending per log.
CREATE TABLE anchor (
  chain_id INTEGER NOT NULL,
  contract TEXT NOT NULL,
  origin_hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'final', 'superseded')),
  root_hash TEXT NOT NULL,
  checkpoint_hash TEXT NOT NULL,
  tx_hash TEXT,
  nonce INTEGER,
  raw_tx TEXT,
  block_number INTEGER,
  created_at_ms INTEGER NOT NULL,
  final_at_ms INTEGER,
  PRIMARY KEY (chain_id, contract, origin_hash, size)
);
CREATE UNIQUE INDEX anchor_one_pending ON anchor (chain_id, contract, origin_hash) WHERE state = 'pending';
