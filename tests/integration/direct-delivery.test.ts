/**
 * In-app notifications due at once are appended in the commit that accepts their event
 * (`direct` in src/core/delivery.ts). Herald in process, its outbox never started: whatever needs the
 * outbox shows up only after `drain()`, so each case proves which path it took.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import type { StreamFrame } from "../../src/core/realtime/frames.js";
import { builtInChannels } from "../../src/channels/index.js";
import { realtimeChannel } from "../../src/channels/realtime/realtime.js";
import { startWebhookPeer } from "../../src/channels/webhook/webhook.peer.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const clock = manualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
let herald: Herald;
let closeDb: () => Promise<void>;

const call = inProcessApi(() => herald);

const deliveries = async (eventId: string) => ((await call("GET", `/v1/events/${eventId}`)).body.notifications as any[]).flatMap((n) => n.deliveries);
async function inbox(subscriberId: string) {
  const token = (await call("POST", `/v1/subscribers/${subscriberId}/tokens`, {})).body.token;
  return (await call("GET", "/v1/me/notifications", undefined, token)).body.items as any[];
}

beforeAll(async () => {
  const db = await openLibsqlStore(tempDatabaseUrl());
  closeDb = db.close;
  herald = await createHerald({ store: db.store, clock, logger: silentLogger, channels: builtInChannels, env: { ...TEST_SECRETS } });
  await call("PUT", "/v1/templates/status", { channels: { realtime: { title: "Order {{data.order}}", body: "{{data.status}} for {{subscriber.name}}" } } });
  await call("PUT", "/v1/rules/status", { event: "order.status", category: "orders", steps: [{ channel: "realtime", template: "status" }] });
  await call("PUT", "/v1/rules/later", { event: "order.later", steps: [{ channel: "realtime", template: "status", delay: "1m" }] });
  // Rules refuse templates without content for their channels: the template loses it afterwards.
  await call("PUT", "/v1/templates/changing", { channels: { realtime: { title: "Order {{data.order}}", body: "{{data.status}}" } } });
  await call("PUT", "/v1/rules/no-content", { event: "order.broken", steps: [{ channel: "realtime", template: "changing" }] });
  expect((await call("PUT", "/v1/templates/changing", { channels: { push: { title: "Order {{data.order}}", body: "{{data.status}}" } } })).status).toBe(200);
  for (const id of ["direct-a", "direct-b", "direct-c", "direct-d"]) await call("PUT", `/v1/subscribers/${id}`, { name: id.toUpperCase() });
});
afterAll(async () => {
  await closeDb?.();
});

describe("in-app delivery inside the accepting commit", () => {
  it("is in the inbox and live as soon as the event is accepted, sent, with no outbox job", async () => {
    const frames: StreamFrame[] = [];
    const unsubscribe = herald.hub.subscribe("direct-a", (frame) => frames.push(frame));
    const accepted = await call("POST", "/v1/events", { id: "direct-1", type: "order.status", to: "direct-a", data: { order: 1234, status: "Courier on the way" } });
    expect(accepted.status).toBe(202);
    await new Promise((r) => setTimeout(r, 10));
    unsubscribe();

    const [item, ...rest] = await inbox("direct-a");
    expect(rest).toEqual([]);
    expect(item).toMatchObject({ seq: 1, type: "notification", title: "Order 1234", body: "Courier on the way for DIRECT-A" });
    const live = frames.filter((f) => f.type === "item");
    expect(live).toEqual([{ type: "item", item: expect.objectContaining({ id: item.id, seq: 1 }) }]);
    expect(frames).toContainEqual({ type: "unread", count: 1 });
    expect((await deliveries("direct-1")).map((d) => [d.channel, d.status, d.attempts])).toEqual([["realtime", "sent", 1]]);
    // Nothing was left for the outbox to do.
    expect(await herald.outbox.drain()).toBe(0);
  });

  it("a repeated event id appends nothing more", async () => {
    await call("POST", "/v1/events", { id: "direct-2", type: "order.status", to: "direct-b", data: { order: 7, status: "Accepted" } });
    await call("POST", "/v1/events", { id: "direct-2", type: "order.status", to: "direct-b", data: { order: 7, status: "Accepted" } });
    expect((await inbox("direct-b")).map((i) => i.seq)).toEqual([1]);
  });

  it("a muted in-app channel is left to the outbox, which cancels it", async () => {
    expect((await call("PATCH", "/v1/subscribers/direct-c/preferences", { channels: { realtime: false } })).status).toBe(200);
    await call("POST", "/v1/events", { id: "direct-3", type: "order.status", to: "direct-c", data: { order: 8, status: "Accepted" } });
    expect((await deliveries("direct-3")).map((d) => d.status)).toEqual(["pending"]);
    await herald.outbox.drain();
    expect((await deliveries("direct-3")).map((d) => d.status)).toEqual(["cancelled"]);
    expect(await inbox("direct-c")).toEqual([]);
  });

  it("a delayed step keeps its job and arrives when it is due", async () => {
    await call("POST", "/v1/events", { id: "direct-4", type: "order.later", to: "direct-d", data: { order: 9, status: "Assembling" } });
    expect(await inbox("direct-d")).toEqual([]);
    clock.advance(61_000);
    await herald.outbox.drain();
    expect((await inbox("direct-d")).map((i) => i.title)).toEqual(["Order 9"]);
    expect((await deliveries("direct-4")).map((d) => [d.status, d.providerMessageId])).toEqual([["sent", null]]);
  });

  it("a template that cannot render for in-app fails through the outbox, with its reason recorded", async () => {
    await call("POST", "/v1/events", { id: "direct-5", type: "order.broken", to: "direct-d", data: { order: 10, status: "Delivered" } });
    expect((await deliveries("direct-5")).map((d) => d.status)).toEqual(["pending"]);
    await herald.outbox.drain();
    const [delivery] = await deliveries("direct-5");
    expect(delivery).toMatchObject({ status: "failed" });
    expect(delivery.error ?? delivery.lastError).toMatch(/template_missing_channel/);
  });
});

describe("in-app delivery at accept, when composing throws", () => {
  it("still accepts the event, and the outbox delivers it", async () => {
    // The in-app channel as shipped, except that building its item at accept time throws.
    const flaky = { ...realtimeChannel, inboxItem: () => { throw new Error("boom"); } };
    const db = await openLibsqlStore(tempDatabaseUrl());
    const own = await createHerald({ store: db.store, clock, logger: silentLogger, channels: [...builtInChannels.filter((c) => c.id !== "realtime"), flaky], env: { ...TEST_SECRETS } });
    const request = inProcessApi(() => own);
    try {
      await request("PUT", "/v1/templates/status", { channels: { realtime: { title: "Order {{data.order}}", body: "{{data.status}}" } } });
      await request("PUT", "/v1/rules/status", { event: "order.status", steps: [{ channel: "realtime", template: "status" }] });
      await request("PUT", "/v1/subscribers/flaky-a", { name: "A" });
      expect((await request("POST", "/v1/events", { id: "flaky-1", type: "order.status", to: "flaky-a", data: { order: 1, status: "Accepted" } })).status).toBe(202);
      expect(await own.store.inbox.page("flaky-a", 0, 10)).toEqual([]);
      expect(await own.outbox.drain()).toBe(1);
      expect((await own.store.inbox.page("flaky-a", 0, 10)).map((r) => r.title)).toEqual(["Order 1"]);
    } finally {
      await db.close();
    }
  });
});

describe("an in-app delivery made in the accepting commit and one made by the outbox", () => {
  it("leave the same record: the timeline with its attempt, the status webhook, the metrics and the log", async () => {
    // Real time (moved by hand): the receiver checks the signature's timestamp against its own clock.
    const now = manualClock(Date.now());
    const shop = await startWebhookPeer();
    const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
    const db = await openLibsqlStore(tempDatabaseUrl());
    const env = { ...TEST_SECRETS, HERALD_CONFIG_CACHE_MS: "0", HERALD_ALLOW_PRIVATE_NETWORK: "1" };
    const own = await createHerald({ store: db.store, clock: now, logger: { log: (_level, msg, fields) => logs.push({ msg, fields }) }, channels: builtInChannels, env });
    const finished = vi.spyOn(own.metrics, "deliveryFinished");
    const request = inProcessApi(() => own);
    try {
      const endpoint = await request("POST", "/v1/webhook-endpoints", { url: `${shop.url}/status`, events: ["notification.delivered"] });
      shop.trust(endpoint.body.secret);
      await request("PUT", "/v1/templates/status", { channels: { realtime: { title: "Order {{data.order}}", body: "{{data.status}}" } } });
      await request("PUT", "/v1/rules/now", { event: "order.now", steps: [{ channel: "realtime", template: "status" }] });
      await request("PUT", "/v1/rules/later", { event: "order.later", steps: [{ channel: "realtime", template: "status", delay: "1m" }] });
      for (const id of ["same-a", "same-b"]) await request("PUT", `/v1/subscribers/${id}`, { name: id });
      const timeline = async (eventId: string) => ((await request("GET", `/v1/events/${eventId}`)).body.notifications as any[]).flatMap((n) => n.deliveries);

      expect((await request("POST", "/v1/events", { id: "same-1", type: "order.now", to: "same-a", data: { order: 1, status: "Packed" } })).status).toBe(202);
      // Sent with the outbox never run: the accepting commit made it.
      expect((await timeline("same-1")).map((d) => d.status)).toEqual(["sent"]);
      expect((await request("POST", "/v1/events", { id: "same-2", type: "order.later", to: "same-b", data: { order: 2, status: "Packed" } })).status).toBe(202);
      expect((await timeline("same-2")).map((d) => d.status)).toEqual(["pending"]);
      now.advance(61_000);
      await own.outbox.drain();

      const [direct] = await timeline("same-1");
      const [queued] = await timeline("same-2");
      const record = (d: any) => ({
        channel: d.channel,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError,
        providerMessageId: d.providerMessageId,
        attemptLog: d.attemptLog.map((a: any) => ({ n: a.n, outcome: a.outcome, code: a.code, answer: a.answer, provider: a.provider, providerMessageId: a.providerMessageId, atUpdate: a.at === d.updatedAt })),
      });
      const expected = { channel: "realtime", status: "sent", attempts: 1, lastError: null, providerMessageId: null, attemptLog: [{ n: 1, outcome: "sent", code: null, answer: null, provider: "realtime", providerMessageId: null, atUpdate: true }] };
      expect(record(direct)).toEqual(expected);
      expect(record(queued)).toEqual(expected);

      const delivered = (deliveryId: string) => shop.received.find((w) => (w.body as any).data.deliveryId === deliveryId)?.body as any;
      const webhookOf = (d: any, eventId: string, subscriberId: string) => ({ type: "notification.delivered", timestamp: d.updatedAt, data: { notificationId: expect.any(String), eventId, subscriberId, channel: "realtime", status: "sent", deliveryId: d.id } });
      expect(delivered(direct.id)).toEqual(webhookOf(direct, "same-1", "same-a"));
      expect(delivered(queued.id)).toEqual(webhookOf(queued, "same-2", "same-b"));

      expect(finished.mock.calls.map(([channel, status]) => [channel, status])).toEqual([["realtime", "sent"], ["realtime", "sent"]]);
      const sent = logs.filter((l) => l.msg === "delivery sent").map((l) => l.fields!);
      expect(sent.map((f) => f.delivery)).toEqual([direct.id, queued.id]);
      expect(Object.keys(sent[0]!).sort()).toEqual(Object.keys(sent[1]!).sort());
    } finally {
      await db.close();
      await shop.close();
    }
  });
});
