-- Addresses that channels declare (a Telegram chat id, a Slack user id), one row per subscriber and
-- field. Idempotent, like the others. A table rather than a column per channel: a new channel then
-- needs no migration, and erasure deletes every address with one statement. The subscriber's `data`
-- document was not used: it belongs to the business app (PUT replaces it whole) and reaches templates.
CREATE TABLE IF NOT EXISTS subscriber_addresses (
  subscriber_id TEXT NOT NULL,
  field TEXT NOT NULL,
  address TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (subscriber_id, field)
) WITHOUT ROWID;

-- Who holds an address (a provider reporting on a chat id, a second link of the same chat).
CREATE INDEX IF NOT EXISTS subscriber_addresses_by_address ON subscriber_addresses (field, address);

-- Outstanding address links (a Telegram deep link's start token): one per subscriber and channel,
-- single use, short-lived. The token itself is signed; this row names the subscriber it was issued for.
CREATE TABLE IF NOT EXISTS address_links (
  nonce TEXT PRIMARY KEY NOT NULL,
  channel TEXT NOT NULL,
  subscriber_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX IF NOT EXISTS address_links_by_subscriber ON address_links (subscriber_id, channel);
CREATE INDEX IF NOT EXISTS address_links_by_expiry ON address_links (expires_at);
