/**
 * Sending room messages through the outbox (./outbox.js): the Herald methods `send`, `retry` and
 * `discard`, and the flush that posts what waits, in order, whenever Herald can be reached.
 */
import { backoff, findMessage, subjectOf, uid, upsertMessage } from "./helpers.js";
import { createOutbox } from "./outbox.js";

const enc = encodeURIComponent;
/** Failures worth trying again later: the network, the server's own trouble, an expired token, throttling. */
const retryable = (error) => error.status === undefined || error.status >= 500 || [401, 408, 425, 429].includes(error.status);

/** Methods of Herald (`this` is the client). */
export const sending = {
  /** The outbox of this subscriber on this Herald (another user of the same browser has their own). */
  _outbox() {
    if (!this._box || this._boxOf !== this.me) {
      this._box = createOutbox(`herald.outbox:${this.url || globalThis.location?.origin}:${this.me ?? ""}`, this.options.storage);
      this._boxOf = this.me;
    }
    return this._box;
  },

  /** Messages left unsent by an earlier page (a reload during an outage) show again, waiting. */
  _restoreOutbox() {
    // The subscriber must be known first (with getToken, after the first token).
    this.me ??= subjectOf(this.options.token ?? "");
    if (this._restored || (this.me == null && this.options.getToken && !this._tok)) return;
    this._restored = true;
    for (const entry of this._outbox().entries) {
      this._mine.add(entry.clientMessageId);
      this._emit("message", upsertMessage(this._room(entry.topic), this._pending(entry)));
    }
  },

  _pending(entry) {
    const { topic, clientMessageId, body, data, createdAt, status, error } = entry;
    return { id: null, type: "message", topic, clientMessageId, body, data: data ?? {}, sender: { id: this.me ?? null, name: null }, createdAt, status, error };
  },

  /**
   * Shows the message at once and keeps it in the outbox until the server has it: "sending" while
   * posted, "pending" while Herald cannot be reached (sent in order once it can), "failed" if refused.
   */
  async send(topic, body, data) {
    await this._token();
    this._restoreOutbox();
    const entry = { topic, clientMessageId: uid(), body, ...(data && { data }), createdAt: new Date().toISOString(), status: "pending" };
    this._outbox().add(entry);
    this._mine.add(entry.clientMessageId);
    const now = this.state === "open" || !this._running;
    this._emit("message", upsertMessage(this._room(topic), { ...this._pending(entry), status: now ? "sending" : "pending" }));
    const accepted = new Promise((resolve, reject) => this._waiting.set(entry.clientMessageId, { resolve, reject }));
    if (now) this._flush();
    return accepted;
  },

  /** Sends a pending or failed message again now (and probes the connection if it is down). False if there is no such message. */
  retry(key) {
    if (!this._outbox().find(key)) return false;
    this._outbox().update(key, { status: "pending" });
    this._emit("message", upsertMessage(this._room(this._outbox().find(key).topic), { clientMessageId: key, status: "pending" }));
    this._wake();
    this._flush();
    return true;
  },

  /** Drops an unsent message (e.g. one the server refused); listeners get it once more with `discarded: true`. */
  discard(key) {
    const entry = this._outbox().find(key);
    if (!entry) return false;
    this._outbox().remove(key);
    const list = this._room(entry.topic);
    const at = findMessage(list, null, key);
    const [m] = at < 0 ? [this._pending(entry)] : list.splice(at, 1);
    this._waiting.get(key)?.reject(Object.assign(new Error("discarded"), { code: "discarded" }));
    this._waiting.delete(key);
    this._emit("message", { ...m, discarded: true });
    return true;
  },

  /** Posts the outbox in order, one at a time; stops at a failure worth retrying (the next ready, or a timer, resumes). */
  _flush() {
    // Asked again while a flush runs (a retry, a new message): it looks once more when done.
    if (this._flushing) return (this._flushAgain = true), this._flushing;
    clearTimeout(this._flushTimer);
    this._flushing = (async () => {
      for (let entry; (entry = this._outbox().entries.find((e) => e.status === "pending")); ) {
        const { topic, clientMessageId, body, data } = entry;
        const room = this._room(topic);
        if (room[findMessage(room, null, clientMessageId)]?.status !== "sending") this._emit("message", upsertMessage(room, { clientMessageId, status: "sending" }));
        try {
          const m = await this._fetch("POST", `/v1/me/topics/${enc(topic)}/messages`, { clientMessageId, body, ...(data && { data }) });
          this._outbox().remove(clientMessageId);
          this._seen.add(m.id);
          const message = this._message(m);
          this._waiting.get(clientMessageId)?.resolve(message);
          this._waiting.delete(clientMessageId);
          this._flushAttempt = 0;
        } catch (error) {
          const again = retryable(error);
          this._outbox().update(clientMessageId, { status: again ? "pending" : "failed", error: error.message });
          this._emit("message", upsertMessage(room, { clientMessageId, status: again ? "pending" : "failed", error: error.message }));
          if (!again) {
            this._waiting.get(clientMessageId)?.reject(error);
            this._waiting.delete(clientMessageId);
            continue;
          }
          // Connected but refused for now (a 503, a 429): try again on the same schedule as reconnects.
          if (this.state === "open") this._flushTimer = setTimeout(() => this._flush(), backoff(this._flushAttempt++, 500, 8000));
          return;
        }
      }
    })().finally(() => {
      this._flushing = null;
      if (this._flushAgain) (this._flushAgain = false), this._flush();
    });
    return this._flushing;
  },
};
