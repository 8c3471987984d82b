-- Each send of a delivery, for the event timeline: when it finished, what came of it, the provider's
-- answer, how long the provider took. Idempotent, like 0001-0012. Each trigger stays on one line:
-- migrations are split into statements at a line-ending ";".
--
-- Written in the same batch as the delivery's outcome (one more statement, no more round trips).
-- Bounded twice: a delivery keeps its newest 40 attempts (a channel's schedule allows 32 by default,
-- and a Retry from the admin UI starts a fresh set), and the rows go with their delivery.
CREATE TABLE IF NOT EXISTS delivery_attempts (
  delivery_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  code TEXT,
  answer TEXT,
  provider TEXT NOT NULL,
  provider_message_id TEXT,
  duration_ms INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, n)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS delivery_attempts_bound AFTER INSERT ON delivery_attempts WHEN NEW.n > 40 BEGIN DELETE FROM delivery_attempts WHERE delivery_id = NEW.delivery_id AND n <= NEW.n - 40; END;
-- Whatever deletes a delivery (retention) takes its attempts with it.
CREATE TRIGGER IF NOT EXISTS delivery_attempts_on_delete AFTER DELETE ON deliveries BEGIN DELETE FROM delivery_attempts WHERE delivery_id = OLD.id; END;
