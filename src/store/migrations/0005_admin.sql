-- The admin UI: sessions, login throttling, template history, broadcast list. Idempotent, like 0001-0004.
-- A session is found by the SHA-256 of its cookie value, so a leaked database cannot be replayed as cookies.
CREATE TABLE IF NOT EXISTS admin_sessions (
  id_hash TEXT PRIMARY KEY NOT NULL,
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);

-- Failed logins per client (or one shared key where the runtime cannot name the client), per window.
CREATE TABLE IF NOT EXISTS admin_login_attempts (
  key TEXT PRIMARY KEY NOT NULL,
  failures INTEGER NOT NULL,
  window_start INTEGER NOT NULL
);

-- Every saved body of every template, so an admin can look back and restore one.
CREATE TABLE IF NOT EXISTS template_versions (
  key TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (key, version)
) WITHOUT ROWID;

-- Broadcasts in the order they were made: a small table of their own, so listing them needs no
-- index on the (much larger, hot) events table.
CREATE TABLE IF NOT EXISTS broadcasts (
  id TEXT PRIMARY KEY NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS broadcasts_by_time ON broadcasts (created_at);
