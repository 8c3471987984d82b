-- Retention: housekeeping deletes old rows in small batches. Idempotent, like 0001-0006.
-- Old rows are found by time. Times only grow, so new rows land at the end of these indexes and
-- cost an insert little; notifications and deliveries need none (their ids start with the time).
CREATE INDEX IF NOT EXISTS events_by_time ON events (received_at);
CREATE INDEX IF NOT EXISTS inbox_by_time ON inbox (created_at);
CREATE INDEX IF NOT EXISTS topic_messages_by_time ON topic_messages (created_at);

-- The last seq retention deleted from each subscriber's stream. A stream it emptied goes on from
-- there instead of starting again at 1, so a client's cursor (`after`) never skips new items.
CREATE TABLE IF NOT EXISTS inbox_seq_floor (
  subscriber_id TEXT PRIMARY KEY NOT NULL,
  seq INTEGER NOT NULL
);
