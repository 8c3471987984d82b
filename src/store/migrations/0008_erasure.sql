-- Erasure. Idempotent, like 0001-0006.
-- Finds the room messages a subscriber wrote when they are erased, so the erasure knows whether to
-- rename their copies in other members' streams (a scan of inbox) at all. One entry per message
-- (not per member's copy): room posts hardly notice it.
CREATE INDEX IF NOT EXISTS topic_messages_by_sender ON topic_messages (sender_id) WHERE sender_id IS NOT NULL;
