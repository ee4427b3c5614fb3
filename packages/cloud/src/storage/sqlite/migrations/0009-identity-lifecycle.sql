-- Identity lifecycle (docs/identity-lifecycle.md): the status of each device and edge, when it last
-- changed (for a revocation: the device time from which frames are refused), the history of every
-- status change, and the keys a device rotated to with the device time each is valid from.
-- Existing rows become 'active', so registrations made before this migration keep working.
ALTER TABLE device ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE device ADD COLUMN status_changed_at_ms INTEGER;
ALTER TABLE edge ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE edge ADD COLUMN status_changed_at_ms INTEGER;
CREATE TABLE identity_status_change (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('device', 'edge')),
  subject_id TEXT NOT NULL,
  action TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  changed_at_ms INTEGER NOT NULL,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX identity_status_change_by_subject ON identity_status_change (subject_kind, subject_id, id);
-- A key a device rotated to: it signs frames whose device time is at or after valid_from_ms.
CREATE TABLE device_key (
  device_id TEXT NOT NULL REFERENCES device (device_id),
  key_id TEXT NOT NULL,
  alg TEXT NOT NULL,
  public_key BLOB NOT NULL,
  valid_from_ms INTEGER NOT NULL,
  added_at_ms INTEGER NOT NULL,
  PRIMARY KEY (device_id, key_id)
);
CREATE INDEX device_key_by_time ON device_key (device_id, valid_from_ms);
