-- Edge operations (docs/edge-operations.md): versioned remote config, heartbeats, the edge key
-- history after rotations, and the nonces of signed edge requests (replay protection).
CREATE TABLE edge_config (
  edge_id TEXT NOT NULL REFERENCES edge (edge_id),
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (edge_id, version)
);
CREATE TABLE edge_heartbeat (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  edge_id TEXT NOT NULL REFERENCES edge (edge_id),
  received_at_ms INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX edge_heartbeat_by_edge ON edge_heartbeat (edge_id, id);
-- A key that replaces the edge's registered key from from_batch_seq on, once approved.
CREATE TABLE edge_key (
  edge_id TEXT NOT NULL REFERENCES edge (edge_id),
  key_id TEXT NOT NULL,
  alg TEXT NOT NULL,
  public_key BLOB NOT NULL,
  state TEXT NOT NULL,
  from_batch_seq INTEGER,
  requested_at_ms INTEGER NOT NULL,
  decided_at_ms INTEGER,
  PRIMARY KEY (edge_id, key_id)
);
CREATE TABLE edge_request_nonce (
  edge_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  seen_at_ms INTEGER NOT NULL,
  PRIMARY KEY (edge_id, nonce)
);
CREATE INDEX edge_request_nonce_by_time ON edge_request_nonce (seen_at_ms);
