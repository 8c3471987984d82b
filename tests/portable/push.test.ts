import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVapidKeys } from "../../src/core/push/vapid.js";
import { startPushService, type PushServicePeer } from "../../src/channels/push/push-service.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

let herald: HeraldProcess;
let peer: PushServicePeer;
let call: ReturnType<typeof api>;
let vapid: { publicKey: string; privateKey: string };

async function tokenFor(id: string): Promise<string> {
  await call("PUT", `/v1/subscribers/${id}`, { name: id, locale: "en" });
  return (await call("POST", `/v1/subscribers/${id}/tokens`, {})).body.token;
}

async function subscribeBrowser(id: string) {
  const token = await tokenFor(id);
  const subscription = peer.subscribe();
  const res = await api(herald.url, token)("POST", "/v1/me/push-subscriptions", subscription);
  expect(res.status).toBe(201);
  return { token, subscription, pushId: subscription.endpoint.split("/").pop()! };
}

async function settled(id: string) {
  return eventually(async () => {
    const res = await call("GET", `/v1/events/${id}`);
    const all = res.body.notifications?.flatMap((n: any) => n.deliveries) ?? [];
    return res.body.status === "planned" && all.length > 0 && all.every((d: any) => ["sent", "failed", "dead", "cancelled", "waiting"].includes(d.status)) && all.some((d: any) => d.status !== "waiting") ? res.body : undefined;
  });
}

beforeAll(async () => {
  peer = await startPushService();
  vapid = await generateVapidKeys();
  herald = await startHerald({
    env: { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: "mailto:ops@shop.example", HERALD_RETRY_BASE_MS: "20", HERALD_RETRY_MAX_ATTEMPTS: "3" },
  });
  call = api(herald.url);
  await call("PUT", "/v1/templates/order-push", {
    channels: {
      push: {
        title: "Order #{{data.order}}: {{data.status}}",
        body: "{{data.text}}",
        url: "https://shop.example/orders/{{data.order}}",
        tag: "order-{{data.order}}",
        actions: [{ action: "track", title: "Track courier", url: "https://shop.example/orders/{{data.order}}/track" }],
      },
      realtime: { title: "Order #{{data.order}}: {{data.status}}", body: "{{data.text}}" },
    },
  });
  await call("PUT", "/v1/rules/order-push", {
    event: "order.status_changed",
    to: { subscriber: "{{data.customer}}" },
    steps: [
      { channel: "push", template: "order-push" },
      { channel: "realtime", template: "order-push", fallback: true },
    ],
  });
});
afterAll(async () => {
  await herald?.stop();
  await peer?.close();
});

