import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, eventually, type HeraldProcess, startHerald } from "../support/server.js";
import { openWs } from "../support/stream-clients.js";

let herald: HeraldProcess;
let call: ReturnType<typeof api>;
let n = 0;

beforeAll(async () => {
  herald = await startHerald();
  call = api(herald.url);
  await call("PUT", "/v1/templates/state", { channels: { realtime: { title: "Order {{data.order}}", body: "{{data.status}}" } } });
  await call("PUT", "/v1/rules/state", { event: "state.update", steps: [{ channel: "realtime", template: "state" }] });
  await call("PUT", "/v1/rules/state-critical", { event: "state.never", critical: true, steps: [{ channel: "realtime", template: "state" }] });
});
afterAll(() => herald?.stop());

async function subscriber(name: string) {
  const id = `${name}-${++n}`;
  await call("PUT", `/v1/subscribers/${id}`, { name });
  const { body } = await call("POST", `/v1/subscribers/${id}/tokens`, {});
  return { id, token: body.token as string, me: api(herald.url, body.token) };
}

async function notify(to: string, order: number) {
  expect((await call("POST", "/v1/events", { id: `state-${to}-${order}`, type: "state.update", to, data: { order, status: `status ${order}` } })).status).toBe(202);
}

/** A room with these members that allows member messages. */
async function room(...members: { id: string }[]) {
  const key = `ticket:state-${++n}`;
  await call("PUT", `/v1/topics/${key}`, { name: `Room ${n}`, allowMemberMessages: true });
  for (const m of members) await call("PUT", `/v1/topics/${key}/subscribers/${m.id}`);
  return key;
}

const ws = (token: string) => openWs(`${herald.url.replace("http", "ws")}/v1/me/ws?token=${token}`);

