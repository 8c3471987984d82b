import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelConformance } from "../../../tests/channels/conformance.js";
import type { ChannelMessage } from "../../core/channels/define.js";
import { renderChannelContent } from "../../core/channels/content.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { maskingLogger, type Logger } from "../../core/logger.js";
import { scriptControls } from "../shared/scripted.peer.js";
import { discordChannel } from "./discord.js";
import { startDiscordPeer, type DiscordPeer } from "./discord.peer.js";

let peer: DiscordPeer;
beforeAll(async () => {
  peer = await startDiscordPeer();
});
afterAll(() => peer.close());

channelConformance({
  channel: discordChannel,
  content: { text: "Order #1234 is with the courier" },
  timeoutEnv: "DISCORD_TIMEOUT_MS",
  peer: () => ({
    env: { DISCORD_WEBHOOK_URL: peer.hookUrl },
    unreachableEnv: { DISCORD_WEBHOOK_URL: "http://127.0.0.1:9/api/webhooks/1/x" },
    ...scriptControls(peer),
    acceptedIds: () => peer.received.map((m) => String(m.headers["x-herald-notification-id"])),
  }),
});

let counter = 0;
function message(content: unknown): ChannelMessage<unknown> {
  counter++;
  return {
    notificationId: `ntf_discord_${counter}`,
    deliveryId: `d${counter}`,
    eventId: `e${counter}`,
    subscriber: { id: "s1", name: "Ann", email: null, phone: null, locale: "en" },
    content,
    data: {},
    critical: true,
    category: "test",
  };
}

async function send(content: unknown, env: Record<string, string> = {}) {
  const instance = createChannelRegistry([discordChannel], { DISCORD_WEBHOOK_URL: peer.hookUrl, ...env }).get("discord")!.instance!;
  const m = message(content);
  const result = await instance.send(m, createSendContext({ allowPrivateNetwork: true }));
  return { result, sent: peer.received.find((r) => r.headers["x-herald-notification-id"] === m.notificationId) };
}

/** Renders a template's `channels.discord` with event data the way the engine does, then sends it. */
async function renderAndSend(template: unknown, data: Record<string, unknown>, env: Record<string, string> = {}) {
  const rendered = await renderChannelContent(discordChannel, template, { data, subscriber: { id: "s1" }, event: { id: "e", type: "t" }, notification: { id: "n" } });
  if (!rendered.ok) throw new Error(rendered.message);
  return send(rendered.content, env);
}

describe("discord message", () => {
  it("waits for the message and records its id; sends text as written, never pinging anyone", async () => {
    const { result, sent } = await renderAndSend({ text: "Ticket from {{data.name}}: {{data.note}}" }, { name: "Tom & Jerry <VIP>", note: "@everyone @here <@123456789012345678> <@&876543210987654321> look" });
    expect(result).toEqual({ ok: true, providerMessageId: sent!.id });
    expect(sent!.query).toMatchObject({ wait: "true", with_components: "true" });
    // Discord shows text as is: no HTML entities.
    expect(sent!.content).toBe("Ticket from Tom & Jerry <VIP>: @everyone @here <@123456789012345678> <@&876543210987654321> look");
    expect(sent!.allowed_mentions).toEqual({ parse: [] });
    expect(sent!.pinged).toEqual([]);
  });

  it("sends template actions as link buttons, with labels cut to 80, and drops non-web URLs", async () => {
    const { result, sent } = await renderAndSend(
      {
        text: "Your order shipped",
        actions: [
          { action: "track", title: "Track {{data.carrier}}", url: "{{data.trackUrl}}" },
          { action: "evil", title: "Click", url: "{{data.evilUrl}}" },
          { action: "long", title: "{{data.longTitle}}", url: "https://shop.example/o/1" },
        ],
      },
      { carrier: "DHL & Co", trackUrl: "https://track.example/?id=1&lang=en", evilUrl: "javascript:alert(1)", longTitle: "Ж".repeat(100) },
    );
    expect(result).toMatchObject({ ok: true });
    expect(sent!.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 5, label: "Track DHL & Co", url: "https://track.example/?id=1&lang=en" },
          { type: 2, style: 5, label: `${"Ж".repeat(79)}…`, url: "https://shop.example/o/1" },
        ],
      },
    ]);
    expect(sent!.embeds).toEqual([]);
  });

  it("puts actions as markdown links in an embed with DISCORD_ACTIONS=links, and for URLs too long for a button", async () => {
    const longUrl = `https://shop.example/r?${"x".repeat(600)}`;
    const actions = [
      { action: "track", title: "Track [fast]", url: "https://track.example/a(1)" },
      { action: "long", title: "Receipt", url: longUrl },
    ];
    const links = await send({ text: "Shipped", actions }, { DISCORD_ACTIONS: "links" });
    expect(links.result).toMatchObject({ ok: true });
    expect(links.sent!.components).toEqual([]);
    expect(links.sent!.embeds).toEqual([{ description: `[Track \\[fast\\]](https://track.example/a%281%29)\n[Receipt](${longUrl})` }]);
    const mixed = await send({ text: "Shipped", actions });
    expect(mixed.sent!.components[0]!.components).toHaveLength(1);
    expect(mixed.sent!.embeds).toEqual([{ description: `[Receipt](${longUrl})` }]);
  });

  it("cuts text to Discord's 2,000 characters, which the webhook would otherwise refuse", async () => {
    const long = "é".repeat(3000);
    const { result, sent } = await send({ text: long });
    expect(result).toMatchObject({ ok: true });
    expect(sent!.content).toHaveLength(2000);
    expect(sent!.content!.endsWith("…")).toBe(true);
    // The peer refuses what Discord refuses: the same text uncut.
    const res = await fetch(`${peer.hookUrl}?wait=true`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ content: long }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 50035, errors: { content: expect.any(String) } });
  });

  it("refuses more than five actions when the template is saved", () => {
    const actions = Array.from({ length: 6 }, (_, i) => ({ action: `a${i}`, title: "x", url: "https://x.example" }));
    expect(discordChannel.content.safeParse({ text: "x", actions }).success).toBe(false);
  });

  it("fails without calling Discord when nothing is left to send", async () => {
    const before = peer.requests.length;
    expect((await send({ text: "  ", actions: [{ action: "x", title: "x", url: "javascript:void 0" }] })).result).toMatchObject({ ok: false, code: "empty_message", retryable: false });
    expect(peer.requests.length).toBe(before);
  });
});