describe("web push through a running Herald", () => {
  it("serves the VAPID public key without credentials", async () => {
    const res = await api(herald.url, null)("GET", "/v1/push/vapid-public-key");
    expect(res).toMatchObject({ status: 200, body: { publicKey: vapid.publicKey } });
  });

  it("refuses subscriptions to unknown hosts and malformed keys with a problem naming the field", async () => {
    const me = api(herald.url, await tokenFor("validator"));
    const good = peer.subscribe();
    const foreign = await me("POST", "/v1/me/push-subscriptions", { ...good, endpoint: "https://push.evil.example/x" });
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get("content-type")).toContain("application/problem+json");
    expect(foreign.body.errors.map((e: any) => e.path)).toEqual(["endpoint"]);
    const badKey = await me("POST", "/v1/me/push-subscriptions", { ...good, keys: { ...good.keys, p256dh: Buffer.alloc(33, 3).toString("base64url") } });
    expect(badKey.body.errors.map((e: any) => e.path)).toEqual(["keys.p256dh"]);
    const badAuth = await me("POST", "/v1/me/push-subscriptions", { ...good, keys: { ...good.keys, auth: "abc" } });
    expect(badAuth.body.errors.map((e: any) => e.path)).toEqual(["keys.auth"]);
    expect((await api(herald.url, null)("POST", "/v1/me/push-subscriptions", good)).status).toBe(401);
  });

  it("keeps one row per endpoint: registering again moves it, DELETE removes it", async () => {
    const a = await subscribeBrowser("mover-a");
    const tokenB = await tokenFor("mover-b");
    expect((await api(herald.url, tokenB)("POST", "/v1/me/push-subscriptions", a.subscription)).status).toBe(201);
    // mover-a no longer owns it, so cannot delete it; mover-b can, once.
    expect((await api(herald.url, a.token)("DELETE", "/v1/me/push-subscriptions", { endpoint: a.subscription.endpoint })).status).toBe(404);
    expect((await api(herald.url, tokenB)("DELETE", "/v1/me/push-subscriptions", { endpoint: a.subscription.endpoint })).status).toBe(204);
    expect((await api(herald.url, tokenB)("DELETE", "/v1/me/push-subscriptions", { endpoint: a.subscription.endpoint })).status).toBe(404);
  });

  it("delivers an order status as an encrypted push; the service worker's token reports seen and clicked", async () => {
    const { pushId } = await subscribeBrowser("buyer");
    await call("POST", "/v1/events", { id: "push-201", type: "order.status_changed", data: { order: 1234, status: "courier", text: "Courier Almaz is on the way", customer: "buyer" } });
    const event = await settled("push-201");
    const [n] = event.notifications;
    expect(n.deliveries.map((d: any) => [d.channel, d.status])).toEqual([["push", "sent"], ["realtime", "waiting"]]);
    const got = peer.received.find((r) => r.id === pushId)!;
    expect(got.payload).toMatchObject({ title: "Order #1234: courier", body: "Courier Almaz is on the way", tag: "order-1234", actions: [{ action: "track", title: "Track courier" }] });
    expect(got.payload.data).toMatchObject({ notificationId: n.id, url: "https://shop.example/orders/1234", actions: { track: "https://shop.example/orders/1234/track" } });
    expect(got.jwt.sub).toBe("mailto:ops@shop.example");
    expect(got.headers).toMatchObject({ topic: "order-1234", urgency: "high" });

    const sw = api(herald.url, got.payload.data.token);
    const seen = await sw("POST", `/v1/me/notifications/${n.id}/seen`);
    expect(seen.status).toBe(200);
    expect(seen.body.seenAt).not.toBeNull();
    const clicked = await sw("POST", `/v1/me/notifications/${n.id}/clicked`, { action: "track" });
    expect(clicked.status).toBe(200);
    expect(clicked.body.clickedAt).toMatch(/^\d{4}-/);
    expect((await api(herald.url, await tokenFor("someone-else"))("POST", `/v1/me/notifications/${n.id}/clicked`, {})).status).toBe(404);
    // The token in the payload reports receipts; it cannot read the inbox.
    expect((await sw("GET", "/v1/me/notifications")).status).toBe(403);
  });

  it("removes a subscription answered 410 at once and falls back to the in-app inbox", async () => {
    const { pushId, token } = await subscribeBrowser("gone-buyer");
    peer.gone.add(pushId);
    await call("POST", "/v1/events", { id: "push-410", type: "order.status_changed", data: { order: 77, status: "delivered", text: "Delivered!", customer: "gone-buyer" } });
    const event = await eventually(async () => {
      const body = (await call("GET", "/v1/events/push-410")).body;
      return body.notifications?.[0]?.deliveries?.[1]?.status === "sent" ? body : undefined;
    });
    expect(event.notifications[0].deliveries.map((d: any) => [d.channel, d.status, d.attempts])).toEqual([["push", "failed", 1], ["realtime", "sent", 1]]);
    const inbox = await api(herald.url, token)("GET", "/v1/me/notifications");
    expect(inbox.body.items.map((i: any) => i.title)).toEqual(["Order #77: delivered"]);
    // Gone for good: the next status finds no device and goes straight to the fallback.
    await call("POST", "/v1/events", { id: "push-410b", type: "order.status_changed", data: { order: 77, status: "reviewed", text: "Thanks", customer: "gone-buyer" } });
    const next = await eventually(async () => {
      const body = (await call("GET", "/v1/events/push-410b")).body;
      return body.notifications?.[0]?.deliveries?.[1]?.status === "sent" ? body : undefined;
    });
    expect(next.notifications[0].deliveries[0].lastError).toContain("no_push_subscription");
    expect(peer.received.filter((r) => r.id === pushId)).toHaveLength(0);
  });

  it("waits out a 429's Retry-After before trying again", async () => {
    await subscribeBrowser("patient");
    peer.script.push({ status: 429, retryAfter: "1" });
    const posted = Date.now();
    await call("POST", "/v1/events", { id: "push-429", type: "order.status_changed", data: { order: 5, status: "accepted", text: "Accepted", customer: "patient" } });
    const event = await eventually(async () => {
      const body = (await call("GET", "/v1/events/push-429")).body;
      return body.notifications?.[0]?.deliveries?.[0]?.status === "sent" ? body : undefined;
    });
    expect(event.notifications[0].deliveries[0].attempts).toBe(2);
    const arrived = peer.received.find((r) => r.payload.data.notificationId === event.notifications[0].id)!;
    expect(arrived).toBeDefined();
    expect(Date.now() - posted).toBeGreaterThanOrEqual(1000);
  });

  it("retries a 500 storm and then gives the delivery up as dead (and falls back)", async () => {
    await subscribeBrowser("stormy");
    const before = peer.count;
    peer.script.push({ status: 500 }, { status: 500 }, { status: 500 });
    await call("POST", "/v1/events", { id: "push-500", type: "order.status_changed", data: { order: 6, status: "assembling", text: "About 5 minutes", customer: "stormy" } });
    const event = await eventually(async () => {
      const body = (await call("GET", "/v1/events/push-500")).body;
      return body.notifications?.[0]?.deliveries?.[1]?.status === "sent" ? body : undefined;
    });
    expect(event.notifications[0].deliveries[0]).toMatchObject({ channel: "push", status: "dead", attempts: 3 });
    expect(event.notifications[0].deliveries[0].lastError).toContain("http_500");
    expect(peer.count - before).toBe(3);
  });
});

