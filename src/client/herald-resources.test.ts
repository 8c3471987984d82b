/** The SDK's inbox calls, unread counts, room-message outbox and reconnect timing, against scripted browser surfaces. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { API_VERSION, Herald } from "./herald.js";
import { FakeSocket, item, json, memoryStorage, tick, tokenFor } from "../../tests/support/sdk-fakes.js";

describe("the inbox API", () => {
  afterEach(() => vi.unstubAllGlobals());

  function recording(answer: (method: string, url: string) => unknown) {
    const calls: string[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${url}${init.body ? ` ${init.body}` : ""}`);
      return json(answer(init.method!, url));
    });
    return calls;
  }

  it("lists by cursor with filters, archives, marks unread, and says how many markAllRead marked", async () => {
    const calls = recording((method, url) =>
      url.includes("read-all") ? { marked: 3, count: 1 } : url.includes("unread-count") ? { count: 1, notifications: 0, rooms: { "ticket:1": 1 } } : method === "POST" ? { id: "n1", seenAt: "s", readAt: null, archivedAt: "a" } : { items: [], next: null, head: 7 },
    );
    const herald = new Herald({ url: "http://h", token: "t", storage: memoryStorage() });
    expect(await herald.notifications.list({ before: 40, limit: 10, unread: true, archived: false })).toEqual({ items: [], next: null, head: 7 });
    await herald.notifications.list({ after: 3, type: "all" });
    await herald.notifications.archive("n1");
    await herald.notifications.unarchive("n1");
    await herald.notifications.markUnread("n1");
    expect(await herald.notifications.markAllRead()).toBe(3);
    expect(await herald.markAllRead()).toBe(3);
    expect(calls.slice(0, 7)).toEqual([
      "GET http://h/v1/me/notifications?before=40&limit=10&type=notification&unread=true&archived=false",
      "GET http://h/v1/me/notifications?after=3&limit=20",
      "POST http://h/v1/me/notifications/n1/archive",
      "POST http://h/v1/me/notifications/n1/unarchive",
      "POST http://h/v1/me/notifications/n1/unread",
      "POST http://h/v1/me/notifications/read-all?type=notification",
      "POST http://h/v1/me/notifications/read-all",
    ]);
    // Herald keeps a plain array behaviour for what it received.
    expect(Array.isArray(herald.notifications) && herald.notifications.map((n) => n.id)).toEqual([]);
    await vi.waitFor(() => expect(herald.counts).toEqual({ count: 1, notifications: 0, rooms: { "ticket:1": 1 } }));
  });

  it("reads and patches preferences and lists rooms with their unread counts", async () => {
    const calls = recording((method, url) => (url.endsWith("/topics") ? { items: [{ key: "ticket:1", name: null, allowMessages: true, unread: 2 }] } : method === "PATCH" ? { channels: { sms: false } } : {}));
    const herald = new Herald({ url: "http://h", token: "t", storage: memoryStorage() });
    expect(await herald.preferences.patch({ channels: { sms: false } })).toEqual({ channels: { sms: false } });
    await herald.preferences.get();
    await herald.preferences.options();
    expect(await herald.rooms.list()).toEqual([{ key: "ticket:1", name: null, allowMessages: true, unread: 2 }]);
    expect(herald.rooms.unread("ticket:1")).toBe(2);
    expect(calls).toEqual([
      'PATCH http://h/v1/me/preferences {"channels":{"sms":false}}',
      "GET http://h/v1/me/preferences",
      "GET http://h/v1/me/preferences/options",
      "GET http://h/v1/me/topics",
    ]);
    expect(API_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("unread counts", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    FakeSocket.all = [];
  });

  it("emits unread once per change when marking read (the pushed count and the refreshed one agree)", async () => {
    let count = 2;
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal("fetch", async (url: string) => {
      if (url.endsWith("/read")) count = 1;
      return json(url.includes("unread-count") ? { count, notifications: count, rooms: {} } : { id: "ntf_1", seenAt: "x", readAt: "y", archivedAt: null });
    });
    const herald = new Herald({ url: "http://h", token: "t", storage: memoryStorage() });
    const unread: number[] = [];
    herald.on("unread", (n) => unread.push(n));
    herald.connect();
    await tick();
    const ws = FakeSocket.all[0]!;
    ws.feed({ type: "ready", after: 0 });
    await vi.waitFor(() => expect(unread).toEqual([2]));
    const read = herald.markRead("ntf_1");
    ws.feed({ type: "unread", count: 1 });
    await read;
    await new Promise((r) => setTimeout(r, 120));
    expect(unread).toEqual([2, 1]);
    herald.close();
  });

  it("counts live items per room and as notifications, and asks the server when a pushed total does not add up", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const asked: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => {
      asked.push(url);
      return json({ count: 5, notifications: 2, rooms: { "ticket:9": 3 } });
    });
    const herald = new Herald({ url: "http://h", token: tokenFor("me"), storage: memoryStorage() });
    herald.connect();
    await tick();
    const ws = FakeSocket.all[0]!;
    ws.feed({ type: "ready", after: 0 });
    await vi.waitFor(() => expect(herald.counts.count).toBe(5));
    ws.feed({ ...item(1), readAt: null });
    ws.feed({ type: "message", id: "m1", seq: 2, topic: "ticket:9", body: "hi", sender: { id: "op", name: "Op" }, clientMessageId: "x", createdAt: "2026-01-01T00:00:00.000Z", readAt: null });
    ws.feed({ type: "message", id: "m2", seq: 3, topic: "ticket:9", body: "mine", sender: { id: "me", name: "Me" }, clientMessageId: "y", createdAt: "2026-01-01T00:00:01.000Z", readAt: null });
    ws.feed({ type: "unread", count: 7 });
    expect(herald.counts).toEqual({ count: 7, notifications: 3, rooms: { "ticket:9": 4 } });
    await new Promise((r) => setTimeout(r, 100));
    expect(asked).toHaveLength(1);
    // Another tab read something: the total drops without a local reason, so the breakdown is fetched.
    ws.feed({ type: "unread", count: 6 });
    await vi.waitFor(() => expect(asked).toHaveLength(2));
    herald.close();
  });
});

describe("the outbox", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    FakeSocket.all = [];
  });

  /** A server that is down until `up` is set; every post it takes is recorded (and de-duplicated by clientMessageId, as Herald does). */
  function server() {
    const state = { up: false, posted: [] as { clientMessageId: string; body: string }[], refuse: new Set<string>() };
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      if (!state.up) throw new TypeError("Failed to fetch");
      if (url.includes("/messages") && init.method === "POST") {
        const body = JSON.parse(String(init.body));
        if (state.refuse.has(body.body)) return json({ title: "refused" }, 403);
        if (!state.posted.some((p) => p.clientMessageId === body.clientMessageId)) state.posted.push(body);
        return json({ id: `msg_${body.clientMessageId}`, topic: "ticket:1", clientMessageId: body.clientMessageId, body: body.body, data: {}, sender: { id: "kate", name: "Kate" }, createdAt: new Date().toISOString(), status: "sent", deliveredAt: null, readAt: null }, 201);
      }
      return json(url.includes("unread-count") ? { count: 0, notifications: 0, rooms: {} } : { items: [] });
    });
    return state;
  }

  it("keeps messages typed while Herald is down as pending, across a reload, and sends them once, in order, when it is back", async () => {
    const srv = server();
    const store = memoryStorage();
    const first = new Herald({ url: "http://h", token: tokenFor("kate"), storage: store, backoffBase: 1, backoffCap: 2 });
    first.connect();
    await tick();
    FakeSocket.all.at(-1)!.close();
    const statuses: string[] = [];
    first.on("message", (m) => statuses.push(`${m.body}:${m.status}`));
    void first.send("ticket:1", "one").catch(() => {});
    void first.send("ticket:1", "two").catch(() => {});
    await tick();
    expect(first.messages("ticket:1").map((m) => [m.body, m.status])).toEqual([
      ["one", "pending"],
      ["two", "pending"],
    ]);
    expect(JSON.parse([...store.data.values()][0]!).map((e: { body: string }) => e.body)).toEqual(["one", "two"]);
    first.close();

    // The page is reloaded while the server is still down: the messages are there, still waiting.
    const second = new Herald({ url: "http://h", token: tokenFor("kate"), storage: store, backoffBase: 1, backoffCap: 2 });
    const shown: string[] = [];
    second.on("message", (m) => shown.push(`${m.body}:${m.status}`));
    second.connect();
    expect(shown).toEqual(["one:pending", "two:pending"]);
    srv.up = true;
    await tick();
    FakeSocket.all.at(-1)!.feed({ type: "ready", after: 0 });
    await vi.waitFor(() => expect(second.messages("ticket:1").map((m) => m.status)).toEqual(["sent", "sent"]));
    expect(srv.posted.map((p) => p.body)).toEqual(["one", "two"]);
    expect(store.data.size).toBe(0);
    second.close();
  });

  it("marks a refused message failed, goes on with the next, and sends it on a manual retry; discard drops one", async () => {
    const srv = server();
    srv.up = true;
    srv.refuse.add("bad");
    const herald = new Herald({ url: "http://h", token: tokenFor("kate"), storage: memoryStorage() });
    herald.connect();
    await tick();
    FakeSocket.all.at(-1)!.feed({ type: "ready", after: 0 });
    await expect(herald.send("ticket:1", "bad")).rejects.toMatchObject({ status: 403 });
    await herald.send("ticket:1", "good");
    const failed = herald.messages("ticket:1").find((m) => m.body === "bad")!;
    expect(failed.status).toBe("failed");
    srv.refuse.clear();
    expect(herald.retry(failed.key)).toBe(true);
    await vi.waitFor(() => expect(herald.messages("ticket:1").find((m) => m.key === failed.key)!.status).toBe("sent"));
    expect(srv.posted.map((p) => p.body)).toEqual(["good", "bad"]);
    srv.refuse.add("worse");
    await herald.send("ticket:1", "worse").catch(() => {});
    const worse = herald.messages("ticket:1").find((m) => m.body === "worse")!;
    expect(herald.discard(worse.key)).toBe(true);
    expect(herald.messages("ticket:1").some((m) => m.body === "worse")).toBe(false);
    expect(herald.retry(worse.key)).toBe(false);
    herald.close();
  });
});

