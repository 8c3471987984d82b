import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelConformance } from "../../../tests/channels/conformance.js";
import { startPushService, type FakeBrowserSubscription, type PushServicePeer } from "./push-service.peer.js";
import { verifyToken } from "../../core/auth/subscriber-token.js";
import type { ChannelMessage, EngineServices, PushTarget } from "../../core/channels/define.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import type { Clock } from "../../core/clock.js";
import { generateVapidKeys } from "../../core/push/vapid.js";
import { issueToken } from "../../core/auth/subscriber-token.js";
import { PushContent, pushChannel } from "./push.js";
import { PUSH_PAYLOAD_MAX_BYTES } from "./payload.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { scriptControls } from "../shared/scripted.peer.js";

const TOKEN_KEY = "push-test-token-key";
let peer: PushServicePeer;
let vapid: { publicKey: string; privateKey: string; subject: string };
/** Subscriptions per subscriber, as the store would hold them. */
const devices = new Map<string, PushTarget[]>();
const removed: string[] = [];

function services(env: Record<string, string> = {}): EngineServices {
  return {
    realtime: { deliverNotification: () => Promise.reject(new Error("unused")) },
    push: {
      vapid,
      async subscriptions(subscriberId) {
        if (env.TEST_PUSH_TARGET === "unreachable") return [{ ...devices.get("sub-1")![0]!, endpoint: "http://127.0.0.1:9/push/x" }];
        return devices.get(subscriberId) ?? [];
      },
      async remove(endpoint) {
        removed.push(endpoint);
        for (const [id, list] of devices) devices.set(id, list.filter((d) => d.endpoint !== endpoint));
      },
      succeeded: async () => {},
      unreadCount: async () => 3,
      receiptToken: (sub, ttl) => issueToken(TOKEN_KEY, { sub, exp: Math.floor(Date.now() / 1000) + ttl }),
    },
    links: { publicUrl: () => "http://127.0.0.1:1", webhook: (id) => `http://127.0.0.1:1/v1/channels/${id}/webhook` },
  };
}

function register(subscriberId: string, count = 1): FakeBrowserSubscription[] {
  const made = Array.from({ length: count }, () => peer.subscribe());
  devices.set(subscriberId, [...(devices.get(subscriberId) ?? []), ...made.map((s) => ({ endpoint: s.endpoint, ...s.keys }))]);
  return made;
}

function channel(env: Record<string, string> = {}) {
  return createChannelRegistry([pushChannel], env, services(env)).get("push")!.instance!;
}

let clockNow = Date.now();
const clock: Clock = { now: () => clockNow } as Clock;
const ctx = () => createSendContext({ allowPrivateNetwork: true, clock });

let n = 0;
function message(subscriberId: string, content: Record<string, unknown>): ChannelMessage<any> {
  n++;
  return {
    notificationId: `ntf_push_${n}`,
    deliveryId: `dlv_${n}`,
    critical: true,
    category: "orders",
    eventId: `evt_${n}`,
    subscriber: { id: subscriberId, name: "Aigul", email: null, phone: null, locale: "ru" },
    content,
    data: {},
  };
}

const orderContent = {
  title: "Order #1234 is on its way",
  body: "Courier Almaz is on the way, arriving in 8 minutes",
  url: "https://shop.example/orders/1234",
  icon: "https://shop.example/icon.png",
  badge: "https://shop.example/badge.png",
  image: "https://shop.example/p/1234.jpg",
  tag: "order-1234",
  actions: [
    { action: "track", title: "Track courier", url: "https://shop.example/orders/1234/track" },
    { action: "view", title: "View order", url: "https://shop.example/orders/1234" },
  ],
};

beforeAll(async () => {
  peer = await startPushService();
  vapid = { ...(await generateVapidKeys()), subject: "mailto:ops@shop.example" };
  register("sub-1");
});
afterAll(() => peer.close());

channelConformance({
  channel: pushChannel,
  content: { title: "Order #1234 accepted", body: "We got it" },
  timeoutEnv: "HERALD_PUSH_TIMEOUT_MS",
  services,
  peer: () => ({
    env: {},
    unreachableEnv: { TEST_PUSH_TARGET: "unreachable" },
    ...scriptControls(peer),
    acceptedIds: () => peer.received.map((r) => r.payload.data.notificationId),
  }),
});