describe("order status templates (docs/examples/order-status-templates.json)", () => {
  const { templates } = JSON.parse(readFileSync(new URL("../../docs/examples/order-status-templates.json", import.meta.url), "utf8"));
  const data = { order: 1234, shopUrl: "https://shop.example", image: "https://shop.example/p/1234.jpg", etaMinutes: 8, courier: { name: "Алмаз", phone: "+7 900 000-00-00" } };

  it("are accepted, and offer Cancel only before the courier and Reorder only after delivery", async () => {
    for (const [key, body] of Object.entries(templates)) expect((await call("PUT", `/v1/templates/${key}`, body)).status).toBe(200);
    const actions = async (key: string, locale: string) =>
      (await call("POST", `/v1/templates/${key}/preview`, { data, subscriber: { name: "Aigul" }, locale, channels: ["push"] })).body.channels.push.actions.map((a: any) => a.action);
    expect(await actions("order-accepted", "en")).toEqual(["view", "cancel"]);
    expect(await actions("order-assembling", "ru")).toEqual(["view", "cancel"]);
    expect(await actions("order-courier", "en")).toEqual(["track", "view"]);
    expect(await actions("order-delivered", "ru")).toEqual(["review", "reorder"]);
  });

  it("reach a Russian-speaking customer in Russian with the courier's name, phone, photo and buttons", async () => {
    await call("PUT", "/v1/subscribers/ru-buyer", { name: "Айгуль", locale: "ru" });
    const token = (await call("POST", "/v1/subscribers/ru-buyer/tokens", {})).body.token;
    const subscription = peer.subscribe();
    expect((await api(herald.url, token)("POST", "/v1/me/push-subscriptions", subscription)).status).toBe(201);
    await call("PUT", "/v1/rules/order-courier", { event: "order.courier", steps: [{ channel: "push", template: "order-courier" }] });
    await call("POST", "/v1/events", { id: "tpl-courier", type: "order.courier", to: "ru-buyer", data });
    const got = await eventually(() => peer.received.find((r) => r.id === subscription.endpoint.split("/").pop()));
    expect(got.payload).toMatchObject({
      title: "Курьер Алмаз в пути",
      body: "Будет через 8 мин. Телефон курьера: +7 900 000-00-00.",
      image: "https://shop.example/p/1234.jpg",
      tag: "order-1234",
      actions: [{ action: "track", title: "Где курьер" }, { action: "view", title: "Открыть заказ" }],
      data: { actions: { track: "https://shop.example/orders/1234/track" } },
    });
  });
});

