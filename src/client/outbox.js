/**
 * The SDK's outbox: room messages typed while Herald could not take them, kept in localStorage
 * (across reloads and tabs of the page's origin) until the server accepts them. Sent in order and
 * idempotent by clientMessageId: the server answers a repeat with the message it already has, so
 * two tabs flushing the same outbox (each loads it at start), or a send whose answer was lost,
 * post each message once.
 */

/** Messages an outbox holds at most; past it, send() refuses rather than grow the page's storage. */
export const OUTBOX_LIMIT = 200;

/** localStorage, or nothing where a page may not use it (sandboxed frames, some private modes). */
function defaultStorage() {
  try {
    const storage = globalThis.localStorage;
    storage?.getItem("herald");
    return storage;
  } catch {
    return undefined;
  }
}

/**
 * A persisted list of `{topic, clientMessageId, body, data, createdAt, status, error?}` under `key`.
 * `status` is "pending" (to send) or "failed" (refused; waits for a manual retry).
 */
export function createOutbox(key, storage = defaultStorage(), limit = OUTBOX_LIMIT) {
  const read = () => {
    try {
      const parsed = JSON.parse(storage?.getItem(key) ?? "[]");
      return Array.isArray(parsed) ? parsed.filter((e) => e && typeof e.clientMessageId === "string" && typeof e.topic === "string") : [];
    } catch {
      return [];
    }
  };
  let entries = read();
  const save = () => {
    try {
      if (entries.length > 0) storage?.setItem(key, JSON.stringify(entries));
      else storage?.removeItem(key);
    } catch {
      // Storage full or refused: the messages still wait in memory for this page's life.
    }
  };
  return {
    get entries() {
      return entries;
    },
    add(entry) {
      if (entries.length >= limit) throw Object.assign(new Error(`the outbox holds ${limit} unsent messages already`), { code: "outbox_full" });
      entries.push(entry);
      save();
    },
    find: (clientMessageId) => entries.find((e) => e.clientMessageId === clientMessageId),
    update(clientMessageId, fields) {
      const entry = entries.find((e) => e.clientMessageId === clientMessageId);
      if (entry) Object.assign(entry, fields);
      save();
      return entry;
    },
    remove(clientMessageId) {
      entries = entries.filter((e) => e.clientMessageId !== clientMessageId);
      save();
    },
  };
}
