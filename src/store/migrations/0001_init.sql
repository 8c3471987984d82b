-- Herald initial schema. Applied by Herald itself on libSQL and by `wrangler d1 migrations apply` on D1.
-- Statements are idempotent (IF NOT EXISTS) so that `wrangler d1 migrations apply` and Herald's own runner can both meet the same database.
CREATE TABLE IF NOT EXISTS settings (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS subscribers (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT,
  email TEXT,
  phone TEXT,
  locale TEXT,
  timezone TEXT,
  data TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS topic_subscribers (
  topic TEXT NOT NULL,
  subscriber_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (topic, subscriber_id)
);
CREATE INDEX IF NOT EXISTS topic_subscribers_by_subscriber ON topic_subscribers (subscriber_id);

CREATE TABLE IF NOT EXISTS templates (
  key TEXT PRIMARY KEY NOT NULL,
  body TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS rules (
  id TEXT PRIMARY KEY NOT NULL,
  event_type TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rules_by_event_type ON rules (event_type, enabled);

CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  planned_at INTEGER
);

CREATE TABLE IF NOT EXISTS notifications (
  id TEXT PRIMARY KEY NOT NULL,
  event_id TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  subscriber_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  seen_at INTEGER,
  read_at INTEGER
);
CREATE INDEX IF NOT EXISTS notifications_by_event ON notifications (event_id);
CREATE INDEX IF NOT EXISTS notifications_by_subscriber ON notifications (subscriber_id, created_at);

CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY NOT NULL,
  notification_id TEXT NOT NULL,
  step INTEGER NOT NULL,
  channel TEXT NOT NULL,
  template TEXT NOT NULL,
  unless_seen INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  provider_message_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_by_notification_step ON deliveries (notification_id, step);
CREATE INDEX IF NOT EXISTS deliveries_by_status ON deliveries (status, channel);

CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  run_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (run_at);
