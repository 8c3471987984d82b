-- Jobs whose handler kept failing until its attempts were spent (core/outbox/job-failures.ts): moved
-- here out of `jobs`, so nothing retries them, and kept for an operator to see (admin API and
-- dashboard) and to send again. A row is replaced when a job sent again dies again. Deleted by age
-- in housekeeping (DEAD_JOBS_KEPT_MS). Idempotent, like the others.
CREATE TABLE IF NOT EXISTS dead_jobs (
  id TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  died_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_jobs_by_time ON dead_jobs (died_at);
