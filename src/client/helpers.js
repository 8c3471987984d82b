/**
 * Pure helpers of the browser SDK (./herald.js re-exports them): reconnect delays, de-duplication,
 * the resume cursor and the reconciliation of optimistic room messages.
 */

/**
 * Reconnect delay with "equal" jitter: half of min(cap, base·2^attempt) plus a random half. Half
 * the step is a floor, so a crowd of clients never bunches near zero after an outage, and the
 * cap bounds how late a client notices that the server is back.
 */
export const backoff = (attempt, base = 250, cap = 1000, random = Math.random) => {
  const step = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(step / 2 + random() * (step / 2));
};

/** The ids seen (the newest `limit`); `add` is true only the first time. */
export function createDedup(limit = 10000) {
  const ids = new Set();
  return {
    has: (id) => ids.has(id),
    add(id) {
      if (ids.has(id)) return false;
      if (ids.add(id).size > limit) ids.delete(ids.values().next().value);
      return true;
    },
  };
}

/** The resume cursor: the highest seq seen. */
export const advance = (cursor, seq) => (typeof seq === "number" && seq > cursor ? seq : cursor);

// pending and failed rank with sending, so a retry can follow either; nothing goes back from sent.
const RANK = { pending: 1, sending: 1, failed: 1, sent: 2, delivered: 3, read: 4 };

/** Index of the message with this id or clientMessageId (an optimistic copy has no id yet). */
export const findMessage = (list, id, cmid) => list.findIndex((m) => (id && m.id === id) || (cmid && m.clientMessageId === cmid));

/**
 * Puts a room message into `list` (oldest first) in place of the one with its id or clientMessageId;
 * undefined fields keep the old value and the status never goes back. Returns the stored message.
 */
export function upsertMessage(list, message) {
  const i = findMessage(list, message.id, message.clientMessageId);
  const next = i < 0 ? { key: message.clientMessageId || message.id } : list.splice(i, 1)[0];
  const old = next.status;
  for (const [k, v] of Object.entries(message)) if (v !== undefined) next[k] = v;
  if (RANK[old] > (RANK[next.status] ?? 0)) next.status = old;
  if (RANK[next.status] > 1) delete next.error;
  let j = list.length;
  while (j > 0 && list[j - 1].createdAt > next.createdAt) j--;
  list.splice(j, 0, next);
  return next;
}

export const uid = () => globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** The subscriber a Herald token names (`<base64url {sub}>.<mac>`), to tell own messages. */
export function subjectOf(token) {
  try {
    return JSON.parse(atob(token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/"))).sub;
  } catch {
    return undefined;
  }
}
