-- Status webhook messages by the subscriber they are about, for erasure (store/repositories/erasure.ts).
-- Every body names its subscriber at data.subscriberId (core/status-webhooks/schemas.ts), so the index
-- is on that expression rather than on a copy of it in a column. Without it an erasure scans every
-- stored body: ~2 s a million messages, inside the erasure's write transaction; with it, ~4 ms.
-- Queries must spell the expression the same way (`payload ->> '$.data.subscriberId'`) to use it.
CREATE INDEX IF NOT EXISTS webhook_messages_by_subscriber ON webhook_messages (payload ->> '$.data.subscriberId');
