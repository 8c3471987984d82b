-- Inbox state a browser inbox needs: archived items, marking unread, room receipts. Idempotent, like
-- 0001-0006; tables rather than columns because ALTER TABLE ADD COLUMN is not idempotent in SQLite.
-- Each trigger stays on one line: migrations are split into statements at a line-ending ";".

-- Items a subscriber archived (hidden from the inbox list unless asked for). Archiving also marks
-- read, so unread counts need no change here.
CREATE TABLE IF NOT EXISTS inbox_archive (
  subscriber_id TEXT NOT NULL,
  id TEXT NOT NULL,
  archived_at INTEGER NOT NULL,
  PRIMARY KEY (subscriber_id, id)
) WITHOUT ROWID;
-- Whatever deletes an inbox row (retention, erasure) takes its archive mark with it.
CREATE TRIGGER IF NOT EXISTS inbox_archive_on_delete AFTER DELETE ON inbox BEGIN DELETE FROM inbox_archive WHERE subscriber_id = OLD.subscriber_id AND id = OLD.id; END;

-- Marking an item unread counts it again (0006 only counts down on read).
CREATE TRIGGER IF NOT EXISTS inbox_unread_on_unread AFTER UPDATE OF read_at ON inbox WHEN OLD.read_at IS NOT NULL AND NEW.read_at IS NULL AND (OLD.sender_id IS NULL OR OLD.sender_id != OLD.subscriber_id) BEGIN INSERT INTO inbox_unread_counts (subscriber_id, n) VALUES (OLD.subscriber_id, 1) ON CONFLICT (subscriber_id) DO UPDATE SET n = n + 1; END;

-- How far a room message got with the members other than its sender: the first delivery to a live
-- connection and the first read. One row per message, written with the receipts the sender is sent,
-- so history can show the same ticks after a reload. (Per-member detail stays in each member's inbox row.)
CREATE TABLE IF NOT EXISTS topic_message_receipts (
  id TEXT PRIMARY KEY NOT NULL,
  delivered_at INTEGER,
  read_at INTEGER
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS topic_message_receipts_on_delete AFTER DELETE ON topic_messages BEGIN DELETE FROM topic_message_receipts WHERE id = OLD.id; END;
