/**
 * Herald browser SDK (protocol: docs/realtime.md; types and docs: herald.d.ts). Dependency-free:
 * Herald serves this very file at /sdk/herald.js (and the modules beside it), with no bundler in
 * between; the npm package `herald-sdk` ships the same files.
 * @example
 *   const herald = new Herald({ url: "https://notify.shop.example", token }).connect();
 *   herald.on("unread", (count) => (badge.textContent = count));
 */

import { advance, backoff, createDedup, findMessage, subjectOf, upsertMessage } from "./helpers.js";
import { keyBytes, webPush } from "./push.js";
import { NotificationList, preferencesApi, profile, roomsApi } from "./resources.js";
import { roomHistory } from "./room-history.js";
import { sending } from "./sending.js";

export { advance, backoff, createDedup, findMessage, keyBytes, upsertMessage };

/** The server API this SDK speaks (OpenAPI `info.version`); the npm package carries the same version. */
export const API_VERSION = "1.0.0";

const enc = encodeURIComponent;
const sumRooms = (rooms) => Object.values(rooms).reduce((a, b) => a + b, 0);

export class Herald {
  constructor(options) {
    this.options = { transports: ["ws", "sse", "poll"], pollInterval: 30000, backoffBase: 250, backoffCap: 1000, hiddenBackoffCap: 30000, ...options };
    this.url = (options.url ?? "").replace(/\/$/, "");
    this.me = options.subscriberId;
    this.cursor = options.after ?? 0;
    this.unreadCount = 0;
    this.counts = { count: 0, notifications: 0, rooms: {} };
    this.state = "offline";
    this.transport = null;
    this.notifications = NotificationList.of(this);
    this.rooms = roomsApi(this);
    this.preferences = preferencesApi(this);
    this._rooms = new Map();
    this._joined = new Set();
    this._mine = new Set();
    this._typed = new Map();
    this._waiting = new Map();
    this._seen = createDedup();
    this._fns = {};
    this._gen = this._attempt = this._unreadV = this._flushAttempt = this._upgrades = 0;
    // The browser says the network is back, or the page is looked at again: try now, not after the backoff.
    this._wake = () => this._running && this.state !== "open" && this._start(0);
    this._visible = () => globalThis.document?.visibilityState === "visible" && this._wake();
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
    globalThis.addEventListener?.("online", this._wake);
    globalThis.document?.addEventListener?.("visibilitychange", this._visible);
    this._set("connecting", null);
    this._restoreOutbox();
    this._start(0);
    return this;
  }

  close() {
    this._running = false;
    this._gen++;
    this._drop();
    clearTimeout(this._flushTimer);
    globalThis.removeEventListener?.("online", this._wake);
    globalThis.document?.removeEventListener?.("visibilitychange", this._visible);
    this._set("offline", null);
  }

  /** A new token (the old one expires): used from the next request on, and a stream that is down retries now. */
  setToken(token) {
    this.options.token = token;
    this._tok = undefined;
    this._wake();
    this._flush();
  }

  _drop() {
    clearTimeout(this._timer);
    this._conn?.close();
    this._conn = null;
  }

  _later(gen, fn) {
    // A hidden tab has no one watching: it probes rarely and catches up the moment it is shown.
    const cap = globalThis.document?.visibilityState === "hidden" ? this.options.hiddenBackoffCap : this.options.backoffCap;
    this._timer = setTimeout(() => gen === this._gen && fn(), backoff(this._attempt++, this.options.backoffBase, cap));
  }

  /** Tries allowed transport `index`; one that ends before carrying anything gives way to the next. A failed round waits, then starts over. */
  async _start(index, fresh = false, upgrading = false) {
    if (!this._running) return;
    const gen = ++this._gen;
    this._drop();
    const name = this.options.transports.filter((t) => t === "poll" || globalThis[t === "ws" ? "WebSocket" : "EventSource"])[index];
    const fail = (error) => gen === this._gen && (error && this._emit("error", error), this._start(index + 1, false, upgrading));
    if (!name) {
      this._set(globalThis.navigator?.onLine === false ? "offline" : "reconnecting", null);
      return this._later(gen, () => this._start(0, true));
    }
    // Trying to leave polling for a live transport: polling still counts as open meanwhile.
    if (!upgrading) this._set(this.state === "connecting" ? "connecting" : "reconnecting", name);
    let token;
    try {
      token = await this._token(fresh);
    } catch (error) {
      return fail(error);
    }
    if (gen !== this._gen) return;
    this._restoreOutbox();
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
    // A proxy that holds a live transport open without passing anything would stop the polling it replaces.
    if (upgrading) this._timer = setTimeout(() => gen === this._gen && !worked && (this._drop(), fail()), 10000);
  }

  _ready(name) {
    this._attempt = 0;
    if (name !== "poll") this._upgrades = 0;
    this._set("open", name);
    if (name !== "poll") this._countsSoon(0);
    for (const topic of this._joined) this._catchUp(topic).catch((error) => this._emit("error", error));
    this._flush();
  }

  async _poll(gen, fail) {
    try {
      for (let after = this.cursor, page; after != null; after = page.items.length ? page.next : null) {
        page = await this._fetch("GET", `/v1/me/notifications?after=${after}&limit=200`);
        if (gen !== this._gen) return;
        page.items.forEach((item) => this._item(item));
      }
      this._countsSoon(0);
    } catch (error) {
      if (gen !== this._gen) return;
      if (this.state !== "open") return fail(error);
      this._emit("error", error);
      this._set("reconnecting", null);
      return this._later(gen, () => this._start(0));
    }
    if (this.state !== "open") this._ready("poll");
    // Polling as a fallback tries the live transports again first (they may have failed only during
    // a restart): soon at first (backoffCap, doubling), then every pollInterval.
    const { pollInterval, backoffCap, transports } = this.options;
    const fallback = transports[0] !== "poll";
    const wait = fallback ? Math.min(pollInterval, backoffCap * 2 ** this._upgrades++) : pollInterval;
    this._timer = setTimeout(() => gen === this._gen && (fallback ? this._start(0, false, true) : this._poll(gen, fail)), wait);
  }

