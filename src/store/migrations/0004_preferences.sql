-- Subscriber preferences, undeliverable addresses, provider callbacks. Idempotent, like 0001-0003.
-- Preferences are one JSON document per subscriber (channels, categories, quiet hours), read with
-- the delivery it governs; a table rather than a column because ADD COLUMN is not idempotent.
CREATE TABLE IF NOT EXISTS subscriber_preferences (
  subscriber_id TEXT PRIMARY KEY NOT NULL,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Addresses a provider reported as never deliverable (hard bounce, complaint, opt-out), per channel.
CREATE TABLE IF NOT EXISTS suppressions (
  channel TEXT NOT NULL,
  address TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (channel, address)
) WITHOUT ROWID;

-- Status callbacks find their delivery by the provider's message id (Twilio's SID, an email Message-ID).
CREATE INDEX IF NOT EXISTS deliveries_by_provider_message ON deliveries (channel, provider_message_id) WHERE provider_message_id IS NOT NULL;
