/**
 * Herald browser SDK (protocol: docs/realtime.md; types and docs: herald.d.ts). Dependency-free:
 * Herald serves this very file at /sdk/herald.js (and ./push.js beside it), with no bundler in between.
 * @example
 *   const herald = new Herald({ url: "", token }).connect();
 *   herald.on("unread", (count) => (badge.textContent = count));
 */

import { keyBytes, webPush } from "./push.js";

export { keyBytes };

/** Full-jitter backoff: a random delay in [0, min(cap, base·2^attempt)). */
export const backoff = (attempt, base = 1000, cap = 30000, random = Math.random) => Math.floor(random() * Math.min(cap, base * 2 ** Math.min(attempt, 30)));

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

// failed ranks with sending, so a retry can follow a failure; nothing goes back from sent.
const RANK = { sending: 1, failed: 1, sent: 2, delivered: 3, read: 4 };

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
  let j = list.length;
  while (j > 0 && list[j - 1].createdAt > next.createdAt) j--;
  list.splice(j, 0, next);
  return next;
}

const enc = encodeURIComponent;
const uid = () => globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** The subscriber a Herald token names (`<base64url {sub}>.<mac>`), to tell own messages. */
function subjectOf(token) {
  try {
    return JSON.parse(atob(token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/"))).sub;
  } catch {
    return undefined;
  }
}

export class Herald {
  constructor(options) {
    this.options = { transports: ["ws", "sse", "poll"], pollInterval: 30000, backoffBase: 1000, backoffCap: 30000, ...options };
    this.url = (options.url ?? "").replace(/\/$/, "");
    this.me = options.subscriberId;
    this.cursor = options.after ?? 0;
    this.unreadCount = 0;
    this.state = "offline";
    this.transport = null;
    this.notifications = [];
    this._rooms = new Map();
    this._joined = new Set();
    this._mine = new Set();
    this._typed = new Map();
    this._seen = createDedup();
    this._fns = {};
    this._gen = this._attempt = this._unreadV = 0;
    this._online = () => this.state !== "open" && this._start(0);
    this.push = webPush(this);
  }

  on(event, fn) {
    (this._fns[event] ??= new Set()).add(fn);
    return () => this.off(event, fn);
  }

  off(event, fn) {
    this._fns[event]?.delete(fn);
  }

  _emit(event, value) {
    for (const fn of this._fns[event] ?? []) {
      try {
        fn(value);
      } catch (error) {
        (globalThis.reportError ?? console.error)(error); // surfaces it without stopping the other listeners
      }
    }
    return value;
  }

  _set(state, transport) {
    if (state !== this.state || transport !== this.transport) this._emit("state", { state: (this.state = state), transport: (this.transport = transport) });
  }

  connect() {
    if (this._running) return this;
    this._running = true;
    globalThis.addEventListener?.("online", this._online);
    this._set("connecting", null);
    this._start(0);
    return this;
  }

  close() {
    this._running = false;
    this._gen++;
    this._drop();
    globalThis.removeEventListener?.("online", this._online);
    this._set("offline", null);
  }

  _drop() {
    clearTimeout(this._timer);
    this._conn?.close();
    this._conn = null;
  }

  _later(gen, fn) {
    this._timer = setTimeout(() => gen === this._gen && fn(), backoff(this._attempt++, this.options.backoffBase, this.options.backoffCap));
  }

  /** Tries allowed transport `index`; one that ends before carrying anything gives way to the next. A failed round waits, then starts over. */
  async _start(index, fresh = false) {
    if (!this._running) return;
    const gen = ++this._gen;
    this._drop();
    const name = this.options.transports.filter((t) => t === "poll" || globalThis[t === "ws" ? "WebSocket" : "EventSource"])[index];
    const fail = (error) => gen === this._gen && (error && this._emit("error", error), this._start(index + 1));
    if (!name) {
      this._set(globalThis.navigator?.onLine === false ? "offline" : "reconnecting", null);
      return this._later(gen, () => this._start(0, true));
    }
    this._set(this.state === "connecting" ? "connecting" : "reconnecting", name);
    let token;
    try {
      token = await this._token(fresh);
    } catch (error) {
      return fail(error);
    }
    if (gen !== this._gen) return;
    if (name === "poll") return this._poll(gen, fail);
    // A connection that carried anything proves the transport works: when it ends, reconnect rather than fall back.
    let worked = false;
    const frame = (type, data) => {
      if (gen !== this._gen) return;
      worked = true;
      if (type === "ready") this._ready(name);
      else this._frame(type, data);
    };
    const end = () => gen === this._gen && (worked ? (this._set("reconnecting", null), this._later(gen, () => this._start(0))) : fail());
    const query = `?after=${this.cursor}&token=${enc(token)}`;
    if (name === "ws") {
      const ws = new WebSocket(`${(this.url || location.origin).replace(/^http/, "ws")}/v1/me/ws${query}`);
      let heard = Date.now();
      const kill = () => (clearInterval(ping), (ws.onclose = null), ws.close());
      // The server answers each ping; silence for two means a dead link, whose close handshake would hang too.
      const ping = setInterval(() => (Date.now() - heard > 60000 ? (kill(), end()) : ws.readyState === 1 && ws.send('{"type":"ping"}')), 25000);
      this._conn = { close: kill, send: (data) => ws.readyState === 1 && (ws.send(JSON.stringify(data)), true) };
      ws.onmessage = (e) => {
        heard = Date.now();
        let data;
        try {
          data = JSON.parse(e.data);
        } catch {
          return;
        }
        frame(data.type, data);
      };
      ws.onclose = () => (clearInterval(ping), end());
    } else {
      // EventSource would reconnect by itself, without backoff and with a stale token: closed and reopened here instead.
      const es = new EventSource(`${this.url}/v1/me/stream${query}`);
      this._conn = { close: () => es.close() };
      for (const type of ["notification", "message", "unread", "typing", "receipt", "ready"]) es.addEventListener(type, (e) => frame(type, JSON.parse(e.data)));
      es.onerror = () => (es.close(), end());
    }
  }

  _ready(name) {
    this._attempt = 0;
    this._set("open", name);
    if (name !== "poll") this._refreshUnread();
    for (const topic of this._joined) this._catchUp(topic).catch((error) => this._emit("error", error));
  }

  async _poll(gen, fail) {
    try {
      for (let after = this.cursor, page; after != null; after = page.items.length ? page.next : null) {
        page = await this._fetch("GET", `/v1/me/notifications?after=${after}&limit=200`);
        if (gen !== this._gen) return;
        page.items.forEach((item) => this._item(item));
      }
      this._refreshUnread();
    } catch (error) {
      if (gen !== this._gen) return;
      if (this.state !== "open") return fail(error);
      this._emit("error", error);
      this._set("reconnecting", null);
      return this._later(gen, () => this._start(0));
    }
    if (this.state !== "open") this._ready("poll");
    this._timer = setTimeout(() => this._poll(gen, fail), this.options.pollInterval);
  }

  _frame(type, data) {
    if (type === "notification" || type === "message") this._item(data);
    else if (type === "unread") this._unread(data.count);
    else if (type === "typing" && data.subscriber?.id !== this.me) this._emit("typing", data);
    else if (type === "receipt") {
      const list = this._rooms.get(data.topic) ?? [];
      const m = list[findMessage(list, data.messageId, data.clientMessageId)];
      if (m) this._emit("message", upsertMessage(list, { id: m.id, clientMessageId: m.clientMessageId, status: data.status }));
      this._emit("receipt", data);
    }
  }

  _item(item) {
    this.cursor = advance(this.cursor, item.seq);
    if (!this._seen.add(item.id)) return;
    if (item.type === "message") this._message(item);
    else this._emit("notification", this.notifications[this.notifications.push(item) - 1]);
  }

  _message(m) {
    const mine = (this.me != null && m.sender?.id === this.me) || this._mine.has(m.clientMessageId);
    return this._emit("message", upsertMessage(this._room(m.topic), { ...m, type: "message", status: mine ? (m.status ?? "sent") : m.status }));
  }

  _room(topic) {
    if (!this._rooms.has(topic)) this._rooms.set(topic, []);
    return this._rooms.get(topic);
  }

  _unread(count) {
    this._unreadV++;
    this._emit("unread", (this.unreadCount = count));
  }

  async _refreshUnread() {
    const v = this._unreadV;
    try {
      const { count } = await this._fetch("GET", "/v1/me/unread-count");
      // A count pushed meanwhile is newer than this answer.
      if (v === this._unreadV) this._unread(count);
    } catch (error) {
      this._emit("error", error);
    }
  }

  async _token(fresh) {
    const { token, getToken } = this.options;
    if (getToken && (fresh || !this._tok)) this._tok = await getToken();
    const t = getToken ? this._tok : token;
    this.me ??= subjectOf(t);
    return t;
  }

  async _fetch(method, path, body) {
    for (let again = false; ; again = true) {
      const res = await fetch(this.url + path, {
        method,
        headers: { authorization: `Bearer ${await this._token(again)}`, ...(body && { "content-type": "application/json" }) },
        body: body && JSON.stringify(body),
      });
      if (res.status === 401 && !again && this.options.getToken) continue;
      if (res.ok) return res.status === 204 ? null : res.json();
      const error = Object.assign(new Error(`${method} ${path} answered ${res.status}`), { status: res.status });
      error.problem = await res.json().catch(() => undefined);
      throw error;
    }
  }

  async _mark(id, what) {
    const state = await this._fetch("POST", `/v1/me/notifications/${enc(id)}/${what}`);
    const m = [this.notifications, ...this._rooms.values()].map((l) => l.find((x) => x.id === id)).find(Boolean);
    if (m) Object.assign(m, { seenAt: state.seenAt, readAt: state.readAt });
    if (what === "read") this._refreshUnread();
    return state;
  }

  markSeen(id) {
    return this._mark(id, "seen");
  }

  markRead(id) {
    return this._mark(id, "read");
  }

  async markAllRead() {
    const answer = await this._fetch("POST", "/v1/me/notifications/read-all");
    const now = new Date().toISOString();
    for (const n of this.notifications) n.readAt ??= now;
    await this._refreshUnread();
    return answer;
  }

  async join(topic) {
    this._joined.add(topic);
    await this._catchUp(topic);
    return this.messages(topic);
  }

  leave(topic) {
    this._joined.delete(topic);
  }

  messages(topic) {
    return [...(this._rooms.get(topic) ?? [])];
  }

  async history(topic, { before, limit = 50 } = {}) {
    const { items } = await this._fetch("GET", `/v1/me/topics/${enc(topic)}/messages?limit=${limit}${before ? `&before=${enc(before)}` : ""}`);
    for (const m of items) if (this._seen.add(m.id)) this._message(m);
    return items;
  }

  /** Pages back through the room until it meets a message it has, so a reconnect leaves no gap. */
  async _catchUp(topic) {
    const known = this.messages(topic).filter((m) => m.id).at(-1);
    for (let before, items; ; before = items[0].createdAt) {
      items = await this.history(topic, { before, limit: 100 });
      if (!known || items.length < 100 || items[0].createdAt <= known.createdAt) return;
    }
  }

  /** Shows the message at once as `sending`; the server's copy (201 or stream, whichever is first) replaces it. */
  async send(topic, body, data) {
    const clientMessageId = uid();
    this._mine.add(clientMessageId);
    const room = this._room(topic);
    const sender = { id: this.me ?? null, name: null };
    this._emit("message", upsertMessage(room, { id: null, type: "message", topic, clientMessageId, body, data: data ?? {}, sender, createdAt: new Date().toISOString(), status: "sending" }));
    // Retries reuse the clientMessageId, which the server answers with the same message.
    for (let attempt = 0; ; attempt++) {
      try {
        const m = await this._fetch("POST", `/v1/me/topics/${enc(topic)}/messages`, { clientMessageId, body, ...(data && { data }) });
        this._seen.add(m.id);
        return this._message({ ...m, status: "sent" });
      } catch (error) {
        if ((error.status < 500 && error.status !== 429) || attempt >= 5) {
          this._emit("message", upsertMessage(room, { clientMessageId, status: "failed", error: error.message }));
          throw error;
        }
        await new Promise((r) => setTimeout(r, backoff(attempt, 500, 8000)));
      }
    }
  }

  typing(topic) {
    const now = Date.now();
    if (now - (this._typed.get(topic) ?? -1e4) < 1000) return false;
    this._typed.set(topic, now);
    if (!this._conn?.send?.({ type: "typing", topic })) this._fetch("POST", `/v1/me/topics/${enc(topic)}/typing`).catch((error) => this._emit("error", error));
    return true;
  }
}
