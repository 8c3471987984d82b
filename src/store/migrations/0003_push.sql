-- Web push subscriptions and notification clicks. Idempotent, like 0001 and 0002.
-- One row per browser subscription; the endpoint is unique, so a browser that registers again
-- (even for another subscriber, e.g. after a log-out and log-in) moves rather than duplicates.
CREATE TABLE IF NOT EXISTS push_subscriptions (
  endpoint TEXT PRIMARY KEY NOT NULL,
  subscriber_id TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_success_at INTEGER,
  expiration_time INTEGER
);
CREATE INDEX IF NOT EXISTS push_subscriptions_by_subscriber ON push_subscriptions (subscriber_id);

-- A click on a notification (body or action button). A table rather than a column on
-- notifications: ALTER TABLE ADD COLUMN cannot be written idempotently in SQLite.
CREATE TABLE IF NOT EXISTS notification_clicks (
  notification_id TEXT PRIMARY KEY NOT NULL,
  subscriber_id TEXT NOT NULL,
  action TEXT,
  clicked_at INTEGER NOT NULL
);