describe("web push channel", () => {
  it("encrypts the notification for the browser, which decrypts title, body, image, actions and data", async () => {
    register("buyer");
    const m = message("buyer", orderContent);
    const result = await channel().send(m, ctx());
    expect(result).toMatchObject({ ok: true });
    const got = peer.received.at(-1)!;
    expect(got.payload).toMatchObject({
      title: orderContent.title,
      body: orderContent.body,
      url: orderContent.url,
      icon: orderContent.icon,
      badge: orderContent.badge,
      image: orderContent.image,
      tag: "order-1234",
      actions: [
        { action: "track", title: "Track courier" },
        { action: "view", title: "View order" },
      ],
      data: { notificationId: m.notificationId, url: orderContent.url, actions: { track: "https://shop.example/orders/1234/track", view: "https://shop.example/orders/1234" }, unread: 3 },
    });
    // The receipt token names the subscriber, so the service worker can report seen and clicked.
    expect((await verifyToken(TOKEN_KEY, got.payload.data.token, Date.now()))?.sub).toBe("buyer");
    expect(got.jwt).toMatchObject({ aud: peer.url, sub: "mailto:ops@shop.example" });
    expect(got.vapidKey).toBe(vapid.publicKey);
  });

  it("sends TTL, Urgency (high for order tags) and a Topic from the tag, so a newer status replaces an older one", async () => {
    register("headers");
    // Found by notification id: a send the conformance suite made the peer hold may land meanwhile.
    const headersOf = (m: ChannelMessage<unknown>) => peer.received.find((r) => r.payload.data.notificationId === m.notificationId)!.headers;
    const orderMessage = message("headers", orderContent);
    await channel({ HERALD_PUSH_TTL_SECONDS: "600" }).send(orderMessage, ctx());
    const order = headersOf(orderMessage);
    expect(order).toMatchObject({ ttl: "600", urgency: "high", topic: "order-1234", "content-encoding": "aes128gcm" });
    const newsMessage = message("headers", { title: "News", body: "x", tag: "weekly digest: № 7, with a long and foreign tag" });
    await channel().send(newsMessage, ctx());
    const news = headersOf(newsMessage);
    expect(news.urgency).toBe("normal");
    expect(news.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(news.ttl).toBe("86400");
  });

  it("sends to every device the subscriber registered", async () => {
    const phones = register("two-devices", 2);
    const before = peer.received.length;
    expect(await channel().send(message("two-devices", { title: "t", body: "b" }), ctx())).toMatchObject({ ok: true });
    expect(peer.received.slice(before).map((r) => r.id).sort()).toEqual(phones.map((p) => p.endpoint.split("/").pop()).sort());
  });

  it("removes a subscription the push service calls gone (410) and reports undeliverable, so the fallback runs", async () => {
    const [device] = register("gone");
    peer.gone.add(device!.endpoint.split("/").pop()!);
    const result = await channel().send(message("gone", { title: "t", body: "b" }), ctx());
    expect(result).toMatchObject({ ok: false, retryable: false, undeliverable: true, code: "http_410" });
    expect(removed).toContain(device!.endpoint);
    expect(devices.get("gone")).toEqual([]);
  });

  it("still succeeds when one device is gone and another takes the message", async () => {
    const [old] = register("mixed", 2);
    peer.gone.add(old!.endpoint.split("/").pop()!);
    expect(await channel().send(message("mixed", { title: "t", body: "b" }), ctx())).toMatchObject({ ok: true });
    expect(devices.get("mixed")).toHaveLength(1);
  });

  it("reports a subscriber without devices as undeliverable", async () => {
    expect(await channel().send(message("nobody", { title: "t", body: "b" }), ctx())).toEqual({
      ok: false,
      code: "no_push_subscription",
      message: "subscriber nobody has no push subscription",
      retryable: false,
      undeliverable: true,
    });
  });

  it("retries a 429 after the push service's Retry-After, and a 500", async () => {
    register("busy");
    peer.script.push({ status: 429, retryAfter: "30" });
    expect(await channel().send(message("busy", { title: "t", body: "b" }), ctx())).toMatchObject({ ok: false, retryable: true, code: "http_429", retryAfterMs: 30_000 });
    peer.script.push({ status: 500 });
    expect(await channel().send(message("busy", { title: "t", body: "b" }), ctx())).toMatchObject({ ok: false, retryable: true, code: "http_500" });
  });

  it("records 400, 403 and 413 as final failures with the reason", async () => {
    register("refused");
    for (const status of [400, 403, 413]) {
      peer.script.push({ status });
      const result = await channel().send(message("refused", { title: "t", body: "b" }), ctx());
      expect(result).toMatchObject({ ok: false, retryable: false, code: `http_${status}` });
      expect((result as { message: string }).message).toContain(`scripted ${status}`);
    }
  });

  it("shortens a long Cyrillic body to fit 3,993 bytes at a character boundary, keeping URL and actions", async () => {
    register("long");
    const body = "Ваш заказ собирается, курьер Алмаз скоро будет у вас. ".repeat(80);
    const m = message("long", { ...orderContent, body });
    expect(await channel().send(m, ctx())).toMatchObject({ ok: true });
    const got = peer.received.at(-1)!;
    expect(got.plaintextBytes).toBeLessThanOrEqual(PUSH_PAYLOAD_MAX_BYTES);
    expect(got.plaintextBytes).toBeGreaterThan(PUSH_PAYLOAD_MAX_BYTES - 20);
    const shown: string = got.payload.body;
    expect(shown.endsWith("…")).toBe(true);
    expect(body.startsWith(shown.slice(0, -1))).toBe(true);
    expect(shown).not.toContain("\uFFFD");
    expect(got.payload.url).toBe(orderContent.url);
    expect(got.payload.actions).toHaveLength(2);
    expect(got.payload.data.actions.track).toBe("https://shop.example/orders/1234/track");
  });

  it("signs one VAPID JWT per push-service origin and reuses it until it nears expiry", async () => {
    register("jwt");
    const instance = channel();
    await instance.send(message("jwt", { title: "1", body: "b" }), ctx());
    await instance.send(message("jwt", { title: "2", body: "b" }), ctx());
    const [a, b] = peer.received.slice(-2);
    expect(a!.token).toBe(b!.token);
    expect(a!.jwt.exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(11 * 3600);
    clockNow += 11.5 * 3600 * 1000;
    try {
      await instance.send(message("jwt", { title: "3", body: "b" }), ctx());
    } finally {
      clockNow = Date.now();
    }
    expect(peer.received.at(-1)!.token).not.toBe(a!.token);
  });

  it("declares every field plain text, so a new field cannot start arriving HTML-escaped", () => {
    // Nothing a push carries is HTML (the service worker test shows it end to end: tests/browser/push-sw.test.ts).
    expect(new Set(pushChannel.plainTextFields)).toEqual(new Set(Object.keys(PushContent.shape)));
  });

  it("refuses an unknown urgency at start-up", () => {
    expect(() => createChannelRegistry([pushChannel], { HERALD_PUSH_URGENCY: "urgent" }, services())).toThrow(/HERALD_PUSH_URGENCY/);
  });
});
