import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";
import { openSse, openWs } from "../support/stream-clients.js";

let herald: HeraldProcess;
let call: ReturnType<typeof api>;
let n = 0;

beforeAll(async () => {
  herald = await startHerald();
  call = api(herald.url);
  await call("PUT", "/v1/templates/inapp", { channels: { realtime: { title: "Order {{data.order}}", body: "{{data.status}}", url: "https://shop.example/o/{{data.order}}" } } });
  await call("PUT", "/v1/rules/inapp", { event: "order.update", steps: [{ channel: "realtime", template: "inapp" }] });
});
afterAll(() => herald?.stop());

async function subscriber(name: string) {
  const id = `${name}-${++n}`;
  await call("PUT", `/v1/subscribers/${id}`, { name });
  const { body } = await call("POST", `/v1/subscribers/${id}/tokens`, {});
  return { id, token: body.token as string, me: api(herald.url, body.token) };
}

async function notify(to: string, order: number, status = "courier") {
  const res = await call("POST", "/v1/events", { id: `upd-${to}-${order}-${status}`, type: "order.update", to, data: { order, status } });
  expect(res.status).toBe(202);
}

const items = (events: { event: string; data: any }[]) => events.filter((e) => e.event === "notification" || e.event === "message").map((e) => e.data);

describe("subscriber tokens", () => {
  it("refuse a missing or tampered token with 401 and keep inboxes apart", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob");
    await notify(alice.id, 1);
    await eventually(async () => (await alice.me("GET", "/v1/me/notifications")).body.items.length === 1);
    expect((await api(herald.url, null)("GET", "/v1/me/notifications")).status).toBe(401);
    const [payload, mac] = alice.token.split(".");
    const forged = Buffer.from(JSON.stringify({ sub: bob.id, exp: 4_000_000_000 })).toString("base64url");
    expect((await api(herald.url, `${forged}.${mac}`)("GET", "/v1/me/notifications")).status).toBe(401);
    expect((await api(herald.url, `${payload}.${mac}x`)("GET", "/v1/me/notifications")).status).toBe(401);
    expect((await bob.me("GET", "/v1/me/notifications")).body.items).toEqual([]);
    expect((await bob.me("POST", `/v1/me/notifications/${(await alice.me("GET", "/v1/me/notifications")).body.items[0].id}/read`)).status).toBe(404);
    // The API key is not a subscriber token.
    expect((await call("GET", "/v1/me/notifications")).status).toBe(401);
  });

  it("refuse a WebSocket upgrade with a tampered token or a bad cursor: problem+json, never a socket", async () => {
    const carol = await subscriber("carol");
    const ws = herald.url.replace("http", "ws");
    const tampered = await refusedUpgrade(`${ws}/v1/me/ws?token=${carol.token}x`);
    expect(tampered).toMatchObject({ status: 401, type: expect.stringContaining("application/problem+json") });
    expect(JSON.parse(tampered.body)).toMatchObject({ status: 401 });
    const badCursor = await refusedUpgrade(`${ws}/v1/me/ws?after=x&token=${carol.token}`);
    expect(badCursor).toMatchObject({ status: 400, type: expect.stringContaining("application/problem+json") });
    // The same token and a good cursor open a socket.
    const open = await openWs(`${ws}/v1/me/ws?after=0&token=${carol.token}`);
    await open.until((e) => e.some((f) => f.type === "ready"));
    open.close();
  });
});

/** The HTTP answer to a WebSocket handshake the server refused. */
async function refusedUpgrade(url: string): Promise<{ status: number; type: string; body: string }> {
  const { WebSocket } = await import("ws");
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once("open", () => reject(new Error("the upgrade was accepted")));
    socket.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
    });
    socket.once("error", () => {});
  });
}

