/**
 * Delivery-status webhooks through a running server, on each runtime: the business app registers
 * an endpoint, a receiving peer verifies every Standard Webhooks signature with the reference
 * library and records events by webhook-id. A receiver answering 500 for a while gets every event
 * exactly once (by id) once it recovers; a receiver that never recovers leaves dead letters the
 * admin API lists and can send again. Deliveries go through the webhook channel, so its signing
 * runs on each runtime too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateWebhookSecret } from "../../src/lib/standard-webhooks.js";
import { startWebhookPeer, type WebhookPeer } from "../../src/channels/webhook/webhook.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

const channelSecret = generateWebhookSecret();
let herald: HeraldProcess;
let call: ReturnType<typeof api>;
let shop: WebhookPeer; // the business app's status receiver
let crm: WebhookPeer; // the webhook channel's target
let broken: WebhookPeer; // a receiver that stays down until the test lets it recover

beforeAll(async () => {
  [shop, crm, broken] = await Promise.all([startWebhookPeer(), startWebhookPeer(channelSecret), startWebhookPeer()]);
  herald = await startHerald({
    env: { WEBHOOK_SECRET: channelSecret, HERALD_ALLOW_PRIVATE_NETWORK: "1", HERALD_RETRY_BASE_MS: "20", HERALD_RETRY_CAP_MS: "1000", HERALD_RETRY_MAX_ATTEMPTS: "16" },
  });
  call = api(herald.url);
  await call("PUT", "/v1/subscribers/s1", { name: "Sam", data: { crm: `${crm.url}/crm` } });
  const template = await call("PUT", "/v1/templates/order-hook", { channels: { webhook: { url: "{{data.hook}}", body: { order: "{{data.order}}", note: "{{data.note}}", subscriber: "{{subscriber.id}}" } } } });
  expect(template.status).toBe(200);
  const rule = await call("PUT", "/v1/rules/order-hook", { event: "order.shipped", to: { subscriber: "s1" }, steps: [{ channel: "webhook", template: "order-hook" }] });
  expect(rule.status).toBe(200);
});
afterAll(async () => {
  await herald?.stop();
  await Promise.all([shop?.close(), crm?.close(), broken?.close()]);
});

describe("delivery-status webhooks", () => {
  it("registers an endpoint: 201 with a whsec_ secret shown once, listed without it", async () => {
    const created = await call("POST", "/v1/webhook-endpoints", { url: `${shop.url}/herald`, events: ["notification.delivered", "notification.failed", "delivery.dead"] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^whe_/), url: `${shop.url}/herald`, events: ["notification.delivered", "notification.failed", "delivery.dead"], secret: expect.stringMatching(/^whsec_/) });
    shop.trust(created.body.secret);
    const listed = await call("GET", "/v1/webhook-endpoints");
    expect(listed.body.items).toEqual([{ id: created.body.id, url: `${shop.url}/herald`, events: created.body.events, createdAt: expect.any(String) }]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret.slice(6));
  });

  it("a receiver answering 500 for a while still gets every event exactly once, signed, once it recovers", async () => {
    shop.failWith = 500;
    const orders = Array.from({ length: 30 }, (_, i) => i);
    // Posted together, so the outage below is short for every event (one by one takes ~20 s on workerd).
    const answers = await Promise.all(orders.map((i) => call("POST", "/v1/events", { id: `ship-${i}`, type: "order.shipped", data: { order: `A-${i}`, note: `"quoted" <${i}>`, hook: `${crm.url}/crm/${i}` } })));
    expect(answers.map((a) => a.status)).toEqual(orders.map(() => 202));
    // Down until every event has been refused at least once: each one is retried.
    await eventually(() => new Set(shop.requests.filter((r) => r.status === 500).map((r) => r.id)).size >= orders.length || undefined, 30_000);
    shop.failWith = undefined;
    await eventually(() => shop.received.length >= orders.length || undefined, 30_000);
    // The receiver records before Herald commits the outcome: wait for the commits.
    const counts = await eventually(async () => {
      const now = (await call("GET", "/v1/admin/webhook-messages?status=dead")).body.counts;
      return now.pending === 0 ? now : undefined;
    });
    expect(counts).toEqual({ pending: 0, dead: 0, sent: orders.length });
    // A little longer: a late duplicate would show up as a second accepted request for an id.
    await new Promise((r) => setTimeout(r, 500));

    expect(shop.refused).toEqual([]);
    expect(shop.received).toHaveLength(orders.length);
    const events = shop.received.map((r) => r.body as { type: string; timestamp: string; data: Record<string, unknown> });
    expect(new Set(events.map((e) => e.data.eventId))).toEqual(new Set(orders.map((i) => `ship-${i}`)));
    for (const [i, e] of events.entries()) {
      expect(e).toMatchObject({ type: "notification.delivered", data: { subscriberId: "s1", channel: "webhook", status: "sent", notificationId: expect.stringMatching(/^ntf_/) } });
      expect(Number.isNaN(Date.parse(e.timestamp))).toBe(false);
      expect(shop.received[i]!.id).toBe(`${e.data.deliveryId}.sent`);
    }
    // Retries carried the same webhook-id: some ids were answered 500 and later 204, none accepted twice.
    const accepted = shop.requests.filter((r) => r.status === 204).map((r) => r.id);
    expect(new Set(accepted).size).toBe(orders.length);
    expect(accepted).toHaveLength(orders.length);
    expect(shop.requests.filter((r) => r.status === 500).length).toBeGreaterThanOrEqual(orders.length);

    // The webhook channel itself delivered each order once, signed, with the body rendered as JSON.
    expect(crm.refused).toEqual([]);
    expect(crm.received).toHaveLength(orders.length);
    const first = crm.received.find((r) => r.path === "/crm/0")!;
    expect(first.body).toEqual({ order: "A-0", note: '"quoted" <0>', subscriber: "s1" });
  });

  it("reports a final channel failure as notification.failed with the reason", async () => {
    await call("POST", "/v1/events", { id: "ship-bad", type: "order.shipped", data: { order: "B-1", note: "", hook: "not a url" } });
    const failed = await eventually(() => shop.received.find((r) => (r.body as { data: { eventId: string } }).data.eventId === "ship-bad"));
    expect(failed.body).toMatchObject({ type: "notification.failed", data: { status: "failed", channel: "webhook", error: expect.stringContaining("invalid_url") } });
  });

  it("keeps what a receiver never accepted as dead letters the admin lists and can send again", async () => {
    broken.failWith = 503;
    const created = await call("POST", "/v1/webhook-endpoints", { url: `${broken.url}/down`, events: ["notification.delivered"] });
    expect(created.status).toBe(201);
    broken.trust(created.body.secret);
    await new Promise((r) => setTimeout(r, 1100)); // other processes' endpoint caches (1 s)
    await call("POST", "/v1/events", { id: "ship-dead", type: "order.shipped", data: { order: "C-1", note: "", hook: `${crm.url}/crm/dead` } });
    const dead = await eventually(async () => {
      const { body } = await call("GET", "/v1/admin/webhook-messages?status=dead");
      return body.items.find((m: { endpointId: string }) => m.endpointId === created.body.id);
    }, 60_000);
    expect(dead).toMatchObject({ type: "notification.delivered", status: "dead", attempts: 16, lastError: expect.stringContaining("http_503") });
    expect(broken.requests.filter((r) => r.id === dead.id).length).toBe(16);
    expect(broken.received).toHaveLength(0);

    broken.failWith = undefined;
    const replay = await call("POST", `/v1/admin/webhook-messages/${created.body.id}/${encodeURIComponent(dead.id)}/replay`);
    expect(replay.status).toBe(202);
    await eventually(() => broken.received.find((r) => r.id === dead.id));
    expect((await call("POST", `/v1/admin/webhook-messages/${created.body.id}/${encodeURIComponent(dead.id)}/replay`)).status).toBe(404);
    expect(broken.refused).toEqual([]);
  });

  it("deletes an endpoint: 204, gone from the list, then 404", async () => {
    const { body } = await call("GET", "/v1/webhook-endpoints");
    const id = body.items[body.items.length - 1].id;
    expect((await call("DELETE", `/v1/webhook-endpoints/${id}`)).status).toBe(204);
    expect((await call("GET", "/v1/webhook-endpoints")).body.items.map((e: { id: string }) => e.id)).not.toContain(id);
    const again = await call("DELETE", `/v1/webhook-endpoints/${id}`);
    expect(again.status).toBe(404);
  });
});
