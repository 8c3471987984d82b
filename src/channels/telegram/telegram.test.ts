import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelConformance } from "../../../tests/channels/conformance.js";
import type { ChannelMessage, SendResult } from "../../core/channels/define.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { scriptControls } from "../shared/scripted.peer.js";
import { startTelegramPeer, telegramVisibleText, type TelegramPeer } from "./telegram.peer.js";
import { telegramChannel } from "./telegram.js";

let peer: TelegramPeer;
beforeAll(async () => {
  peer = await startTelegramPeer();
});
afterAll(() => peer.close());

const env = () => ({ TELEGRAM_BOT_TOKEN: peer.token, TELEGRAM_API_URL: peer.url, TELEGRAM_WEBHOOK_SECRET: "s3cret-s3cret-s3cret" });

channelConformance({
  channel: telegramChannel,
  content: { text: "<b>Order #1234</b> is with the courier" },
  address: "424242",
  carriesNotificationId: false,
  timeoutEnv: "TELEGRAM_TIMEOUT_MS",
  peer: () => ({
    env: env(),
    unreachableEnv: { ...env(), TELEGRAM_API_URL: "http://127.0.0.1:9" },
    ...scriptControls(peer),
    acceptedIds: () => peer.received.map((m) => `${m.chat_id}:${m.message_id}`),
  }),
});

let n = 0;
function message(content: { text: string; actions?: { action: string; title: string; url: string }[] }, address: string | null = "1001"): ChannelMessage<typeof content> {
  n++;
  return {
    notificationId: `ntf_${n}`,
    deliveryId: `dlv_${n}`,
    eventId: `evt_${n}`,
    subscriber: { id: "ann", name: "Ann", email: null, phone: null, locale: "en" },
    content,
    data: {},
    ...(address !== null ? { address } : {}),
    critical: true,
    category: "orders",
  };
}

const ctx = createSendContext({ allowPrivateNetwork: true });
const send = (content: Parameters<typeof message>[0], extraEnv: Record<string, string> = {}, address?: string | null): Promise<SendResult> =>
  createChannelRegistry([telegramChannel], { ...env(), ...extraEnv }).get("telegram")!.instance!.send(message(content, address), ctx);

describe("telegram sendMessage", () => {
  it("sends HTML with parse_mode and maps actions to an inline keyboard of URL buttons, one per row", async () => {
    const result = await send({
      text: "<b>Order 7</b> is on its way",
      actions: [
        { action: "track", title: "Track & trace", url: "https://shop.example/t?o=7&x=1" },
        { action: "chat", title: "Support", url: "tg://resolve?domain=shop_support" },
      ],
    });
    expect(result).toEqual({ ok: true, providerMessageId: expect.stringMatching(/^1001:\d+$/) });
    const got = peer.received.at(-1)!;
    expect(got).toMatchObject({ chat_id: "1001", parse_mode: "HTML", visible: "Order 7 is on its way" });
    expect(got.reply_markup).toEqual({
      inline_keyboard: [[{ text: "Track & trace", url: "https://shop.example/t?o=7&x=1" }], [{ text: "Support", url: "tg://resolve?domain=shop_support" }]],
    });
  });

  it("refuses a button Telegram cannot open, and text that is not Telegram HTML, without calling it", async () => {
    const before = peer.received.length + peer.refused.length;
    expect(await send({ text: "x", actions: [{ action: "a", title: "A", url: "javascript:alert(1)" }] })).toMatchObject({ ok: false, code: "invalid_button_url", retryable: false });
    expect(await send({ text: "<div>x</div>" })).toMatchObject({ ok: false, code: "invalid_html", retryable: false });
    expect(await send({ text: "Tom & Jerry" })).toMatchObject({ ok: false, code: "invalid_html" });
    expect(await send({ text: "<b>open" })).toMatchObject({ ok: false, code: "invalid_html" });
    expect(await send({ text: "x" }, {}, null)).toMatchObject({ ok: false, code: "no_address", undeliverable: true });
    expect(peer.received.length + peer.refused.length).toBe(before);
  });

  it("reads the Bot API's 429 parameters.retry_after as the retry delay", async () => {
    peer.script.push({ status: 429, retryAfter: "37" });
    expect(await send({ text: "hi" })).toMatchObject({ ok: false, code: "http_429", retryable: true, retryAfterMs: 37_000 });
    expect(peer.refused.at(-1)).toEqual({ status: 429, description: "Too Many Requests: retry after 37" });
  });

  it("marks a chat whose user blocked the bot undeliverable, as a final failure", async () => {
    peer.blocked.add("666");
    const result = await send({ text: "hi" }, {}, "666");
    expect(result).toMatchObject({ ok: false, code: "http_403", retryable: false, undeliverable: true });
    expect((result as { message: string }).message).toContain("bot was blocked by the user");
  });
});

