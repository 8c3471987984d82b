import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, TEST_WEBHOOK_SECRET, type HeraldProcess } from "../support/server.js";

let herald: HeraldProcess;
let peer: MattermostPeer;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  peer = await startMattermostPeer();
  herald = await startHerald({ env: { MATTERMOST_WEBHOOK_URL: peer.hookUrl, HERALD_RETRY_BASE_MS: "20", HERALD_RETRY_MAX_ATTEMPTS: "3" } });
  call = api(herald.url);
  await call("PUT", "/v1/subscribers/s1", { name: "Sam", locale: "en" });
  await call("PUT", "/v1/subscribers/s2", { name: "Саша", locale: "ru" });
  await call("PUT", "/v1/templates/status", {
    channels: { mattermost: { text: "#{{data.order}} is {{data.status}} ({{subscriber.name}}) {{formatCurrency data.total \"RUB\"}}" } },
    locales: { ru: { channels: { mattermost: { text: "Заказ #{{data.order}}: {{data.status}}" } } } },
  });
  await call("PUT", "/v1/rules/courier", {
    event: "order.status_changed",
    if: { "data.status": { in: ["courier", "delivered"] }, "data.total": { gte: 100 } },
    to: { subscriber: "{{data.customer}}" },
    steps: [{ channel: "mattermost", template: "status" }],
  });
});
afterAll(async () => {
  await herald?.stop();
  await peer?.close();
});
beforeEach(() => {
  peer.script.length = 0;
  peer.failWith = undefined;
});

async function settled(id: string, statuses = ["sent", "failed", "dead", "cancelled"]) {
  return eventually(async () => {
    const res = await call("GET", `/v1/events/${id}`);
    const all = res.body.notifications?.flatMap((n: any) => n.deliveries) ?? [];
    return res.body.status === "planned" && all.every((d: any) => statuses.includes(d.status)) ? res.body : undefined;
  });
}

describe("event to rule to template to channel", () => {
  it("delivers a matching event to the Mattermost peer with the notification id", async () => {
    const res = await call("POST", "/v1/events", { id: "ord-1-courier", type: "order.status_changed", data: { order: 1, status: "courier", total: 1500, customer: "s1" } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: "ord-1-courier" });
    const event = await settled("ord-1-courier");
    expect(event.notifications).toHaveLength(1);
    const [n] = event.notifications;
    expect(n).toMatchObject({ subscriberId: "s1", ruleId: "courier" });
    expect(n.deliveries[0]).toMatchObject({ channel: "mattermost", status: "sent", attempts: 1, lastError: null });
    const post = peer.received.find((p) => p.props?.herald_notification_id === n.id)!;
    expect(post.text).toBe("#1 is courier (Sam) RUB\u00a01,500.00");
    expect(post.headers["idempotency-key"]).toBe(n.id);
  });

  it("renders in the subscriber's locale", async () => {
    await call("POST", "/v1/events", { id: "ord-2", type: "order.status_changed", data: { order: 2, status: "delivered", total: 100, customer: "s2" } });
    const event = await settled("ord-2");
    const post = peer.received.find((p) => p.props?.herald_notification_id === event.notifications[0].id)!;
    expect(post.text).toBe("Заказ #2: delivered");
  });

  it("skips events whose conditions do not hold", async () => {
    await call("POST", "/v1/events", { id: "ord-3", type: "order.status_changed", data: { order: 3, status: "assembling", total: 500, customer: "s1" } });
    await call("POST", "/v1/events", { id: "ord-4", type: "order.status_changed", data: { order: 4, status: "courier", total: 5, customer: "s1" } });
    expect((await settled("ord-3")).notifications).toEqual([]);
    expect((await settled("ord-4")).notifications).toEqual([]);
  });

  it("fans out to the members of a topic", async () => {
    await call("PUT", "/v1/templates/news", { channels: { mattermost: { text: "News for {{subscriber.id}}" } } });
    await call("PUT", "/v1/rules/news", { event: "news.published", steps: [{ channel: "mattermost", template: "news" }] });
    await call("PUT", "/v1/topics/newsletter/subscribers/s1");
    await call("PUT", "/v1/topics/newsletter/subscribers/s2");
    await call("POST", "/v1/events", { id: "news-1", type: "news.published", topic: "newsletter" });
    const event = await settled("news-1");
    expect(event.notifications.map((n: any) => n.subscriberId).sort()).toEqual(["s1", "s2"]);
  });
});

describe("idempotency", () => {
  it("answers the same id again with the same 202 and delivers once", async () => {
    const body = { id: "dup-1", type: "order.status_changed", data: { order: 10, status: "courier", total: 200, customer: "s1" } };
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => call("POST", "/v1/events", body)));
    expect(answers.map((a) => [a.status, a.body.id])).toEqual(Array(5).fill([202, "dup-1"]));
    const event = await settled("dup-1");
    await call("POST", "/v1/events", body);
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.arrivals().get(event.notifications[0].id)).toBe(1);
  });

  it("uses the Idempotency-Key header when the body has no id", async () => {
    const body = { type: "order.status_changed", data: { order: 11, status: "courier", total: 200, customer: "s1" } };
    const a = await call("POST", "/v1/events", body, { "idempotency-key": "key-11" });
    const b = await call("POST", "/v1/events", body, { "idempotency-key": "key-11" });
    expect([a.body.id, b.body.id]).toEqual(["key-11", "key-11"]);
    const event = await settled("key-11");
    expect(event.notifications).toHaveLength(1);
  });
});

