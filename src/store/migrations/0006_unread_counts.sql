-- Unread counts kept by triggers, so reading one is a single-row lookup. Counting the unread index
-- grew with the backlog: a subscriber with 5,000 unread items cost 0.6 ms per count, twice per
-- append (bench/realtime). Unread means what inbox_unread indexes: not read, and not one's own room
-- message. Each trigger stays on one line: migrations are split into statements at a line-ending ";".
CREATE TABLE IF NOT EXISTS inbox_unread_counts (
  subscriber_id TEXT PRIMARY KEY NOT NULL,
  n INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS inbox_unread_on_insert AFTER INSERT ON inbox WHEN NEW.read_at IS NULL AND (NEW.sender_id IS NULL OR NEW.sender_id != NEW.subscriber_id) BEGIN INSERT INTO inbox_unread_counts (subscriber_id, n) VALUES (NEW.subscriber_id, 1) ON CONFLICT (subscriber_id) DO UPDATE SET n = n + 1; END;
CREATE TRIGGER IF NOT EXISTS inbox_unread_on_read AFTER UPDATE OF read_at ON inbox WHEN OLD.read_at IS NULL AND NEW.read_at IS NOT NULL AND (OLD.sender_id IS NULL OR OLD.sender_id != OLD.subscriber_id) BEGIN UPDATE inbox_unread_counts SET n = n - 1 WHERE subscriber_id = OLD.subscriber_id; END;
CREATE TRIGGER IF NOT EXISTS inbox_unread_on_delete AFTER DELETE ON inbox WHEN OLD.read_at IS NULL AND (OLD.sender_id IS NULL OR OLD.sender_id != OLD.subscriber_id) BEGIN UPDATE inbox_unread_counts SET n = n - 1 WHERE subscriber_id = OLD.subscriber_id; END;
-- The counts of what is already there (the triggers see only what comes after).
INSERT OR REPLACE INTO inbox_unread_counts (subscriber_id, n) SELECT subscriber_id, count(*) FROM inbox INDEXED BY inbox_unread WHERE read_at IS NULL AND (sender_id IS NULL OR sender_id != subscriber_id) GROUP BY subscriber_id;