describe("telegram group that became a supergroup", () => {
  /** A registry whose address service records the moves the channel reports, and a logger that keeps its lines. */
  function migrating() {
    const moves: [string, string, string][] = [];
    const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
    const addresses = {
      link: () => Promise.reject(new Error("not in this test")),
      moved: async (channel: string, from: string, to: string) => {
        moves.push([channel, from, to]);
        return { ok: true as const, subscribers: 1 };
      },
    };
    const instance = createChannelRegistry([telegramChannel], env(), { addresses }).get("telegram")!.instance!;
    const logged = { ...ctx, logger: { log: (level: string, msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields }) } };
    return { moves, lines, send: (content: Parameters<typeof message>[0], address: string) => instance.send(message(content, address), logged) };
  }

  it("sends again to the new chat id in the same attempt, reports the move once and logs it", async () => {
    peer.migrated.set("-4001", "-1009876543210");
    const { moves, lines, send: sendMigrating } = migrating();
    const refused = peer.refused.length;
    const result = await sendMigrating({ text: "<b>Standup</b> in 5" }, "-4001");
    expect(result).toEqual({ ok: true, providerMessageId: expect.stringMatching(/^-1009876543210:\d+$/) });
    expect(peer.refused.slice(refused)).toEqual([{ status: 400, description: "Bad Request: group chat was upgraded to a supergroup chat" }]);
    expect(peer.received.at(-1)).toMatchObject({ chat_id: "-1009876543210", visible: "Standup in 5" });
    expect(moves).toEqual([["telegram", "-4001", "-1009876543210"]]);
    expect(lines).toContainEqual({ level: "info", msg: expect.stringContaining("became a supergroup"), fields: expect.objectContaining({ from: "-4001", to: "-1009876543210", subscribers: 1 }) });
  });

  it("sends every part of a long text to the new chat, moving the address once", async () => {
    peer.migrated.set("-4002", "-1004002");
    const { moves, send: sendMigrating } = migrating();
    const before = peer.received.length;
    const result = await sendMigrating({ text: `${"word ".repeat(600)}\n${"word ".repeat(600)}` }, "-4002");
    expect(result).toMatchObject({ ok: true, providerMessageId: expect.stringMatching(/^-1004002:/) });
    expect(peer.received.slice(before).map((m) => m.chat_id)).toEqual(["-1004002", "-1004002"]);
    expect(moves).toEqual([["telegram", "-4002", "-1004002"]]);
  });

  it("follows one move per send, not a chain: a second one is a final failure", async () => {
    peer.migrated.set("-4003", "-1004003");
    peer.migrated.set("-1004003", "-1004004");
    const { moves, send: sendMigrating } = migrating();
    const result = await sendMigrating({ text: "hi" }, "-4003");
    expect(result).toMatchObject({ ok: false, code: "http_400", retryable: false, message: expect.stringContaining("upgraded to a supergroup") });
    expect(moves).toEqual([["telegram", "-4003", "-1004003"]]);
  });
});