describe("signed events", () => {
  const sign = (raw: string, t: number, secret = TEST_WEBHOOK_SECRET) => `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${raw}`).digest("hex")}`;
  const post = (raw: string, signature: string) =>
    fetch(`${herald.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json", "x-herald-signature": signature }, body: raw });

  it("accepts a correctly signed event without an API key", async () => {
    const raw = JSON.stringify({ id: "signed-1", type: "ping" });
    const res = await post(raw, sign(raw, Math.floor(Date.now() / 1000)));
    expect(res.status).toBe(202);
  });

  it("rejects a stale, wrong or tampered signature with 401", async () => {
    const raw = JSON.stringify({ id: "signed-2", type: "ping" });
    const now = Math.floor(Date.now() / 1000);
    expect((await post(raw, sign(raw, now - 301))).status).toBe(401);
    expect((await post(raw, sign(raw, now, "other-secret"))).status).toBe(401);
    expect((await post(raw.replace("ping", "pong"), sign(raw, now))).status).toBe(401);
    const res = await post(raw, "garbage");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect((await call("GET", "/v1/events/signed-2")).status).toBe(404);
  });
});

describe("retries and failures", () => {
  it("retries a 5xx and honours Retry-After on 429, then succeeds", async () => {
    peer.script.push({ status: 503 }, { status: 429, retryAfter: "1" });
    const started = Date.now();
    await call("POST", "/v1/events", { id: "retry-1", type: "order.status_changed", data: { order: 20, status: "courier", total: 300, customer: "s1" } });
    const event = await settled("retry-1");
    expect(event.notifications[0].deliveries[0]).toMatchObject({ status: "sent", attempts: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("marks a delivery dead after the bounded attempts and keeps it", async () => {
    peer.failWith = 500;
    await call("POST", "/v1/events", { id: "dead-1", type: "order.status_changed", data: { order: 21, status: "courier", total: 300, customer: "s1" } });
    const event = await settled("dead-1");
    expect(event.notifications[0].deliveries[0]).toMatchObject({ status: "dead", attempts: 3 });
    expect(event.notifications[0].deliveries[0].lastError).toContain("http_500");
  });

  it("fails at once on a 4xx and starts the fallback step", async () => {
    await call("PUT", "/v1/templates/fb", { channels: { mattermost: { text: "fallback for {{data.order}}" } } });
    await call("PUT", "/v1/rules/with-fallback", {
      event: "fb.test",
      to: { subscriber: "s1" },
      steps: [
        { channel: "mattermost", template: "fb" },
        { channel: "mattermost", template: "fb", fallback: true },
      ],
    });
    peer.script.push({ status: 400 });
    await call("POST", "/v1/events", { id: "fb-1", type: "fb.test", data: { order: 22 } });
    const event = await settled("fb-1");
    expect(event.notifications[0].deliveries.map((d: any) => [d.status, d.attempts])).toEqual([["failed", 1], ["sent", 1]]);
  });

  it("never starts a fallback when the first step succeeds", async () => {
    await call("POST", "/v1/events", { id: "fb-2", type: "fb.test", data: { order: 23 } });
    const event = await settled("fb-2", ["sent", "waiting"]);
    expect(event.notifications[0].deliveries.map((d: any) => d.status)).toEqual(["sent", "waiting"]);
  });
});

describe("delays, stats and metrics", () => {
  it("holds a delayed step until its time", async () => {
    await call("PUT", "/v1/rules/delayed", { event: "delayed.test", to: { subscriber: "s1" }, steps: [{ channel: "mattermost", template: "fb", delay: "1s" }] });
    const posted = Date.now();
    await call("POST", "/v1/events", { id: "delay-1", type: "delayed.test", data: { order: 30 } });
    const event = await settled("delay-1");
    const post = peer.received.find((p) => p.props?.herald_notification_id === event.notifications[0].id)!;
    expect(post.at - posted).toBeGreaterThanOrEqual(1000);
  });

  it("counts deliveries per channel and status and exposes Prometheus metrics", async () => {
    const stats = await call("GET", "/v1/stats");
    expect(stats.status).toBe(200);
    expect(stats.body.channels.mattermost.sent).toBeGreaterThan(0);
    const metrics = await fetch(`${herald.url}/metrics`, { headers: { authorization: `Bearer ${(await import("../support/server.js")).TEST_API_KEY}` } });
    const text = await metrics.text();
    expect(text).toMatch(/herald_events_accepted_total \d+/);
    expect(text).toMatch(/herald_deliveries_total\{channel="mattermost",status="sent"\} \d+/);
    expect(text).toContain("herald_delivery_latency_seconds_bucket");
    expect(text).toContain("herald_outbox_jobs");
  });
});