  _frame(type, data) {
    if (type === "notification" || type === "message") this._item(data, this.state === "open");
    else if (type === "unread") this._unread(data.count);
    else if (type === "typing" && data.subscriber?.id !== this.me) this._emit("typing", data);
    else if (type === "receipt") {
      const list = this._rooms.get(data.topic) ?? [];
      const m = list[findMessage(list, data.messageId, data.clientMessageId)];
      if (m) this._emit("message", upsertMessage(list, { id: m.id, clientMessageId: m.clientMessageId, status: data.status }));
      this._emit("receipt", data);
    }
  }

  /** A stream item; `live` ones (after ready) also move the per-kind counts, which the next unread frame confirms. */
  _item(item, live = false) {
    this.cursor = advance(this.cursor, item.seq);
    if (!this._seen.add(item.id)) return;
    const own = item.type === "message" && this._isMine(item);
    if (live && !item.readAt && !own) {
      const rooms = item.type === "message" && item.topic ? { ...this.counts.rooms, [item.topic]: (this.counts.rooms[item.topic] ?? 0) + 1 } : this.counts.rooms;
      this._setCounts({ notifications: this.counts.notifications + (item.type === "notification" ? 1 : 0), rooms });
    }
    if (item.type === "message") this._message(item);
    else this._emit("notification", this.notifications[this.notifications.push(item) - 1]);
  }

  _isMine(m) {
    return (this.me != null && m.sender?.id === this.me) || this._mine.has(m.clientMessageId);
  }

  _message(m) {
    // A status belongs to one's own messages only (history reports one for every message).
    const status = this._isMine(m) ? (m.status ?? "sent") : undefined;
    return this._emit("message", upsertMessage(this._room(m.topic), { ...m, type: "message", status }));
  }

  _room(topic) {
    if (!this._rooms.has(topic)) this._rooms.set(topic, []);
    return this._rooms.get(topic);
  }

  /** The total from an unread frame: emitted once per change; a total the per-kind counts do not add up to asks the server for them. */
  _unread(count) {
    this._unreadV++;
    if (count !== this.unreadCount) this._emit("unread", (this.unreadCount = count));
    this._setCounts({ count });
    if (count !== this.counts.notifications + sumRooms(this.counts.rooms)) this._countsSoon();
  }

  _setCounts(partial) {
    const next = { ...this.counts, ...partial };
    if (JSON.stringify(next) !== JSON.stringify(this.counts)) this._emit("counts", (this.counts = next));
  }

  /** Fetches the counts once, shortly (several reasons in a burst make one request). */
  _countsSoon(delay = 50) {
    if (this._countsTimer) return;
    this._countsTimer = setTimeout(() => {
      this._countsTimer = null;
      this._refreshCounts();
    }, delay);
  }

  async _refreshCounts() {
    const v = this._unreadV;
    try {
      const { count, notifications = 0, rooms = {} } = await this._fetch("GET", "/v1/me/unread-count");
      // A count pushed meanwhile is newer than this answer: keep it, and ask again if they disagree.
      if (v !== this._unreadV) return this._setCounts({ notifications, rooms }), this._unread(this.unreadCount);
      if (count !== this.unreadCount) this._emit("unread", (this.unreadCount = count));
      this._setCounts({ count, notifications, rooms });
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

  /** seen, read, unread, archive, unarchive: updates the item here and tells listeners (`update`). */
  async _mark(id, what) {
    const state = await this._fetch("POST", `/v1/me/notifications/${enc(id)}/${what}`);
    const m = [this.notifications, ...this._rooms.values()].map((l) => l.find((x) => x.id === id)).find(Boolean);
    const { id: _, ...fields } = state;
    if (m) Object.assign(m, fields);
    this._emit("update", state);
    if (what !== "seen") this._countsSoon();
    return state;
  }

  /** `{id, name, locale, timezone}` of the subscriber. */
  profile() {
    return profile(this);
  }

  markSeen(id) {
    return this._mark(id, "seen");
  }

  markRead(id) {
    return this._mark(id, "read");
  }

  async _markAll(type) {
    const { marked } = await this._fetch("POST", `/v1/me/notifications/read-all${type ? `?type=${type}` : ""}`);
    const now = new Date().toISOString();
    for (const n of type === "message" ? [] : this.notifications) n.readAt ??= now;
    if (type !== "notification") for (const list of this._rooms.values()) for (const m of list) if (m.id && !m.status) m.readAt ??= now;
    this._countsSoon(0);
    return marked;
  }

  /** Marks everything read, room messages included; resolves to how many it marked. */
  markAllRead() {
    return this._markAll();
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

  typing(topic) {
    const now = Date.now();
    if (now - (this._typed.get(topic) ?? -1e4) < 1000) return false;
    this._typed.set(topic, now);
    if (!this._conn?.send?.({ type: "typing", topic })) this._fetch("POST", `/v1/me/topics/${enc(topic)}/typing`).catch((error) => this._emit("error", error));
    return true;
  }
}

// Sending room messages through the outbox: send, retry, discard (./sending.js); room history and
// the catch-up after a reconnect (./room-history.js).
Object.assign(Herald.prototype, sending, roomHistory);