describe("resume over SSE", () => {
  it("delivers three live, then after a disconnect exactly the two missed, in order", async () => {
    const s = await subscriber("sse");
    const first = await openSse(`${herald.url}/v1/me/stream`, { authorization: `Bearer ${s.token}` });
    expect(first.status).toBe(200);
    await first.until((e) => e.some((x) => x.event === "ready"));
    for (const order of [1, 2, 3]) await notify(s.id, order);
    const live = items(await first.until((e) => items(e).length === 3));
    expect(live.map((i) => i.title)).toEqual(["Order 1", "Order 2", "Order 3"]);
    expect(live.map((i) => i.seq)).toEqual([1, 2, 3]);
    first.close();

    for (const order of [4, 5]) await notify(s.id, order);
    await eventually(async () => (await s.me("GET", "/v1/me/notifications?after=3")).body.items.length === 2);
    const resumed = await openSse(`${herald.url}/v1/me/stream?token=${s.token}`, { "last-event-id": "3" });
    const events = await resumed.until((e) => e.some((x) => x.event === "ready"));
    expect(items(events).map((i) => [i.seq, i.title])).toEqual([
      [4, "Order 4"],
      [5, "Order 5"],
    ]);
    expect(events.filter((e) => e.event === "notification").map((e) => e.id)).toEqual(["4", "5"]);
    await notify(s.id, 6);
    expect(items(await resumed.until((e) => items(e).length === 3)).map((i) => i.seq)).toEqual([4, 5, 6]);
    resumed.close();
  });
});

describe("resume over WebSocket", () => {
  it("sends the missed items first, then live, with no gap and no repeat", async () => {
    const s = await subscriber("ws");
    for (const order of [1, 2]) await notify(s.id, order);
    await eventually(async () => (await s.me("GET", "/v1/me/notifications")).body.items.length === 2);
    const ws = await openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?after=1&token=${s.token}`);
    await ws.until((e) => e.some((f) => f.type === "ready"));
    await notify(s.id, 3);
    const frames = await ws.until((e) => e.filter((f) => f.type === "notification").length === 2);
    expect(frames.filter((f) => f.type === "notification").map((f) => f.seq)).toEqual([2, 3]);
    expect(frames.find((f) => f.type === "unread")).toBeDefined();
    ws.send({ type: "ping" });
    await ws.until((e) => e.some((f) => f.type === "pong"));
    ws.close();
  });

  it("refuses a WebSocket without a valid token", async () => {
    await expect(openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?token=nope`)).rejects.toThrow(/401/);
  });
});

