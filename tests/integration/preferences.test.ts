/**
 * Issue 5's engine side over HTTP: preferences (own and server-side), critical rules, fallback when a
 * channel is muted, quiet hours, escalation cancelled by `seen`, and one-click unsubscribe links.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

let herald: HeraldProcess;
let peer: MattermostPeer;
let call: ReturnType<typeof api>;

async function asSubscriber(id: string) {
  const issued = await call("POST", `/v1/subscribers/${id}/tokens`, {});
  return api(herald.url, issued.body.token);
}

async function deliveries(eventId: string): Promise<{ channel: string; status: string; lastError?: string | null }[]> {
  const res = await call("GET", `/v1/events/${eventId}`);
  return res.body?.notifications?.flatMap((n: any) => n.deliveries) ?? [];
}

async function settled(eventId: string, count: number) {
  return eventually(async () => {
    const list = await deliveries(eventId);
    return list.length === count && list.every((d) => !["pending", "waiting"].includes(d.status)) ? list : undefined;
  });
}

beforeAll(async () => {
  peer = await startMattermostPeer();
  herald = await startHerald({ env: { MATTERMOST_WEBHOOK_URL: peer.hookUrl } });
  call = api(herald.url);
  await call("PUT", "/v1/templates/note", { channels: { realtime: { title: "Note", body: "{{data.text}}" }, mattermost: { text: "mm {{data.text}}" } } });
  await call("PUT", "/v1/rules/promo", { event: "promo.sent", category: "promotions", steps: [{ channel: "realtime", template: "note" }] });
  await call("PUT", "/v1/rules/order", { event: "order.sent", critical: true, category: "orders", steps: [{ channel: "realtime", template: "note" }] });
  await call("PUT", "/v1/rules/promo-fallback", {
    event: "promo.fallback",
    steps: [
      { channel: "realtime", template: "note" },
      { channel: "mattermost", template: "note", fallback: true },
    ],
  });
  await call("PUT", "/v1/rules/escalate", {
    event: "ticket.reply",
    steps: [
      { channel: "realtime", template: "note" },
      { channel: "mattermost", template: "note", after: "1500ms", unlessSeen: true },
    ],
  });
});
afterAll(async () => {
  await herald?.stop();
  await peer?.close();
});

describe("preferences API", () => {
  it("starts empty, merges patches, and refuses bad documents with a 400 naming the field", async () => {
    await call("PUT", "/v1/subscribers/pref-a", { name: "A" });
    const me = await asSubscriber("pref-a");
    expect((await me("GET", "/v1/me/preferences")).body).toEqual({});
    const patched = await me("PATCH", "/v1/me/preferences", { channels: { sms: false }, categories: { promotions: { email: false } }, quietHours: { start: "22:00", end: "08:00" } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ channels: { sms: false }, categories: { promotions: { email: false } }, quietHours: { start: "22:00", end: "08:00" } });
    expect((await me("PATCH", "/v1/me/preferences", { channels: { sms: null }, quietHours: null })).body).toEqual({ categories: { promotions: { email: false } } });

    const bad = await me("PATCH", "/v1/me/preferences", { quietHours: { start: "25:00", end: "08:00" } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(bad.body.errors[0].path).toBe("quietHours.start");
    expect((await me("PATCH", "/v1/me/preferences", { colour: "red" })).status).toBe(400);

    // The server side sees and changes the same document.
    expect((await call("GET", "/v1/subscribers/pref-a/preferences")).body).toEqual({ categories: { promotions: { email: false } } });
    expect((await call("PATCH", "/v1/subscribers/pref-a/preferences", { channels: { push: false } })).body.channels).toEqual({ push: false });
    expect((await call("GET", "/v1/subscribers/nobody/preferences")).status).toBe(404);
    // Preferences need a token: the API key path is separate.
    expect((await api(herald.url, null)("GET", "/v1/me/preferences")).status).toBe(401);
  });
});

describe("preferences at send time", () => {
  it("mutes a category, but never a critical rule", async () => {
    await call("PUT", "/v1/subscribers/pref-b", { name: "B" });
    await call("PATCH", "/v1/subscribers/pref-b/preferences", { categories: { promotions: false, orders: false } });
    await call("POST", "/v1/events", { id: "pref-promo-1", type: "promo.sent", to: "pref-b", data: { text: "20% off" } });
    await call("POST", "/v1/events", { id: "pref-order-1", type: "order.sent", to: "pref-b", data: { text: "order accepted" } });
    const [promo] = await settled("pref-promo-1", 1);
    expect(promo).toMatchObject({ channel: "realtime", status: "cancelled" });
    expect(promo!.lastError).toMatch(/muted.*promotions/);
    const [order] = await settled("pref-order-1", 1);
    expect(order!.status).toMatch(/sent|delivered/);
    const inbox = (await (await asSubscriber("pref-b"))("GET", "/v1/me/notifications")).body.items.map((i: any) => i.body);
    expect(inbox).toEqual(["order accepted"]);
  });

  it("a muted channel hands the message to the rule's fallback channel", async () => {
    await call("PUT", "/v1/subscribers/pref-c", { name: "C" });
    await call("PATCH", "/v1/subscribers/pref-c/preferences", { channels: { realtime: false } });
    await call("POST", "/v1/events", { id: "pref-fallback-1", type: "promo.fallback", to: "pref-c", data: { text: "via fallback" } });
    const list = await settled("pref-fallback-1", 2);
    expect(list.map((d) => [d.channel, d.status])).toEqual([
      ["realtime", "cancelled"],
      ["mattermost", "sent"],
    ]);
    expect(peer.received.some((p) => p.text === "mm via fallback")).toBe(true);
  });

  it("a change reaches messages not yet sent", async () => {
    await call("PUT", "/v1/subscribers/pref-d", { name: "D" });
    await call("PUT", "/v1/rules/delayed-promo", { event: "promo.delayed", category: "promotions", steps: [{ channel: "realtime", template: "note", delay: "1500ms" }] });
    await call("POST", "/v1/events", { id: "pref-delayed-1", type: "promo.delayed", to: "pref-d", data: { text: "later" } });
    // Unsubscribed while the step waits for its delay.
    await call("PATCH", "/v1/subscribers/pref-d/preferences", { categories: { promotions: false } });
    const [only] = await settled("pref-delayed-1", 1);
    expect(only!.status).toBe("cancelled");
  });
});

describe("escalation", () => {
  it("a seen notification cancels its pending escalation at once; an unseen one escalates", async () => {
    await call("PUT", "/v1/subscribers/esc-a", { name: "Esc" });
    const me = await asSubscriber("esc-a");
    await call("POST", "/v1/events", { id: "esc-seen", type: "ticket.reply", to: "esc-a", data: { text: "seen reply" } });
    await call("POST", "/v1/events", { id: "esc-unseen", type: "ticket.reply", to: "esc-a", data: { text: "unseen reply" } });
    const item = await eventually(async () => (await me("GET", "/v1/me/notifications")).body.items.find((i: any) => i.body === "seen reply"));
    expect((await me("POST", `/v1/me/notifications/${item.id}/seen`)).status).toBe(200);
    // Cancelled right away, long before the 1.5 s escalation is due.
    const now = await deliveries("esc-seen");
    expect(now.find((d) => d.channel === "mattermost")!.status).toBe("cancelled");

    const unseen = await settled("esc-unseen", 2);
    expect(unseen.find((d) => d.channel === "mattermost")!.status).toBe("sent");
    expect(peer.received.some((p) => p.text === "mm unseen reply")).toBe(true);
    expect(peer.received.some((p) => p.text === "mm seen reply")).toBe(false);
  });
});

describe("unsubscribe links", () => {
  it("GET confirms without changing anything; POST (RFC 8058 one-click) turns the channel off; the token grants nothing else", async () => {
    await call("PUT", "/v1/subscribers/unsub-a", { name: "U" });
    // The same link the engine puts in List-Unsubscribe, made from a delivery of a non-critical rule.
    const url = await linkFor("unsub-a");
    const path = new URL(url).pathname;
    const page = await fetch(herald.url + path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<form method=\"post\"");
    expect((await call("GET", "/v1/subscribers/unsub-a/preferences")).body).toEqual({});

    const posted = await fetch(herald.url + path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(posted.status).toBe(200);
    expect((await call("GET", "/v1/subscribers/unsub-a/preferences")).body).toEqual({ channels: { mattermost: false } });

    // The link's token is not a subscriber token.
    const token = path.split("/").pop()!;
    expect((await api(herald.url, token)("GET", "/v1/me/notifications")).status).toBe(403);
    // A tampered link is refused.
    const tampered = path.slice(0, -3) + (path.endsWith("AAA") ? "BBB" : "AAA");
    expect((await fetch(herald.url + tampered, { method: "POST" })).status).toBe(404);
  });
});

describe("channel webhooks", () => {
  it("answer 404 for a channel without one, and need no API key to reach", async () => {
    const res = await api(herald.url, null)("POST", "/v1/channels/mattermost/webhook", "x", { "content-type": "text/plain" });
    expect(res.status).toBe(404);
    expect(res.body.type).toContain("not-found");
  });
});

/** Sends a non-critical Mattermost message whose text carries the unsubscribe link, and reads it at the peer. */
async function linkFor(subscriberId: string): Promise<string> {
  await call("PUT", "/v1/templates/unsub-link", { channels: { mattermost: { text: "{{{notification.unsubscribeUrl}}}" } } });
  await call("PUT", "/v1/rules/unsub-link", { event: "unsub.link", steps: [{ channel: "mattermost", template: "unsub-link" }] });
  await call("POST", "/v1/events", { type: "unsub.link", to: subscriberId });
  const post = await eventually(() => peer.received.find((p) => p.text.includes("/v1/unsubscribe/")));
  return post.text;
}
