-- Webhooks: subscriptions (URL, event types, HMAC secret) and the delivery log with its retry state.
CREATE TABLE webhook_subscription (
  subscription_id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  active INTEGER NOT NULL
);
CREATE TABLE webhook_delivery (
  delivery_id TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL REFERENCES webhook_subscription (subscription_id),
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at_ms INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  created_at_ms INTEGER NOT NULL,
  delivered_at_ms INTEGER,
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (state, next_attempt_at_ms);