describe("an in-app delivery's record", () => {
  it("is the same whether the accepting commit made it or the outbox did (a delayed step): sent, one attempt in the timeline", async () => {
    await call("PUT", "/v1/rules/inapp-later", { event: "order.later", steps: [{ channel: "realtime", template: "inapp", delay: "1s" }] });
    const [soon, later] = [await subscriber("soon"), await subscriber("later")];
    await notify(soon.id, 1);
    expect((await call("POST", "/v1/events", { id: `later-${later.id}`, type: "order.later", to: later.id, data: { order: 2, status: "courier" } })).status).toBe(202);
    const record = (eventId: string) =>
      eventually(async () => {
        const [d] = ((await call("GET", `/v1/events/${eventId}`)).body.notifications ?? []).flatMap((n: any) => n.deliveries);
        if (d?.status !== "sent") return undefined;
        const attemptLog = d.attemptLog.map((a: any) => ({ n: a.n, outcome: a.outcome, code: a.code, provider: a.provider, providerMessageId: a.providerMessageId, atUpdate: a.at === d.updatedAt }));
        return { channel: d.channel, attempts: d.attempts, lastError: d.lastError, providerMessageId: d.providerMessageId, attemptLog };
      }, 30_000);
    const expected = { channel: "realtime", attempts: 1, lastError: null, providerMessageId: null, attemptLog: [{ n: 1, outcome: "sent", code: null, provider: "realtime", providerMessageId: null, atUpdate: true }] };
    expect(await record(`upd-${soon.id}-1-courier`)).toEqual(expected);
    expect(await record(`later-${later.id}`)).toEqual(expected);
    expect((await later.me("GET", "/v1/me/notifications")).body.items.map((i: any) => i.title)).toEqual(["Order 2"]);
  });

  it("becomes delivered when its own step reached a connection: a delayed second in-app step stays pending until it runs", async () => {
    await call("PUT", "/v1/rules/inapp-twice", { event: "order.twice", steps: [{ channel: "realtime", template: "inapp" }, { channel: "realtime", template: "inapp", delay: "3s" }] });
    const s = await subscriber("twice");
    const ws = await openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?token=${s.token}`);
    await ws.until((e) => e.some((f) => f.type === "ready"));
    const eventId = `twice-${s.id}`;
    expect((await call("POST", "/v1/events", { id: eventId, type: "order.twice", to: s.id, data: { order: 7, status: "packed" } })).status).toBe(202);
    await ws.until((e) => e.some((f) => f.type === "notification"));
    const steps = async () => (await call("GET", `/v1/events/${eventId}`)).body.notifications[0].deliveries.map((d: any) => [d.step, d.status]);
    // The frame reached the socket: the first step is confirmed; the second has not run yet.
    await eventually(async () => (await steps())[0][1] === "delivered");
    expect(await steps()).toEqual([
      [0, "delivered"],
      [1, "pending"],
    ]);
    // When it runs, its item is the one already in the stream and already delivered: no second frame.
    await eventually(async () => (await steps())[1][1] !== "pending", 30_000);
    expect(await steps()).toEqual([
      [0, "delivered"],
      [1, "delivered"],
    ]);
    ws.send({ type: "ping" });
    const frames = await ws.until((e) => e.some((f) => f.type === "pong"));
    expect(frames.filter((f) => f.type === "notification").map((f) => f.title)).toEqual(["Order 7"]);
    ws.close();
  });
});

describe("inbox API", () => {
  it("pages with a cursor, marks seen and read, and pushes unread counts to every connection", async () => {
    const s = await subscriber("inbox");
    const tab1 = await openSse(`${herald.url}/v1/me/stream?token=${s.token}`);
    const tab2 = await openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?token=${s.token}`);
    for (const order of [1, 2, 3]) await notify(s.id, order);
    await eventually(async () => (await s.me("GET", "/v1/me/unread-count")).body.count === 3);

    const page1 = await s.me("GET", "/v1/me/notifications?limit=2");
    expect(page1.body.items.map((i: any) => i.seq)).toEqual([1, 2]);
    expect(page1.body.next).toBe(2);
    const page2 = await s.me("GET", `/v1/me/notifications?after=${page1.body.next}&limit=2`);
    expect(page2.body).toMatchObject({ items: [{ seq: 3, url: "https://shop.example/o/3" }], next: null });

    const id = page1.body.items[0].id;
    const seen = await s.me("POST", `/v1/me/notifications/${id}/seen`);
    expect(seen.body).toMatchObject({ id, readAt: null });
    expect(seen.body.seenAt).not.toBeNull();
    expect((await s.me("POST", `/v1/me/notifications/${id}/read`)).body.readAt).not.toBeNull();
    await tab1.until((e) => e.some((x) => x.event === "unread" && x.data.count === 2));
    await tab2.until((e) => e.some((f) => f.type === "unread" && f.count === 2));
    expect((await s.me("POST", "/v1/me/notifications/read-all")).body).toEqual({ marked: 2, count: 0 });
    await tab1.until((e) => e.some((x) => x.event === "unread" && x.data.count === 0));
    await tab2.until((e) => e.some((f) => f.type === "unread" && f.count === 0));
    expect((await s.me("GET", "/v1/me/unread-count")).body).toEqual({ count: 0, notifications: 0, rooms: {} });

    // Reading the in-app notification marks the notification seen and read for the engine too.
    const event = await call("GET", `/v1/events/upd-${s.id}-1-courier`);
    expect(event.body.notifications[0].readAt).not.toBeNull();
    expect(event.body.notifications[0].deliveries[0].status).toBe("delivered");
    tab1.close();
    tab2.close();
  });

  it("answers a bad cursor with 400", async () => {
    const s = await subscriber("cursor");
    expect((await s.me("GET", "/v1/me/notifications?after=-1")).status).toBe(400);
    expect((await openSse(`${herald.url}/v1/me/stream?token=${s.token}&after=abc`)).status).toBe(400);
  });
});