describe("reconnecting", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    FakeSocket.all = [];
  });

  it("tries again at once when the tab becomes visible or the browser goes online, not after the backoff", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal("EventSource", undefined);
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("Failed to fetch");
    });
    const listeners = new Map<string, () => void>();
    vi.stubGlobal("document", { visibilityState: "hidden", addEventListener: (t: string, fn: () => void) => listeners.set(t, fn), removeEventListener() {} });
    vi.stubGlobal("addEventListener", (t: string, fn: () => void) => listeners.set(t, fn));
    vi.stubGlobal("removeEventListener", () => {});
    const herald = new Herald({ url: "http://h", token: "t", transports: ["ws"], backoffBase: 60_000, backoffCap: 60_000, hiddenBackoffCap: 60_000 });
    herald.connect();
    await tick();
    FakeSocket.all[0]!.close();
    await tick();
    expect(herald.state).toBe("reconnecting");
    expect(FakeSocket.all).toHaveLength(1);
    (globalThis.document as { visibilityState: string }).visibilityState = "visible";
    listeners.get("visibilitychange")!();
    await tick();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.close();
    await tick();
    listeners.get("online")!();
    await tick();
    expect(FakeSocket.all).toHaveLength(3);
    herald.close();
  });

  it("uses a renewed token for the next connection", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal("fetch", async () => json({}));
    const herald = new Herald({ url: "http://h", token: "old", transports: ["ws"], backoffBase: 60_000, backoffCap: 60_000, storage: memoryStorage() });
    herald.connect();
    await tick();
    FakeSocket.all[0]!.close();
    await tick();
    herald.setToken("new");
    await tick();
    expect(FakeSocket.all.at(-1)!.url).toBe("ws://h/v1/me/ws?after=0&token=new");
    herald.close();
  });
});
