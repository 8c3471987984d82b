-- Delivery-status webhooks to the business app. Idempotent, like the others.
-- Endpoints the app registered: `events` is a JSON array of event types; `secret` is the signing
-- secret encrypted with AES-GCM under a key derived from the server's token key (core/status-webhooks/secret-box.ts).
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
-- One row per status event and endpoint: the exact body every attempt sends (so retries are
-- byte-identical and verify under one webhook-id), its state (pending, sent, dead) and last error.
-- Sent and dead rows are deleted by housekeeping after their retention.
CREATE TABLE IF NOT EXISTS webhook_messages (
  id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (id, endpoint_id)
);
CREATE INDEX IF NOT EXISTS webhook_messages_by_status ON webhook_messages (status, updated_at);
CREATE INDEX IF NOT EXISTS webhook_messages_by_endpoint ON webhook_messages (endpoint_id);