describe("discord failures", () => {
  it("honours retry_after from the 429 body, to the millisecond", async () => {
    peer.rateLimit = { limit: 2, windowMs: 1500 };
    try {
      const results = [];
      for (let i = 0; i < 3; i++) results.push((await send({ text: `burst ${i}` })).result);
      expect(results.slice(0, 2)).toMatchObject([{ ok: true }, { ok: true }]);
      const limited = results[2] as { retryAfterMs: number };
      expect(limited).toMatchObject({ ok: false, retryable: true, code: "http_429" });
      const told = peer.requests.at(-1)!.retryAfter!;
      // Not the whole-second Retry-After header: the fractional seconds of the body.
      expect(limited.retryAfterMs).toBe(Math.ceil(told * 1000));
      expect(limited.retryAfterMs).toBeGreaterThan(0);
      expect(limited.retryAfterMs).toBeLessThanOrEqual(1500);
      await new Promise((r) => setTimeout(r, limited.retryAfterMs));
      expect((await send({ text: "after the wait" })).result).toMatchObject({ ok: true });
    } finally {
      peer.rateLimit = undefined;
    }
  });

  it("fails at once for a deleted webhook (404 Unknown Webhook) and a wrong token (401)", async () => {
    const deleted = await send({ text: "x" }, { DISCORD_WEBHOOK_URL: peer.deletedHookUrl });
    expect(deleted.result).toMatchObject({ ok: false, retryable: false, code: "http_404" });
    expect((deleted.result as { message: string }).message).toContain("Unknown Webhook (10015)");
    expect((await send({ text: "x" }, { DISCORD_WEBHOOK_URL: peer.wrongTokenUrl })).result).toMatchObject({ ok: false, retryable: false, code: "http_401" });
  });

  it("refuses a webhook name Discord would refuse, at start-up", () => {
    expect(() => createChannelRegistry([discordChannel], { DISCORD_WEBHOOK_URL: peer.hookUrl, DISCORD_USERNAME: "Discord Bot" })).toThrow(/DISCORD_USERNAME: must be 1 to 80 characters/);
    expect(createChannelRegistry([discordChannel], { DISCORD_WEBHOOK_URL: peer.hookUrl, DISCORD_USERNAME: "Shop alerts" }).get("discord")!.instance).toBeDefined();
  });

  it("masks the webhook token in logs", () => {
    const registry = createChannelRegistry([discordChannel], { DISCORD_WEBHOOK_URL: peer.hookUrl });
    const lines: string[] = [];
    const inner: Logger = { log: (level, msg, fields) => void lines.push(JSON.stringify({ level, msg, fields })) };
    maskingLogger(inner, registry.secrets()).log("error", `request to ${peer.hookUrl} failed`, { DISCORD_WEBHOOK_URL: peer.hookUrl });
    expect(lines.join("\n")).not.toContain(new URL(peer.hookUrl).pathname.split("/").at(-1));
  });
});
