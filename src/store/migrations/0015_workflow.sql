-- Workflow steps: throttles and digests. Idempotent, like the migrations before it.
-- A throttle slot is one message let through a frequency cap; `scope` is subscriber, category (or
-- rule) and channel. Keyed by delivery, so a retried send never takes a second slot.
CREATE TABLE IF NOT EXISTS throttle_slots (
  delivery_id TEXT PRIMARY KEY NOT NULL,
  scope TEXT NOT NULL,
  subscriber_id TEXT NOT NULL,
  taken_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS throttle_slots_by_scope ON throttle_slots (scope, taken_at);
CREATE INDEX IF NOT EXISTS throttle_slots_by_expiry ON throttle_slots (expires_at);
-- A digest collects one subscriber's events for one rule step and key during a fixed window; the
-- delivery of the event that opened it (`carrier_id`) sends it. At most one open digest per scope
-- (rule, subscriber, step, key): the partial unique index makes opening one race-free.
CREATE TABLE IF NOT EXISTS digests (
  id TEXT PRIMARY KEY NOT NULL,
  scope TEXT NOT NULL,
  subscriber_id TEXT NOT NULL,
  carrier_id TEXT NOT NULL,
  status TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  send_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS digests_open ON digests (scope) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS digests_by_subscriber ON digests (subscriber_id);
CREATE INDEX IF NOT EXISTS digests_by_send_at ON digests (send_at);
-- One row per event in a digest, keyed by that event's delivery: an event joins exactly one digest.
CREATE TABLE IF NOT EXISTS digest_events (
  delivery_id TEXT PRIMARY KEY NOT NULL,
  digest_id TEXT NOT NULL,
  notification_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  added_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS digest_events_by_digest ON digest_events (digest_id, added_at);
-- Which provider of a channel with several (EMAIL_PROVIDERS, SMS_PROVIDERS) answered a delivery's last attempt.
CREATE TABLE IF NOT EXISTS delivery_providers (
  delivery_id TEXT PRIMARY KEY NOT NULL,
  provider TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
-- A delivery deleted by retention takes its provider record with it.
CREATE TRIGGER IF NOT EXISTS delivery_providers_follow AFTER DELETE ON deliveries BEGIN DELETE FROM delivery_providers WHERE delivery_id = OLD.id; END;
