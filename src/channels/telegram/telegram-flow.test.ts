/**
 * Telegram through the whole engine, against the Bot API peer over HTTP: hostile data arrives
 * escaped and readable, a blocked bot suppresses the chat and runs the rule's fallback, 429's
 * retry_after sets the next attempt, a group that became a supergroup gets the message at its new
 * id and keeps it, and the linking flow (deep link, /start, webhook secret) records the chat id.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessApi } from "../../../tests/support/in-process.js";
import { tempDatabaseUrl, TEST_API_KEY } from "../../../tests/support/server.js";
import { manualClock } from "../../core/clock.js";
import { createHerald, type Herald } from "../../core/engine.js";
import type { Logger } from "../../core/logger.js";
import { openLibsqlStore } from "../../runtimes/shared/libsql-store.js";
import { builtInChannels } from "../index.js";
import { startTelegramPeer, type TelegramPeer } from "./telegram.peer.js";

const SECRET = "webhook-secret-0123456789";
const clock = manualClock(Date.UTC(2026, 5, 1, 9));
let peer: TelegramPeer;
let herald: Herald;
let close: () => Promise<void>;
const call = inProcessApi(() => herald);
const logs: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
const logger: Logger = { log: (level, msg, fields) => void logs.push({ level, msg, fields }) };

beforeAll(async () => {
  peer = await startTelegramPeer();
  const db = await openLibsqlStore(tempDatabaseUrl());
  close = () => db.close();
  herald = await createHerald({
    store: db.store,
    clock,
    logger,
    channels: builtInChannels,
    env: {
      HERALD_API_KEY: TEST_API_KEY,
      HERALD_ADMIN_PASSWORD: "correct horse battery staple",
      HERALD_ALLOW_PRIVATE_NETWORK: "1",
      TELEGRAM_BOT_TOKEN: peer.token,
      TELEGRAM_API_URL: peer.url,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    },
  });
  await call("PUT", "/v1/templates/order", {
    channels: {
      telegram: { text: "<b>Order {{data.order}}</b> for {{subscriber.name}}: {{data.note}}", actions: [{ action: "track", title: "Track {{data.order}}", url: "https://shop.example/t/{{data.order}}" }] },
      realtime: { title: "Order {{data.order}}", body: "{{data.note}}" },
    },
  });
  await call("PUT", "/v1/rules/order", { event: "order.shipped", critical: true, steps: [{ channel: "telegram", template: "order" }, { channel: "realtime", template: "order", fallback: true }] });
});
afterAll(async () => {
  await close();
  await peer.close();
});

async function deliveries(eventId: string): Promise<{ channel: string; status: string; lastError: string | null; id: string }[]> {
  return (await call("GET", `/v1/events/${eventId}`)).body.notifications[0].deliveries;
}

const hook = (update: unknown, secret: string | null = SECRET) =>
  herald.app.request("/v1/channels/telegram/webhook", { method: "POST", headers: { "content-type": "application/json", ...(secret !== null ? { "x-telegram-bot-api-secret-token": secret } : {}) }, body: JSON.stringify(update) });
const start = (chatId: number, token: string) => ({ update_id: chatId, message: { message_id: 1, text: `/start ${token}`, chat: { id: chatId, type: "private" }, from: { id: chatId, is_bot: false, first_name: "U" } } });

describe("telegram through the engine", () => {
  it("delivers hostile data escaped for Telegram's HTML, shown to the user exactly as given", async () => {
    const hostileName = `Ann "&amp;" <b>'O'Brien'</b> \`x\` = y`;
    const note = `</b><script>alert(1)</script> & <a href="javascript:x">pay</a> &lt; &#0; &bogus; <tg-spoiler>`;
    await call("PUT", "/v1/subscribers/ann", { name: hostileName, telegram: "1001" });
    const before = peer.received.length;
    const { body } = await call("POST", "/v1/events", { type: "order.shipped", to: "ann", data: { order: "A&B<7>", note } });
    await herald.outbox.drain();
    expect((await deliveries(body.id))[0]).toMatchObject({ channel: "telegram", status: "sent" });
    const got = peer.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.visible).toBe(`Order A&B<7> for ${hostileName}: ${note}`);
    expect(got[0]!.reply_markup).toEqual({ inline_keyboard: [[{ text: "Track A&B<7>", url: "https://shop.example/t/A&B<7>" }]] });
  });

  it("suppresses a chat whose user blocked the bot and runs the fallback step, then skips it without calling Telegram", async () => {
    peer.blocked.add("2002");
    await call("PUT", "/v1/subscribers/bob", { name: "Bob", telegram: "2002" });
    const first = (await call("POST", "/v1/events", { type: "order.shipped", to: "bob", data: { order: 1, note: "n" } })).body.id;
    await herald.outbox.drain();
    const d1 = await deliveries(first);
    expect(d1.map((d) => [d.channel, d.status])).toEqual([["telegram", "failed"], ["realtime", "sent"]]);
    expect(d1[0]!.lastError).toContain("bot was blocked by the user");
    expect(await herald.store.suppressions.reason("telegram", "2002")).toContain("blocked");
    const inbox = await herald.store.db.all<{ title: string }>(sql`SELECT title FROM inbox WHERE subscriber_id = 'bob'`);
    expect(inbox.map((r) => r.title)).toEqual(["Order 1"]);

    const refusedBefore = peer.refused.length;
    const second = (await call("POST", "/v1/events", { type: "order.shipped", to: "bob", data: { order: 2, note: "n" } })).body.id;
    await herald.outbox.drain();
    const d2 = await deliveries(second);
    expect(d2.map((d) => [d.channel, d.status])).toEqual([["telegram", "failed"], ["realtime", "sent"]]);
    expect(d2[0]!.lastError).toContain("suppressed");
    expect(peer.refused.length).toBe(refusedBefore);
  });

  it("waits the retry_after Telegram gives on a 429 before the next attempt", async () => {
    await call("PUT", "/v1/subscribers/cid", { telegram: "3003" });
    peer.script.push({ status: 429, retryAfter: "45" });
    const id = (await call("POST", "/v1/events", { type: "order.shipped", to: "cid", data: { order: 3, note: "n" } })).body.id;
    await herald.outbox.drain();
    const [pending] = await deliveries(id);
    expect(pending).toMatchObject({ channel: "telegram", status: "pending" });
    expect(pending!.lastError).toContain("retry after 45");
    // The default schedule would try again within 10 s; Telegram asked for 45.
    clock.advance(30_000);
    await herald.outbox.drain();
    expect((await deliveries(id))[0]!.status).toBe("pending");
    clock.advance(15_001);
    await herald.outbox.drain();
    expect((await deliveries(id))[0]!.status).toBe("sent");
    expect(peer.received.at(-1)!.chat_id).toBe("3003");
  });
});

describe("a group that became a supergroup", () => {
  it("gets the message at its new chat id in the same attempt, and every subscriber of the group keeps the new id", async () => {
    // Two subscribers share the team's group chat, which an admin has just upgraded.
    await call("PUT", "/v1/subscribers/gus", { name: "Gus", telegram: "-4004" });
    await call("PUT", "/v1/subscribers/hal", { name: "Hal", telegram: "-4004" });
    peer.migrated.set("-4004", "-1004004004");
    const refused = peer.refused.length;
    const first = (await call("POST", "/v1/events", { type: "order.shipped", to: "gus", data: { order: 41, note: "first" } })).body.id;
    await herald.outbox.drain();
    const [sent] = await deliveries(first);
    expect(sent).toMatchObject({ channel: "telegram", status: "sent", lastError: null });
    expect((await call("GET", `/v1/events/${first}`)).body.notifications[0].deliveries[0]).toMatchObject({ attempts: 1, providerMessageId: expect.stringMatching(/^-1004004004:/) });
    expect(peer.refused.slice(refused).map((r) => r.description)).toEqual(["Bad Request: group chat was upgraded to a supergroup chat"]);
    expect(peer.received.at(-1)).toMatchObject({ chat_id: "-1004004004", visible: "Order 41 for Gus: first" });
    expect((await call("GET", "/v1/subscribers/gus")).body.telegram).toBe("-1004004004");
    expect((await call("GET", "/v1/subscribers/hal")).body.telegram).toBe("-1004004004");
    expect(await herald.store.suppressions.reason("telegram", "-4004")).toBeUndefined();
    expect(logs).toContainEqual(expect.objectContaining({ level: "info", msg: expect.stringContaining("became a supergroup"), fields: expect.objectContaining({ from: "-4004", to: "-1004004004", subscribers: 2 }) }));

    // The next notifications go straight to the supergroup.
    const next = [(await call("POST", "/v1/events", { type: "order.shipped", to: "gus", data: { order: 42, note: "second" } })).body.id, (await call("POST", "/v1/events", { type: "order.shipped", to: "hal", data: { order: 43, note: "third" } })).body.id];
    await herald.outbox.drain();
    for (const id of next) expect((await deliveries(id))[0]).toMatchObject({ status: "sent" });
    expect(peer.refused.length).toBe(refused + 1);
    expect(peer.received.slice(-2).map((m) => [m.chat_id, m.visible])).toEqual([
      ["-1004004004", "Order 42 for Gus: second"],
      ["-1004004004", "Order 43 for Hal: third"],
    ]);
  });

  it("records the move from the group's migration message to the webhook, leaving other chats alone", async () => {
    await call("PUT", "/v1/subscribers/ida", { telegram: "-5005" });
    await call("PUT", "/v1/subscribers/jon", { telegram: "-5006" });
    const res = await hook({ update_id: 77, message: { message_id: 3, date: 1, chat: { id: -5005, type: "group", title: "Team" }, migrate_to_chat_id: -1005005005 } });
    expect(res.status).toBe(200);
    expect((await call("GET", "/v1/subscribers/ida")).body.telegram).toBe("-1005005005");
    expect((await call("GET", "/v1/subscribers/jon")).body.telegram).toBe("-5006");
  });
});

describe("linking a chat", () => {
  const linkFor = async (id: string, ttlSeconds?: number) => {
    const res = await call("POST", `/v1/subscribers/${id}/links/telegram`, ttlSeconds ? { ttlSeconds } : {});
    expect(res.status).toBe(201);
    const url = new URL(res.body.url);
    expect(`${url.origin}${url.pathname}`).toBe(`https://t.me/${peer.username}`);
    return url.searchParams.get("start")!;
  };

  it("records the chat id from /start <signed token>, and tells the user", async () => {
    await call("PUT", "/v1/subscribers/dan", { name: "Dan" });
    const token = await linkFor("dan");
    expect(token).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const res = await hook(start(4004, token));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ method: "sendMessage", chat_id: 4004, text: expect.stringContaining("Done") });
    expect((await call("GET", "/v1/subscribers/dan")).body.telegram).toBe("4004");
    const id = (await call("POST", "/v1/events", { type: "order.shipped", to: "dan", data: { order: 4, note: "linked" } })).body.id;
    await herald.outbox.drain();
    expect((await deliveries(id))[0]!.status).toBe("sent");
    expect(peer.received.at(-1)).toMatchObject({ chat_id: "4004" });
  });

  it("refuses a used, forged, expired or other subscriber's token", async () => {
    await call("PUT", "/v1/subscribers/eve", {});
    const token = await linkFor("eve");
    expect((await (await hook(start(5005, token))).json()).text).toContain("Done");
    const reused = await (await hook(start(5006, token))).json();
    expect(reused.text).toContain("not valid");
    const forged = await linkFor("eve");
    const tampered = forged.slice(0, 20) + (forged[20] === "A" ? "B" : "A") + forged.slice(21);
    expect((await (await hook(start(5007, tampered))).json()).text).toContain("not valid");
    const late = await linkFor("eve", 60);
    clock.advance(61_000);
    expect((await (await hook(start(5008, late))).json()).text).toContain("expired");
    expect((await call("GET", "/v1/subscribers/eve")).body.telegram).toBe("5005");
  });

  it("refuses webhook calls with a wrong or missing secret header, changing nothing", async () => {
    await call("PUT", "/v1/subscribers/fay", {});
    const token = await linkFor("fay");
    const wrong = await hook(start(6006, token), "webhook-secret-0123456780");
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get("content-type")).toContain("application/problem+json");
    expect((await hook(start(6006, token), null)).status).toBe(401);
    expect((await call("GET", "/v1/subscribers/fay")).body.telegram).toBeNull();
    // The token was not spent by the refused calls.
    expect((await (await hook(start(6006, token))).json()).text).toContain("Done");
  });

  it("lifts the suppression when a user who blocked the bot links again, and suppresses on my_chat_member kicked", async () => {
    peer.blocked.delete("2002");
    const token = await linkFor("bob");
    expect((await (await hook(start(2002, token))).json()).text).toContain("Done");
    expect(await herald.store.suppressions.reason("telegram", "2002")).toBeUndefined();
    const id = (await call("POST", "/v1/events", { type: "order.shipped", to: "bob", data: { order: 5, note: "back" } })).body.id;
    await herald.outbox.drain();
    expect((await deliveries(id))[0]!.status).toBe("sent");

    const kicked = await hook({ update_id: 9, my_chat_member: { chat: { id: 2002, type: "private" }, from: { id: 2002 }, date: 1, old_chat_member: { status: "member" }, new_chat_member: { status: "kicked" } } });
    expect(kicked.status).toBe(200);
    expect(await herald.store.suppressions.reason("telegram", "2002")).toContain("blocked");
  });

  it("has no link for a channel without a declared address, or a subscriber who does not exist", async () => {
    expect((await call("POST", "/v1/subscribers/nobody/links/telegram", {})).status).toBe(404);
    expect((await call("POST", "/v1/subscribers/dan/links/email", {})).status).toBe(404);
    expect((await call("PUT", "/v1/subscribers/dan", { telegram: "not a chat" })).status).toBe(400);
  });
});
