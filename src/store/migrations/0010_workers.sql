-- Herald on Workers at audience scale (docs/workers.md).
-- Cloudflare Queues carry the jobs; the jobs table stays the record of what is pending.
-- Jobs no one holds, by due time: what the dispatcher hands to the queues (and the far ones it wakes for).
CREATE INDEX IF NOT EXISTS jobs_free ON jobs (run_at) WHERE lease_owner IS NULL;
-- Held jobs by the end of their lease: the cron frees those whose holder (a lost message, a crashed consumer) is gone.
CREATE INDEX IF NOT EXISTS jobs_leased ON jobs (lease_until) WHERE lease_owner IS NOT NULL;
-- Subscribers with live connections, kept by their inbox objects: live frames go only to those objects.
CREATE TABLE IF NOT EXISTS live_connections (
  subscriber_id TEXT PRIMARY KEY NOT NULL,
  connections INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
