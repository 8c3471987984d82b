import { afterEach, describe, expect, it, vi } from "vitest";
import { advance, backoff, createDedup, Herald, upsertMessage } from "./herald.js";
import type { HeraldOptions, RoomMessage } from "./herald.js";
import { FakeEventSource, FakeSocket, item, json, memoryStorage, tick } from "../../tests/support/sdk-fakes.js";

describe("backoff", () => {
  it("draws an equal-jitter delay: half of min(cap, base·2^attempt) plus a random half", () => {
    expect(backoff(0, 1000, 30000, () => 0)).toBe(500);
    expect(backoff(0, 1000, 30000, () => 0.999)).toBe(999);
    expect(backoff(3, 1000, 30000, () => 0.5)).toBe(6000);
    expect(backoff(10, 1000, 30000, () => 0.999)).toBe(29985);
    expect(backoff(5000, 1000, 30000, () => 0)).toBe(15000);
  });

  it("by default waits between half a second and a second once past the first tries, so a client is back within a second of the server", () => {
    const delays = Array.from({ length: 2000 }, (_, i) => backoff(2 + (i % 20)));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThan(1000);
    expect(Math.max(...Array.from({ length: 200 }, () => backoff(0)))).toBeLessThan(250);
  });
});

describe("de-duplication and cursor", () => {
  it("accepts an id once and forgets the oldest past its limit", () => {
    const seen = createDedup(2);
    expect([seen.add("a"), seen.add("a"), seen.add("b"), seen.add("c")]).toEqual([true, false, true, true]);
    expect(seen.has("a")).toBe(false);
    expect(seen.has("c")).toBe(true);
  });

  it("keeps the highest seq as the cursor", () => {
    expect([5, 3, 9, undefined].reduce<number>((c, s) => advance(c, s), 0)).toBe(9);
  });
});

const server = (clientMessageId: string, over: Partial<RoomMessage> = {}): Partial<RoomMessage> => ({
  id: "msg_1",
  topic: "ticket:1",
  clientMessageId,
  body: "hi",
  createdAt: "2026-01-01T00:00:01.000Z",
  ...over,
});

describe("optimistic reconciliation", () => {
  const pending = (list: RoomMessage[]) =>
    upsertMessage(list, { id: null, clientMessageId: "c-1", topic: "ticket:1", body: "hi", createdAt: "2026-01-01T00:00:02.000Z", status: "sending" });

  it("replaces the sending copy with the server's message, keeping its key", () => {
    const list: RoomMessage[] = [];
    pending(list);
    const stored = upsertMessage(list, { ...server("c-1"), status: "sent" });
    expect(list).toHaveLength(1);
    expect(stored).toMatchObject({ key: "c-1", id: "msg_1", status: "sent" });
  });

  it("never shows a message twice when the stream and the 201 both bring it, and never lowers the status", () => {
    const list: RoomMessage[] = [];
    pending(list);
    upsertMessage(list, { ...server("c-1"), status: "sent" });
    upsertMessage(list, { id: "msg_1", status: "read" });
    upsertMessage(list, { ...server("c-1"), status: "sent" });
    expect(list).toHaveLength(1);
    expect(list[0]!.status).toBe("read");
  });

  it("orders by server time once reconciled and lets a failed send be retried", () => {
    const list: RoomMessage[] = [];
    pending(list);
    upsertMessage(list, server("c-0", { id: "msg_0", createdAt: "2026-01-01T00:00:01.500Z" }));
    expect(list.map((m) => m.key)).toEqual(["c-0", "c-1"]);
    upsertMessage(list, { clientMessageId: "c-1", status: "failed" });
    expect(list[1]!.status).toBe("failed");
    upsertMessage(list, { ...server("c-1"), status: "sent" });
    expect(list.map((m) => m.key)).toEqual(["c-1", "c-0"]);
  });
});


let storage = memoryStorage();

