-- Real-time inbox and rooms. Idempotent, like 0001, for wrangler d1 migrations apply.
CREATE TABLE IF NOT EXISTS topics (
  key TEXT PRIMARY KEY NOT NULL,
  name TEXT,
  allow_member_messages INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- One row per item in a subscriber's stream; seq is per subscriber and only grows. WITHOUT ROWID
-- clusters rows by (subscriber, seq): a resume reads one contiguous range, and a fan-out to
-- thousands writes one B-tree fewer per row.
CREATE TABLE IF NOT EXISTS inbox (
  subscriber_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  topic TEXT,
  title TEXT,
  body TEXT,
  url TEXT,
  data TEXT,
  sender_id TEXT,
  sender_name TEXT,
  client_message_id TEXT,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  seen_at INTEGER,
  read_at INTEGER,
  PRIMARY KEY (subscriber_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS inbox_by_item ON inbox (subscriber_id, id);
-- Only unread rows, and covering: counting a badge reads this small index, never the history.
CREATE INDEX IF NOT EXISTS inbox_unread ON inbox (subscriber_id, sender_id) WHERE read_at IS NULL;

-- Room messages, once each; members' inbox rows point at them by id.
CREATE TABLE IF NOT EXISTS topic_messages (
  id TEXT PRIMARY KEY NOT NULL,
  topic TEXT NOT NULL,
  sender_id TEXT,
  sender_name TEXT,
  system INTEGER NOT NULL DEFAULT 0,
  client_message_id TEXT,
  body TEXT NOT NULL,
  data TEXT,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS topic_messages_dedup ON topic_messages (topic, sender_id, client_message_id);
CREATE INDEX IF NOT EXISTS topic_messages_by_topic ON topic_messages (topic, created_at);
