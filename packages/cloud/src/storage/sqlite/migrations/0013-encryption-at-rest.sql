-- Encryption at rest (docs/encryption-at-rest.md): the data keys, each wrapped by a master key that
-- the key provider holds (never this store), and the party column that holds a party's sealed
-- identity details (names, registration number, address) apart from its clear document.
CREATE TABLE data_key (
  data_key_id TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  suite TEXT NOT NULL,
  master_key_id TEXT NOT NULL,
  wrapped_key TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX data_key_by_purpose ON data_key (purpose, created_at_ms);
ALTER TABLE finance_party ADD COLUMN sealed TEXT;