describe("Herald connection", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    FakeSocket.all = [];
    FakeEventSource.all = [];
  });

  function setup(routes: (url: string, init: RequestInit) => Response | undefined = () => undefined, options: Partial<HeraldOptions> = {}) {
    const calls: string[] = [];
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal("EventSource", FakeEventSource);
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${url}`);
      return routes(url, init) ?? (url.includes("unread-count") ? json({ count: 0, notifications: 0, rooms: {} }) : json({ items: [], next: null }));
    });
    storage = memoryStorage();
    const herald = new Herald({ url: "http://h", token: "t", backoffBase: 1, backoffCap: 2, pollInterval: 20, storage, ...options });
    const states: string[] = [];
    herald.on("state", (s: { state: string; transport: string | null }) => states.push(`${s.state}:${s.transport}`));
    return { herald, calls, states };
  }

  it("falls back from WebSocket to SSE to polling when each fails before ready", async () => {
    const { herald, calls, states } = setup();
    herald.connect();
    await tick();
    FakeSocket.all[0]!.close();
    await tick();
    expect(FakeEventSource.all[0]!.url).toBe("http://h/v1/me/stream?after=0&token=t");
    FakeEventSource.all[0]!.onerror!();
    await tick();
    expect(calls).toContain("GET http://h/v1/me/notifications?after=0&limit=200");
    expect(herald.state).toBe("open");
    expect(herald.transport).toBe("poll");
    expect(states).toEqual(["connecting:null", "connecting:ws", "connecting:sse", "connecting:poll", "open:poll"]);
    herald.close();
  });

  it("leaves fallback polling for the WebSocket once it works again, trying soon at first and staying open meanwhile", async () => {
    vi.useFakeTimers();
    try {
      const { herald, calls, states } = setup(undefined, { backoffCap: 1000, pollInterval: 30000 });
      const polls = () => calls.filter((c) => c.includes("/v1/me/notifications?")).length;
      herald.connect();
      await vi.advanceTimersByTimeAsync(0);
      // A restarting server: the live transports fail, a poll gets through.
      FakeSocket.all[0]!.close();
      await vi.advanceTimersByTimeAsync(0);
      FakeEventSource.all[0]!.onerror!();
      await vi.advanceTimersByTimeAsync(0);
      expect(herald.transport).toBe("poll");
      expect(polls()).toBe(1);
      // Still failing at the first retry (after 1 s): the client polls and stays open.
      await vi.advanceTimersByTimeAsync(1000);
      expect(FakeSocket.all).toHaveLength(2);
      FakeSocket.all[1]!.close();
      await vi.advanceTimersByTimeAsync(0);
      FakeEventSource.all[1]!.onerror!();
      await vi.advanceTimersByTimeAsync(0);
      expect(polls()).toBe(2);
      // The next try comes 2 s later, well before the 30 s poll period, and now the socket works.
      await vi.advanceTimersByTimeAsync(1999);
      expect(FakeSocket.all).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(FakeSocket.all[2]!.url).toBe("ws://h/v1/me/ws?after=0&token=t");
      FakeSocket.all[2]!.feed({ type: "ready", after: 0 });
      expect(herald.transport).toBe("ws");
      expect(states).toEqual(["connecting:null", "connecting:ws", "connecting:sse", "connecting:poll", "open:poll", "open:ws"]);
      herald.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("polls only at the poll period when polling comes first", async () => {
    vi.useFakeTimers();
    try {
      const { herald, calls } = setup(undefined, { transports: ["poll", "ws"], backoffCap: 1000, pollInterval: 30000 });
      herald.connect();
      await vi.advanceTimersByTimeAsync(29_999);
      expect(calls.filter((c) => c.includes("/v1/me/notifications?"))).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls.filter((c) => c.includes("/v1/me/notifications?"))).toHaveLength(2);
      expect(FakeSocket.all).toHaveLength(0);
      herald.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("reconnects over WebSocket, not SSE, when a socket that carried items drops before ready", async () => {
    const { herald } = setup();
    herald.connect();
    await tick();
    FakeSocket.all[0]!.feed(item(1));
    FakeSocket.all[0]!.close();
    await tick();
    expect(FakeEventSource.all).toHaveLength(0);
    expect(FakeSocket.all[1]!.url).toBe("ws://h/v1/me/ws?after=1&token=t");
    herald.close();
  });

  it("resumes from the last seq after a drop and shows each item once", async () => {
    const { herald } = setup();
    const seen: string[] = [];
    herald.on("notification", (n: { id: string }) => seen.push(n.id));
    herald.connect();
    await tick();
    const first = FakeSocket.all[0]!;
    first.feed(item(1));
    first.feed(item(2));
    first.feed({ type: "ready", after: 2 });
    first.close();
    await tick();
    const second = FakeSocket.all[1]!;
    expect(second.url).toBe("ws://h/v1/me/ws?after=2&token=t");
    // A replay of seq 2 (e.g. from another path) is dropped by id.
    second.feed(item(2));
    second.feed(item(3));
    second.feed({ type: "ready", after: 3 });
    expect(seen).toEqual(["ntf_1", "ntf_2", "ntf_3"]);
    herald.close();
  });

  it("catches up on a room page by page from the oldest message it got, so messages of one millisecond are not skipped", async () => {
    const at = "2026-12-06T10:00:00.000Z";
    const message = (n: number) => ({ id: `msg_${n}`, topic: "r", sender: { id: "ops", name: "Ops" }, body: `m${n}`, createdAt: at, clientMessageId: null, data: null });
    let room = [message(0)];
    const { herald, calls } = setup((url) => {
      if (!url.includes("/v1/me/topics/r/messages")) return undefined;
      // The server's order: storage order within a millisecond; `before` is by time, `beforeMessage` by message.
      const query = new URL(url).searchParams;
      const limit = Number(query.get("limit"));
      const end = query.has("beforeMessage") ? room.findIndex((m) => m.id === query.get("beforeMessage")) : room.filter((m) => !query.has("before") || m.createdAt < query.get("before")!).length;
      return json({ items: room.slice(Math.max(0, end - limit), end) });
    });
    await herald.join("r");
    // 230 system messages in the same millisecond as the one it has, then a catch-up (as after a reconnect).
    room = Array.from({ length: 231 }, (_, n) => message(n));
    await herald.join("r");
    expect(herald.messages("r").map((m) => m.body)).toEqual(room.map((m) => m.body));
    expect(calls.filter((c) => c.includes("beforeMessage="))).toEqual(["GET http://h/v1/me/topics/r/messages?limit=100&beforeMessage=msg_131", "GET http://h/v1/me/topics/r/messages?limit=100&beforeMessage=msg_31"]);
    herald.close();
  });

  it("shows the pages a catch-up got when a later page fails, and the next catch-up fills the gap it left", async () => {
    const message = (n: number) => ({ id: `msg_${n}`, topic: "r", sender: { id: "ops", name: "Ops" }, body: `m${n}`, createdAt: new Date(Date.parse("2026-12-06T10:00:00.000Z") + n).toISOString(), clientMessageId: null, data: null });
    let room = [message(0)];
    let down = true;
    const { herald } = setup((url) => {
      if (!url.includes("/v1/me/topics/r/messages")) return undefined;
      const from = new URL(url).searchParams.get("beforeMessage");
      if (from && down) return new Response(JSON.stringify({ status: 503 }), { status: 503 });
      const end = from ? room.findIndex((m) => m.id === from) : room.length;
      return json({ items: room.slice(Math.max(0, end - 100), end) });
    });
    await herald.join("r");
    room = Array.from({ length: 150 }, (_, n) => message(n));
    await expect(herald.join("r")).rejects.toMatchObject({ status: 503 });
    expect(herald.messages("r")).toHaveLength(101);
    down = false;
    await herald.join("r");
    expect(herald.messages("r").map((m) => m.body)).toEqual(room.map((m) => m.body));
    herald.close();
  });

  it("shows a sent message once whether the stream or the 201 comes first", async () => {
    let answer: ((r: Response) => void) | undefined;
    const { herald } = setup();
    vi.stubGlobal("fetch", (url: string, init: RequestInit) =>
      url.includes("/messages") && init.method === "POST" ? new Promise<Response>((r) => (answer = r)) : Promise.resolve(json({ count: 0 })),
    );
    herald.connect();
    await tick();
    const ws = FakeSocket.all[0]!;
    ws.feed({ type: "ready", after: 0 });
    const events: Array<{ key: string; status: string }> = [];
    herald.on("message", (m: RoomMessage) => events.push({ key: m.key, status: m.status! }));
    const sent = herald.send("ticket:1", "hello");
    await tick();
    const cmid = herald.messages("ticket:1")[0]!.clientMessageId;
    ws.feed({ type: "message", id: "msg_9", seq: 1, topic: "ticket:1", body: "hello", clientMessageId: cmid, sender: { id: "cust" }, createdAt: "2026-01-01T00:00:00.000Z" });
    ws.feed({ type: "receipt", topic: "ticket:1", messageId: "msg_9", clientMessageId: cmid, status: "delivered", by: "op" });
    answer!(json({ id: "msg_9", topic: "ticket:1", clientMessageId: cmid, body: "hello", sender: { id: "cust" }, createdAt: "2026-01-01T00:00:00.000Z" }, 201));
    const message = await sent;
    expect(herald.messages("ticket:1")).toHaveLength(1);
    expect(message.status).toBe("delivered");
    expect(new Set(events.map((e) => e.key))).toEqual(new Set([cmid]));
    expect(events.map((e) => e.status)).toEqual(["sending", "sent", "delivered", "delivered"]);
    // Accepted: nothing is left waiting.
    expect(storage.data.size).toBe(0);
    herald.close();
  });

  it("waits after a round in which every transport failed, then starts over from WebSocket with a fresh token", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal("EventSource", FakeEventSource);
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("connection refused");
    });
    let tokens = 0;
    const herald = new Herald({ url: "http://h", getToken: () => `t${++tokens}`, backoffBase: 1, backoffCap: 2 });
    const errors: unknown[] = [];
    herald.on("error", (e) => errors.push(e));
    herald.connect();
    await tick();
    FakeSocket.all[0]!.close();
    await tick();
    FakeEventSource.all[0]!.onerror!();
    await tick();
    expect(herald.state).toBe("reconnecting");
    await tick();
    expect(FakeSocket.all).toHaveLength(2);
    expect(FakeSocket.all[1]!.url).toBe("ws://h/v1/me/ws?after=0&token=t2");
    expect(errors.length).toBeGreaterThan(0);
    herald.close();
    expect(herald.state).toBe("offline");
  });

  it("polls page by page, following next, and keeps a listener's error from the others", async () => {
    const pages: Record<string, unknown> = {
      "0": { items: [item(1), item(2)], next: 2 },
      "2": { items: [item(3)], next: null },
    };
    const { herald, calls } = setup((url) => {
      const after = /notifications\?after=(\d+)/.exec(url)?.[1];
      return after === undefined ? undefined : json(pages[after] ?? { items: [], next: null });
    }, { transports: ["poll"] });
    vi.stubGlobal("reportError", () => {});
    const seen: string[] = [];
    herald.on("notification", () => {
      throw new Error("a broken listener");
    });
    herald.on("notification", (n) => seen.push(n.id));
    herald.connect();
    await vi.waitFor(() => expect(seen).toEqual(["ntf_1", "ntf_2", "ntf_3"]));
    expect(calls.filter((c) => c.includes("/notifications")).slice(0, 2)).toEqual([
      "GET http://h/v1/me/notifications?after=0&limit=200",
      "GET http://h/v1/me/notifications?after=2&limit=200",
    ]);
    expect(herald.cursor).toBe(3);
    herald.close();
  });

  it("pings an open socket and gives it up after a minute of silence, then reconnects", async () => {
    vi.useFakeTimers();
    try {
      const { herald } = setup();
      herald.connect();
      await vi.advanceTimersByTimeAsync(1);
      const ws = FakeSocket.all[0]!;
      ws.feed({ type: "ready", after: 0 });
      await vi.advanceTimersByTimeAsync(25_000);
      expect(ws.sent).toEqual(['{"type":"ping"}']);
      ws.feed({ type: "pong" });
      await vi.advanceTimersByTimeAsync(50_000);
      expect(FakeSocket.all).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(40_000);
      expect(ws.readyState).toBe(3);
      expect(FakeSocket.all).toHaveLength(2);
      herald.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("asks getToken for a fresh token when the server answers 401, and retries once", async () => {
    const { calls } = setup();
    const seen: string[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      const auth = (init.headers as Record<string, string>).authorization!;
      seen.push(auth);
      return auth === "Bearer old" ? json({ title: "expired" }, 401) : json({ id: "ntf_1", seenAt: "x", readAt: "y" });
    });
    const tokens = ["old", "new"];
    const herald = new Herald({ url: "http://h", getToken: async () => tokens.shift()! });
    expect(await herald.markSeen("ntf_1")).toEqual({ id: "ntf_1", seenAt: "x", readAt: "y" });
    expect(seen).toEqual(["Bearer old", "Bearer new"]);
    expect(calls).toEqual([]);
  });

  it("throttles typing to one a second per room, over the socket when open", async () => {
    const { herald } = setup();
    herald.connect();
    await tick();
    FakeSocket.all[0]!.feed({ type: "ready", after: 0 });
    expect([herald.typing("ticket:1"), herald.typing("ticket:1"), herald.typing("ticket:2")]).toEqual([true, false, true]);
    expect(FakeSocket.all[0]!.sent).toEqual(['{"type":"typing","topic":"ticket:1"}', '{"type":"typing","topic":"ticket:2"}']);
    herald.close();
  });
});

describe("web push helpers", () => {
  it("decodes a VAPID public key to the 65-byte point pushManager.subscribe takes", async () => {
    const { keyBytes } = await import("./herald.js");
    const { generateKeyPairSync } = await import("node:crypto");
    const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
    const raw = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
    const bytes = keyBytes(raw.toString("base64url"));
    expect(bytes.length).toBe(65);
    expect(Buffer.from(bytes).equals(raw)).toBe(true);
  });

  it("reports push as unsupported where the browser has no service workers", async () => {
    const { Herald } = await import("./herald.js");
    const herald = new Herald({ url: "http://127.0.0.1:1", token: "t" });
    const states: string[] = [];
    herald.on("push", (s: string) => states.push(s));
    expect(await herald.push.subscribe()).toBe("unsupported");
    expect(states).toEqual(["unsupported"]);
  });
});