describe("telegram long texts", () => {
  // 3 paragraphs of ~3,000 counted characters, with markup and entities that must survive the cuts.
  const paragraph = (i: number) => `<b>Part ${i}</b> <i>${"Tom &amp; Jerry &lt;3 ".repeat(200)}</i>\n`;
  const long = [1, 2, 3].map(paragraph).join("");
  const visible = (telegramVisibleText(long) as { text: string }).text;

  it("splits over 4,096 characters into valid messages, buttons on the last, losing nothing", async () => {
    expect(visible.length).toBeGreaterThan(4096 * 2);
    const before = peer.received.length;
    const result = await send({ text: long, actions: [{ action: "open", title: "Open", url: "https://shop.example/o" }] });
    expect(result).toMatchObject({ ok: true });
    const parts = peer.received.slice(before);
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part.visible.length).toBeLessThanOrEqual(4096);
    expect(parts.map((p) => p.visible).join("")).toBe(visible);
    expect(parts.map((p) => p.reply_markup !== undefined)).toEqual([false, false, true]);
    // Cut after a line break or a space, never inside a word or an entity.
    for (const part of parts.slice(0, -1)) expect(part.visible).toMatch(/[\n ]$/);
  });

  it("refuses instead when the policy says so, or when it would take more than TELEGRAM_MAX_PARTS messages", async () => {
    const before = peer.received.length;
    expect(await send({ text: long }, { TELEGRAM_OVER_LIMIT: "refuse" })).toMatchObject({ ok: false, code: "too_long", retryable: false });
    expect(await send({ text: long }, { TELEGRAM_MAX_PARTS: "2" })).toMatchObject({ ok: false, code: "too_long", retryable: false });
    expect(peer.received.length).toBe(before);
  });

  it("counts UTF-16 units as Telegram does: 4,096 emoji-free characters fit, 2,049 emoji do not", async () => {
    expect(await send({ text: "я".repeat(4096) }, { TELEGRAM_OVER_LIMIT: "refuse" })).toMatchObject({ ok: true });
    expect(await send({ text: "🙂".repeat(2049) }, { TELEGRAM_OVER_LIMIT: "refuse" })).toMatchObject({ ok: false, code: "too_long" });
    const before = peer.received.length;
    expect(await send({ text: "🙂".repeat(2049) })).toMatchObject({ ok: true });
    // Only this chat: a conformance send the peer held on purpose may land meanwhile.
    expect(peer.received.slice(before).filter((p) => p.chat_id === "1001").map((p) => p.visible.length)).toEqual([4096, 2]);
  });
});

describe("telegram templates", () => {
  it("refuses markup Telegram would refuse when the template is saved, naming the field", async () => {
    const compile = telegramChannel.compile!;
    expect(await compile({ text: "<b>{{data.order}}</b> & more" })).toMatchObject({ ok: false, problems: [{ path: "text", message: expect.stringContaining('unescaped "&"') }] });
    expect(await compile({ text: "<p>{{data.order}}</p>" })).toMatchObject({ ok: false, problems: [{ path: "text", message: expect.stringContaining('unsupported tag "p"') }] });
    expect(await compile({ text: '<b>Order {{data.order}}</b> <a href="{{data.url}}">track</a>' })).toMatchObject({ ok: true });
    // A tag opened in one branch and closed after it is left to the send-time check.
    expect(await compile({ text: "{{#if data.vip}}<b>{{/if}}Hi{{#if data.vip}}</b>{{/if}}" })).toMatchObject({ ok: true });
  });
});

describe("telegram deep link", () => {
  it("asks getMe for the bot's username once and builds t.me/<bot>?start=<token>", async () => {
    const instance = createChannelRegistry([telegramChannel], env()).get("telegram")!.instance!;
    const calls = peer.getMeCalls;
    expect(await instance.linkUrl!("tok_123", ctx)).toBe(`https://t.me/${peer.username}?start=tok_123`);
    expect(await instance.linkUrl!("tok_456", ctx)).toBe(`https://t.me/${peer.username}?start=tok_456`);
    expect(peer.getMeCalls).toBe(calls + 1);
    const named = createChannelRegistry([telegramChannel], { ...env(), TELEGRAM_BOT_USERNAME: "shop_bot" }).get("telegram")!.instance!;
    expect(await named.linkUrl!("t", ctx)).toBe("https://t.me/shop_bot?start=t");
    expect(peer.getMeCalls).toBe(calls + 1);
  });

  it("refuses webhook calls without the secret header (401) or with a wrong one (403)", async () => {
    const instance = createChannelRegistry([telegramChannel], env()).get("telegram")!.instance!;
    const call = (headers: Record<string, string>) => instance.webhook!({ url: "http://h/v1/channels/telegram/webhook", method: "POST", headers: new Headers(headers), body: "{}" }, ctx);
    expect((await call({})).status).toBe(401);
    expect((await call({ "x-telegram-bot-api-secret-token": "s3cret-s3cret-s3creT" })).status).toBe(403);
    expect((await call({ "x-telegram-bot-api-secret-token": "s3cret" })).status).toBe(403);
    expect((await call({ "x-telegram-bot-api-secret-token": "s3cret-s3cret-s3cret" })).status).toBe(200);
    const unset = createChannelRegistry([telegramChannel], { ...env(), TELEGRAM_WEBHOOK_SECRET: "" }).get("telegram")!.instance!;
    expect((await unset.webhook!({ url: "x", method: "POST", headers: new Headers({ "x-telegram-bot-api-secret-token": "anything-at-all-here" }), body: "{}" }, ctx)).status).toBe(403);
  });
});