describe("start-up checks", () => {
  // Not on workerd: a Worker reads its settings on its first request, so a bad setting is a 500 there, not a refused start.
  it.skipIf(process.env.HERALD_TEST_RUNTIME === "workerd")("refuses to start with a malformed VAPID key or a subject that is not mailto: or https:", async () => {
    await expect(startHerald({ env: { VAPID_PUBLIC_KEY: "AAAA", VAPID_PRIVATE_KEY: "BBBB" } })).rejects.toThrow(/VAPID_PUBLIC_KEY/);
    await expect(startHerald({ env: { VAPID_SUBJECT: "http://shop.example" } })).rejects.toThrow(/VAPID_SUBJECT/);
  });
});

describe("quiet hours and web push", () => {
  it("holds a non-critical push until quiet hours end, while a critical one goes out", async () => {
    const { token } = await subscribeBrowser("night-owl");
    // A quiet window around "now" in the subscriber's timezone (UTC here), ending in about an hour.
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const now = Date.now();
    const quietHours = { start: hhmm(new Date(now - 3600_000)), end: hhmm(new Date(now + 3600_000)) };
    await call("PUT", "/v1/subscribers/night-owl", { name: "night-owl", timezone: "UTC" });
    expect((await api(herald.url, token)("PATCH", "/v1/me/preferences", { quietHours })).status).toBe(200);
    await call("PUT", "/v1/rules/night-promo", { event: "night.promo", category: "promotions", steps: [{ channel: "push", template: "order-push" }] });
    await call("PUT", "/v1/rules/night-order", { event: "night.order", critical: true, steps: [{ channel: "push", template: "order-push" }] });
    const data = { order: 99, status: "Courier", text: "Tom & Jerry on the way" };
    await call("POST", "/v1/events", { id: "night-promo-1", type: "night.promo", to: "night-owl", data });
    await call("POST", "/v1/events", { id: "night-order-1", type: "night.order", to: "night-owl", data });

    const order = await settled("night-order-1");
    expect(order.notifications[0].deliveries[0].status).toBe("sent");
    // Plain text in a push: "&" arrives as "&", not "&amp;".
    const arrived = await eventually(() => peer.received.find((r) => r.payload.data.notificationId === order.notifications[0].id));
    expect(arrived.payload.body).toBe("Tom & Jerry on the way");
    const promo = await eventually(async () => {
      const d = (await call("GET", "/v1/events/night-promo-1")).body.notifications?.[0]?.deliveries[0];
      return d?.lastError?.startsWith("deferred") ? d : undefined;
    });
    expect(promo.status).toBe("pending");
    const until = Date.parse(promo.lastError.replace("deferred: quiet hours until ", ""));
    expect(until).toBeGreaterThan(now + 3500_000);
    expect(until).toBeLessThan(now + 3700_000);
  });
});