describe("rooms", () => {
  it("delivers member messages to every member, de-duplicates by client id, and sends typing and receipts", async () => {
    const customer = await subscriber("customer");
    const operator = await subscriber("operator");
    const stranger = await subscriber("stranger");
    const room = `ticket:${n}`;
    expect((await call("PUT", `/v1/topics/${room}`, { name: "Ticket", allowMemberMessages: true })).status).toBe(200);
    await call("PUT", `/v1/topics/${room}/subscribers/${customer.id}`);
    await call("PUT", `/v1/topics/${room}/subscribers/${operator.id}`);

    const customerTab2 = await openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?token=${customer.token}`);
    const operatorWs = await openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?token=${operator.token}`);
    await operatorWs.until((e) => e.some((f) => f.type === "ready"));
    await customerTab2.until((e) => e.some((f) => f.type === "ready"));

    const sent = await customer.me("POST", `/v1/me/topics/${room}/messages`, { clientMessageId: "c-1", body: "Where is my order?" });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ topic: room, clientMessageId: "c-1", body: "Where is my order?", sender: { id: customer.id, name: "customer" } });
    const again = await customer.me("POST", `/v1/me/topics/${room}/messages`, { clientMessageId: "c-1", body: "Where is my order?" });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(sent.body.id);

    const atOperator = await operatorWs.until((e) => e.some((f) => f.type === "message"));
    expect(atOperator.filter((f) => f.type === "message")).toHaveLength(1);
    await customerTab2.until((e) => e.some((f) => f.type === "message" && f.clientMessageId === "c-1"));
    // The operator's connection received it: the sender hears "delivered".
    await customerTab2.until((e) => e.some((f) => f.type === "receipt" && f.status === "delivered" && f.messageId === sent.body.id));

    operatorWs.send({ type: "typing", topic: room });
    await customerTab2.until((e) => e.some((f) => f.type === "typing" && f.subscriber.id === operator.id));
    expect((await operator.me("POST", `/v1/me/topics/${room}/typing`)).status).toBe(429);

    // Read back from the store (as a resuming client would), the copy carries the message's text and sender.
    const [stored] = (await operator.me("GET", "/v1/me/notifications")).body.items;
    expect(stored).toMatchObject({ id: sent.body.id, type: "message", topic: room, body: "Where is my order?", clientMessageId: "c-1", sender: { id: customer.id, name: "customer" }, readAt: null });
    await operator.me("POST", `/v1/me/notifications/${sent.body.id}/read`);
    await customerTab2.until((e) => e.some((f) => f.type === "receipt" && f.status === "read" && f.by === operator.id && f.clientMessageId === "c-1"));

    const history = await operator.me("GET", `/v1/me/topics/${room}/messages`);
    expect(history.body.items.map((m: any) => m.body)).toEqual(["Where is my order?"]);
    expect((await customer.me("GET", "/v1/me/topics")).body.items).toEqual([{ key: room, name: "Ticket", allowMessages: true, unread: 0 }]);
    expect((await stranger.me("POST", `/v1/me/topics/${room}/messages`, { clientMessageId: "x", body: "hi" })).status).toBe(404);
    expect((await stranger.me("GET", `/v1/me/topics/${room}/messages`)).status).toBe(404);
    customerTab2.close();
    operatorWs.close();
  });

  it("refuses member messages where the room does not allow them", async () => {
    const s = await subscriber("quiet");
    await call("PUT", `/v1/topics/news-${n}/subscribers/${s.id}`);
    expect((await s.me("POST", `/v1/me/topics/news-${n}/messages`, { clientMessageId: "a", body: "hi" })).status).toBe(403);
  });

  it("turns support-ticket events into system messages, once each", async () => {
    const customer = await subscriber("client");
    const ticket = `t${n}`;
    await call("PUT", `/v1/topics/ticket:${ticket}/subscribers/${customer.id}`);
    const ws = await openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?token=${customer.token}`);
    const post = (type: string, data: object) => call("POST", "/v1/events", { id: `${type}-${ticket}`, type, data: { ticket, ...data } });
    await post("ticket.operator_joined", { operator: { id: `op-${ticket}`, name: "Artyom" } });
    await post("ticket.operator_joined", { operator: { id: `op-${ticket}`, name: "Artyom" } });
    await post("ticket.closed", {});
    await post("ticket.reopened", { locale: "ru" });
    const frames = await ws.until((e) => e.filter((f) => f.type === "message").length === 3);
    expect(frames.filter((f) => f.type === "message").map((f) => [f.body, f.sender])).toEqual([
      ["Operator Artyom joined", { id: null, name: null, system: true }],
      ["Ticket closed. Thank you!", { id: null, name: null, system: true }],
      ["Обращение открыто снова", { id: null, name: null, system: true }],
    ]);
    // The operator joined the room too.
    expect((await call("GET", `/v1/subscribers/op-${ticket}`)).body.topics).toContain(`ticket:${ticket}`);
    ws.close();
  });

  it("shows a ticket's system messages in the order their events were accepted, 20 events in a burst", async () => {
    const customer = await subscriber("burst");
    const ticket = `b${n}`;
    const room = `ticket:${ticket}`;
    await call("PUT", `/v1/topics/${room}/subscribers/${customer.id}`);
    const ws = await openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?token=${customer.token}`);
    await ws.until((e) => e.some((f) => f.type === "ready"));
    // Joins (slower: the operator is added to the room first), closes and reopens, interleaved; each
    // accepted (202) before the next is sent, so the order Herald accepted them is this order.
    const expected: string[] = [];
    for (let i = 1; i <= 20; i++) {
      const kind = ["ticket.operator_joined", "ticket.closed", "ticket.reopened"][i % 3]!;
      const data = kind === "ticket.operator_joined" ? { ticket, operator: { id: `op-${ticket}-${i}`, name: `Op${i}` } } : { ticket };
      expect((await call("POST", "/v1/events", { id: `burst-${ticket}-${i}`, type: kind, data })).status).toBe(202);
      expected.push(kind === "ticket.operator_joined" ? `Operator Op${i} joined` : kind === "ticket.closed" ? "Ticket closed. Thank you!" : "Ticket reopened");
    }
    const frames = await ws.until((e) => e.filter((f) => f.type === "message").length >= 20);
    expect(frames.filter((f) => f.type === "message").map((f) => f.body)).toEqual(expected);
    // What a reload shows: the stream (by seq) and the room's history, in the same order.
    const stream = (await customer.me("GET", "/v1/me/notifications?limit=50")).body.items;
    expect(stream.map((item: any) => item.body)).toEqual(expected);
    const history = (await customer.me("GET", `/v1/me/topics/${room}/messages?limit=50`)).body.items;
    expect(history.map((m: any) => m.body)).toEqual(expected);
    // Paged back from a message, as the SDK catches up (tests/integration/room-history-paging.test.ts splits a millisecond).
    const pages: string[][] = [];
    for (let from = ""; pages.length < 10; ) {
      const items = (await customer.me("GET", `/v1/me/topics/${room}/messages?limit=6${from}`)).body.items;
      pages.unshift(items.map((m: any) => m.body));
      if (items.length < 6) break;
      from = `&beforeMessage=${items[0].id}`;
    }
    expect(pages.flat()).toEqual(expected);
    ws.close();
  });
});