describe("inbox list", () => {
  it("pages back newest first by cursor, filters by type, unread and archived, and tells where the stream's head is", async () => {
    const s = await subscriber("pager");
    const peer = await subscriber("peer");
    for (const order of [1, 2, 3, 4, 5]) await notify(s.id, order);
    const key = await room(s, peer);
    await eventually(async () => (await s.me("GET", "/v1/me/unread-count")).body.count === 5);
    expect((await peer.me("POST", `/v1/me/topics/${key}/messages`, { clientMessageId: "m1", body: "hello" })).status).toBe(201);

    const first = await s.me("GET", "/v1/me/notifications?before=latest&limit=2&type=notification");
    expect(first.body.items.map((i: any) => i.title)).toEqual(["Order 5", "Order 4"]);
    expect(first.body.head).toBe(6);
    const second = await s.me("GET", `/v1/me/notifications?before=${first.body.next}&limit=2&type=notification`);
    expect(second.body.items.map((i: any) => i.title)).toEqual(["Order 3", "Order 2"]);
    const last = await s.me("GET", `/v1/me/notifications?before=${second.body.next}&limit=2&type=notification`);
    expect(last.body).toMatchObject({ items: [{ title: "Order 1" }], next: null });
    expect((await s.me("GET", "/v1/me/notifications?type=message")).body.items.map((i: any) => i.body)).toEqual(["hello"]);

    const [four] = first.body.items.slice(1);
    await s.me("POST", `/v1/me/notifications/${four.id}/read`);
    const unread = await s.me("GET", "/v1/me/notifications?unread=true&type=notification");
    expect(unread.body.items.map((i: any) => i.title)).toEqual(["Order 1", "Order 2", "Order 3", "Order 5"]);
    expect((await s.me("GET", "/v1/me/notifications?unread=false")).body.items.map((i: any) => i.title)).toEqual(["Order 4"]);
    // Every item carries its archive state; the default list is the whole stream, as resuming clients need.
    expect((await s.me("GET", "/v1/me/notifications")).body.items.map((i: any) => i.archivedAt)).toEqual([null, null, null, null, null, null]);
  });

  it("refuses paging both ways at once and malformed filters with 400", async () => {
    const s = await subscriber("bad");
    for (const query of ["after=1&before=5", "before=0", "before=newest", "unread=yes", "archived=1", "type=email"]) {
      const res = await s.me("GET", `/v1/me/notifications?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});

describe("archive, unarchive and mark unread", () => {
  it("archives (which also reads), hides it from the live list, brings it back read, and counts an item marked unread again", async () => {
    const s = await subscriber("archiver");
    const live = await ws(s.token);
    for (const order of [1, 2, 3]) await notify(s.id, order);
    await eventually(async () => (await s.me("GET", "/v1/me/unread-count")).body.count === 3);
    const items = (await s.me("GET", "/v1/me/notifications")).body.items;

    const archived = await s.me("POST", `/v1/me/notifications/${items[0].id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).not.toBeNull();
    expect(archived.body.readAt).not.toBeNull();
    await live.until((frames) => frames.some((f) => f.type === "unread" && f.count === 2));
    const again = await s.me("POST", `/v1/me/notifications/${items[0].id}/archive`);
    expect(again.body.archivedAt).toBe(archived.body.archivedAt);
    expect((await s.me("GET", "/v1/me/notifications?archived=false")).body.items.map((i: any) => i.id)).toEqual([items[1].id, items[2].id]);
    const onlyArchived = (await s.me("GET", "/v1/me/notifications?archived=true")).body.items;
    expect(onlyArchived.map((i: any) => [i.id, i.archivedAt])).toEqual([[items[0].id, archived.body.archivedAt]]);

    const back = await s.me("POST", `/v1/me/notifications/${items[0].id}/unarchive`);
    expect(back.body).toMatchObject({ id: items[0].id, archivedAt: null });
    expect(back.body.readAt).not.toBeNull();
    expect((await s.me("GET", "/v1/me/notifications?archived=false")).body.items).toHaveLength(3);

    const unread = await s.me("POST", `/v1/me/notifications/${items[0].id}/unread`);
    expect(unread.body).toMatchObject({ id: items[0].id, readAt: null, archivedAt: null });
    expect(unread.body.seenAt).not.toBeNull();
    await live.until((frames) => frames.some((f) => f.type === "unread" && f.count === 3));
    // Twice unread is still one unread.
    await s.me("POST", `/v1/me/notifications/${items[0].id}/unread`);
    expect((await s.me("GET", "/v1/me/unread-count")).body.count).toBe(3);
    await s.me("POST", `/v1/me/notifications/${items[0].id}/read`);
    expect((await s.me("GET", "/v1/me/unread-count")).body.count).toBe(2);

    for (const what of ["archive", "unarchive", "unread"]) expect((await s.me("POST", `/v1/me/notifications/nope/${what}`)).status).toBe(404);
    // Another subscriber's item is not found either.
    const other = await subscriber("other");
    expect((await other.me("POST", `/v1/me/notifications/${items[1].id}/archive`)).status).toBe(404);
    live.close();
  });
});

describe("counts", () => {
  it("reads all of one type and says how many it marked; counts unread per room and as notifications", async () => {
    const s = await subscriber("counter");
    const peer = await subscriber("talker");
    for (const order of [1, 2]) await notify(s.id, order);
    const [a, b] = [await room(s, peer), await room(s, peer)];
    for (const [key, k] of [[a, 1], [a, 2], [b, 3]] as const) await peer.me("POST", `/v1/me/topics/${key}/messages`, { clientMessageId: `c${k}`, body: `m${k}` });
    // One's own messages are never unread.
    await s.me("POST", `/v1/me/topics/${a}/messages`, { clientMessageId: "own", body: "mine" });
    await eventually(async () => (await s.me("GET", "/v1/me/unread-count")).body.count === 5);
    expect((await s.me("GET", "/v1/me/unread-count")).body).toEqual({ count: 5, notifications: 2, rooms: { [a]: 2, [b]: 1 } });
    const rooms = (await s.me("GET", "/v1/me/topics")).body.items;
    expect(Object.fromEntries(rooms.map((r: any) => [r.key, r.unread]))).toEqual({ [a]: 2, [b]: 1 });

    expect((await s.me("POST", "/v1/me/notifications/read-all?type=notification")).body).toEqual({ marked: 2, count: 3 });
    expect((await s.me("POST", "/v1/me/notifications/read-all?type=notification")).body).toEqual({ marked: 0, count: 3 });
    expect((await s.me("GET", "/v1/me/unread-count")).body).toEqual({ count: 3, notifications: 0, rooms: { [a]: 2, [b]: 1 } });
    expect((await s.me("POST", "/v1/me/notifications/read-all")).body).toEqual({ marked: 3, count: 0 });
    expect((await s.me("GET", "/v1/me/topics")).body.items.map((r: any) => r.unread)).toEqual([0, 0]);
  });
});

describe("room receipts", () => {
  it("stores delivered and read and returns them with history, so a reload shows the same ticks", async () => {
    const customer = await subscriber("kate");
    const operator = await subscriber("artyom");
    const key = await room(customer, operator);
    const first = await customer.me("POST", `/v1/me/topics/${key}/messages`, { clientMessageId: "r1", body: "nobody online yet" });
    expect(first.body).toMatchObject({ status: "sent", deliveredAt: null, readAt: null });
    const operatorWs = await ws(operator.token);
    // Connecting replays the first message to the operator: it is delivered now.
    await eventually(async () => (await customer.me("GET", `/v1/me/topics/${key}/messages`)).body.items[0].status === "delivered");
    const second = await customer.me("POST", `/v1/me/topics/${key}/messages`, { clientMessageId: "r2", body: "are you there?" });
    await operatorWs.until((frames) => frames.some((f) => f.type === "message" && f.clientMessageId === "r2"));
    await operator.me("POST", `/v1/me/notifications/${second.body.id}/read`);
    const history = (await customer.me("GET", `/v1/me/topics/${key}/messages`)).body.items;
    expect(history.map((m: any) => [m.body, m.status])).toEqual([
      ["nobody online yet", "delivered"],
      ["are you there?", "read"],
    ]);
    expect(history[1].deliveredAt).not.toBeNull();
    expect(history[1].readAt).not.toBeNull();
    // The operator reading his own message does not count, and read-all is a read too.
    const reply = await operator.me("POST", `/v1/me/topics/${key}/messages`, { clientMessageId: "r3", body: "yes" });
    await operator.me("POST", `/v1/me/notifications/${reply.body.id}/read`);
    expect((await operator.me("GET", `/v1/me/topics/${key}/messages`)).body.items[2].status).not.toBe("read");
    await customer.me("POST", "/v1/me/notifications/read-all");
    expect((await operator.me("GET", `/v1/me/topics/${key}/messages`)).body.items[2].status).toBe("read");
    operatorWs.close();
  });
});

describe("action buttons", () => {
  it("renders the realtime template's actions into each item, live and listed, apart from the event's data", async () => {
    await call("PUT", "/v1/templates/with-actions", {
      channels: { realtime: { title: "Order {{data.order}}", body: "On its way", actions: [{ action: "track", title: "Track #{{data.order}}", url: "https://shop.example/t/{{data.order}}" }, { action: "later", title: "Later" }] } },
    });
    await call("PUT", "/v1/rules/with-actions", { event: "state.actions", steps: [{ channel: "realtime", template: "with-actions" }] });
    const s = await subscriber("buttons");
    const live = await ws(s.token);
    await call("POST", "/v1/events", { type: "state.actions", to: s.id, data: { order: 7, courier: "Almaz" } });
    const [frame] = (await live.until((frames) => frames.some((f) => f.type === "notification"))).filter((f) => f.type === "notification");
    const actions = [
      { action: "track", title: "Track #7", url: "https://shop.example/t/7" },
      { action: "later", title: "Later" },
    ];
    expect(frame).toMatchObject({ actions, data: { order: 7, courier: "Almaz" } });
    const [listed] = (await s.me("GET", "/v1/me/notifications")).body.items;
    expect(listed.actions).toEqual(actions);
    expect(listed.data).toEqual({ order: 7, courier: "Almaz" });
    live.close();
  });
});

describe("profile and preference options", () => {
  it("tells the subscriber their own name and locale, nothing else", async () => {
    const s = await subscriber("profile");
    await call("PUT", `/v1/subscribers/${s.id}`, { name: "Катя", locale: "ru", email: "kate@example.com", timezone: "Europe/Moscow" });
    expect((await s.me("GET", "/v1/me/profile")).body).toEqual({ id: s.id, name: "Катя", locale: "ru", timezone: "Europe/Moscow" });
  });

  it("offers the configured channels (not the inbox itself) and the non-critical categories, broadcasts included", async () => {
    const s = await subscriber("prefs");
    const { body } = await s.me("GET", "/v1/me/preferences/options");
    expect(body.channels.map((c: any) => c.id)).not.toContain("realtime");
    expect(body.categories.map((c: any) => c.id)).toEqual(expect.arrayContaining(["broadcasts", "state"]));
    expect(body.categories.map((c: any) => c.id)).not.toContain("state-critical");
  });
});
