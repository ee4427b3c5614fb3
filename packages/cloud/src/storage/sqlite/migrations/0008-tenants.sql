-- Tenants and access (docs/access-control.md): organisations, their sites and users, API keys,
-- the consents an enterprise grants a bank, and the access log of reads of another
-- organisation's data. Devices and edges gain their owning organisation (NULL for rows from
-- before tenants: only a platform admin sees those).
CREATE TABLE organisations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('platform', 'bank', 'enterprise', 'logistics', 'witness')),
  created_at_ms INTEGER NOT NULL
);
INSERT INTO organisations (id, name, kind, created_at_ms) VALUES ('platform', 'Platform', 'platform', 0);
CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisations (id),
  name TEXT NOT NULL,
  address TEXT,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX sites_by_organisation ON sites (organisation_id);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisations (id),
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  disabled_at_ms INTEGER
);
CREATE INDEX users_by_organisation ON users (organisation_id);
-- secret_hash is the hex SHA-256 of the key's secret: the secret itself is shown once, never kept.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisations (id),
  user_id TEXT REFERENCES users (id),
  role TEXT NOT NULL,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER,
  last_used_at_ms INTEGER
);
CREATE INDEX api_keys_by_organisation ON api_keys (organisation_id);
ALTER TABLE device ADD COLUMN organisation_id TEXT REFERENCES organisations (id);
ALTER TABLE device ADD COLUMN site_id TEXT REFERENCES sites (id);
ALTER TABLE edge ADD COLUMN organisation_id TEXT REFERENCES organisations (id);
CREATE INDEX device_by_organisation ON device (organisation_id);
-- A consent: what of an enterprise's device data a bank may read. NULL lists mean "all".
CREATE TABLE consents (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisations (id),
  bank_id TEXT NOT NULL REFERENCES organisations (id),
  site_ids TEXT,
  device_ids TEXT,
  data_kinds TEXT,
  from_ms INTEGER NOT NULL,
  to_ms INTEGER NOT NULL,
  expires_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  grant_decision_id TEXT NOT NULL,
  revoked_at_ms INTEGER,
  revoked_by TEXT,
  revoke_decision_id TEXT
);
CREATE INDEX consents_by_bank ON consents (bank_id);
CREATE INDEX consents_by_organisation ON consents (organisation_id);
CREATE TABLE access_log (
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  subject TEXT NOT NULL,
  organisation_id TEXT NOT NULL,
  owner_organisation_id TEXT,
  route TEXT NOT NULL,
  resource TEXT NOT NULL,
  consent_id TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('allowed', 'refused')),
  code TEXT,
  remote_address TEXT NOT NULL
);
CREATE INDEX access_log_by_owner ON access_log (owner_organisation_id, id);
