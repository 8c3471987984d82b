/**
 * Delivery-status webhooks through a running server, on each runtime: the business app registers
 * an endpoint, a receiving peer verifies every Standard Webhooks signature with the reference
 * library and records events by webhook-id. A receiver that is down for a while (503 with
 * Retry-After) gets every event exactly once (by id) once it recovers, no sooner than it asked; a
 * receiver that never recovers leaves dead letters the admin API lists and can send again; a
 * read-all reaches a receiver as one notification.read per notification it marked; a read, read-all,
 * archive or click of what was not seen yet reports notification.seen too, once. Deliveries go
 * through the webhook channel, so its signing runs on each runtime too.
 *
 * Kept fast: one Herald for the file; a short retry schedule (4 sends, 20 ms doubling) so a dead
 * letter takes four sends, not sixteen; endpoint and rule caches off (HERALD_CONFIG_CACHE_MS=0),
 * so no test waits out another process's cache; conditions polled, never slept on; the outage and
 * the dead letter, each on its own endpoint and event type, at the same time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateWebhookSecret } from "../../src/lib/standard-webhooks.js";
import { startWebhookPeer, type WebhookPeer } from "../../src/channels/webhook/webhook.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

const channelSecret = generateWebhookSecret();
/** Sends in all before a status webhook is dead (HERALD_RETRY_MAX_ATTEMPTS). */
const ATTEMPTS = 4;
let herald: HeraldProcess;
let call: ReturnType<typeof api>;
let shop: WebhookPeer; // the business app's status receiver
let crm: WebhookPeer; // the webhook channel's target
let broken: WebhookPeer; // a receiver that stays down until the test lets it recover
let reads: WebhookPeer; // a receiver of notification.read
let looks: WebhookPeer; // a receiver of notification.seen, .read and .clicked
let shopEndpoint: string;

beforeAll(async () => {
  [shop, crm, broken, reads, looks] = await Promise.all([startWebhookPeer(), startWebhookPeer(channelSecret), startWebhookPeer(), startWebhookPeer(), startWebhookPeer()]);
  herald = await startHerald({
    env: {
      WEBHOOK_SECRET: channelSecret,
      HERALD_ALLOW_PRIVATE_NETWORK: "1",
      HERALD_RETRY_BASE_MS: "20",
      HERALD_RETRY_CAP_MS: "1000",
      HERALD_RETRY_MAX_ATTEMPTS: String(ATTEMPTS),
      HERALD_CONFIG_CACHE_MS: "0",
    },
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
  await Promise.all([shop?.close(), crm?.close(), broken?.close(), reads?.close(), looks?.close()]);
});

/**
 * The messages of one endpoint once none is pending: every send has finished and committed (the
 * receiver records a request before Herald commits its outcome), and none can start again, since
 * the sender skips a settled message: a duplicate would have shown by then.
 */
async function settled(endpointId: string): Promise<{ sent: string[]; dead: string[] }> {
  const of = async (status: string) => ((await call("GET", `/v1/admin/webhook-messages?status=${status}&limit=200`)).body.items as { id: string; endpointId: string }[]).filter((m) => m.endpointId === endpointId).map((m) => m.id);
  await eventually(async () => (await of("pending")).length === 0 || undefined, 60_000);
  return { sent: await of("sent"), dead: await of("dead") };
}

describe("delivery-status webhooks", () => {
  it("registers an endpoint: 201 with a whsec_ secret shown once, listed without it", async () => {
    const created = await call("POST", "/v1/webhook-endpoints", { url: `${shop.url}/herald`, events: ["notification.delivered", "notification.failed", "delivery.dead"] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^whe_/), url: `${shop.url}/herald`, events: ["notification.delivered", "notification.failed", "delivery.dead"], secret: expect.stringMatching(/^whsec_/) });
    shop.trust(created.body.secret);
    shopEndpoint = created.body.id;
    const listed = await call("GET", "/v1/webhook-endpoints");
    expect(listed.body.items).toEqual([{ id: created.body.id, url: `${shop.url}/herald`, events: created.body.events, createdAt: expect.any(String) }]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret.slice(6));
  });

  // The next two share the Herald at the same time: each has its own endpoint, event types and receiver.
  it.concurrent("a receiver down for a while (503, Retry-After) gets every event exactly once, signed, no sooner than it asked", async ({ expect }) => {
    // Down: every request answered 503 with Retry-After: 3 until the outage ends. Each refused
    // event then waits 3 s, so the outage would have to last 9 s to use up its 4 sends.
    const RETRY_AFTER_S = 3;
    shop.script.push(...Array.from({ length: 1000 }, () => ({ status: 503, retryAfter: String(RETRY_AFTER_S) })));
    const orders = Array.from({ length: 10 }, (_, i) => i);
    const answers = await Promise.all(orders.map((i) => call("POST", "/v1/events", { id: `ship-${i}`, type: "order.shipped", data: { order: `A-${i}`, note: `"quoted" <${i}>`, hook: `${crm.url}/crm/${i}` } })));
    expect(answers.map((a) => a.status)).toEqual(orders.map(() => 202));
    // Down until every event has been refused at least once: each one is retried.
    await eventually(() => new Set(shop.requests.filter((r) => r.status === 503).map((r) => r.id)).size >= orders.length || undefined, 30_000);
    shop.script.length = 0;
    await eventually(() => shop.received.length >= orders.length || undefined, 30_000);
    const { sent, dead } = await settled(shopEndpoint);
    expect([sent.length, dead]).toEqual([orders.length, []]);

    expect(shop.refused).toEqual([]);
    expect(shop.received).toHaveLength(orders.length);
    const events = shop.received.map((r) => r.body as { type: string; timestamp: string; data: Record<string, unknown> });
    expect(new Set(events.map((e) => e.data.eventId))).toEqual(new Set(orders.map((i) => `ship-${i}`)));
    for (const [i, e] of events.entries()) {
      expect(e).toMatchObject({ type: "notification.delivered", data: { subscriberId: "s1", channel: "webhook", status: "sent", notificationId: expect.stringMatching(/^ntf_/) } });
      expect(Number.isNaN(Date.parse(e.timestamp))).toBe(false);
      expect(shop.received[i]!.id).toBe(`${e.data.deliveryId}.sent`);
    }
    // Retries carried the same webhook-id: each was refused and later accepted, none accepted twice,
    // and none came back before the Retry-After it was given.
    const accepted = shop.requests.filter((r) => r.status === 204);
    expect(accepted.map((r) => r.id).sort()).toEqual(shop.received.map((r) => r.id).sort());
    for (const ok of accepted) {
      const refusals = shop.requests.filter((r) => r.id === ok.id && r.status === 503);
      expect(refusals.length).toBeGreaterThanOrEqual(1);
      expect(refusals.length).toBeLessThan(ATTEMPTS);
      expect(ok.at - refusals.at(-1)!.at).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 100);
    }

    // The webhook channel itself delivered each order once, signed, with the body rendered as JSON.
    expect(crm.refused).toEqual([]);
    expect(crm.received).toHaveLength(orders.length);
    const first = crm.received.find((r) => r.path === "/crm/0")!;
    expect(first.body).toEqual({ order: "A-0", note: '"quoted" <0>', subscriber: "s1" });
  });

  it.concurrent("keeps what a receiver never accepted as dead letters the admin lists and can send again", async ({ expect }) => {
    broken.failWith = 503;
    const created = await call("POST", "/v1/webhook-endpoints", { url: `${broken.url}/down`, events: ["subscriber.unsubscribed"] });
    expect(created.status).toBe(201);
    broken.trust(created.body.secret);
    // A subscriber turning email off: the event is queued by the request itself.
    await call("PUT", "/v1/subscribers/s-dead", { name: "Dee" });
    const dee = api(herald.url, (await call("POST", "/v1/subscribers/s-dead/tokens", {})).body.token);
    expect((await dee("PATCH", "/v1/me/preferences", { channels: { email: false } })).status).toBe(200);
    const dead = await eventually(async () => {
      const { body } = await call("GET", "/v1/admin/webhook-messages?status=dead");
      return body.items.find((m: { endpointId: string }) => m.endpointId === created.body.id);
    }, 60_000);
    expect(dead).toMatchObject({ type: "subscriber.unsubscribed", status: "dead", attempts: ATTEMPTS, lastError: expect.stringContaining("http_503") });
    expect(broken.requests.filter((r) => r.id === dead.id).length).toBe(ATTEMPTS);
    expect(broken.received).toHaveLength(0);

    broken.failWith = undefined;
    const replay = await call("POST", `/v1/admin/webhook-messages/${created.body.id}/${encodeURIComponent(dead.id)}/replay`);
    expect(replay.status).toBe(202);
    const sent = await eventually(() => broken.received.find((r) => r.id === dead.id));
    expect(sent.body).toMatchObject({ type: "subscriber.unsubscribed", data: { subscriberId: "s-dead", channel: "email", status: "unsubscribed" } });
    expect((await call("POST", `/v1/admin/webhook-messages/${created.body.id}/${encodeURIComponent(dead.id)}/replay`)).status).toBe(404);
    expect(broken.refused).toEqual([]);
  });

  it("reports a final channel failure as notification.failed with the reason", async () => {
    await call("POST", "/v1/events", { id: "ship-bad", type: "order.shipped", data: { order: "B-1", note: "", hook: "not a url" } });
    const failed = await eventually(() => shop.received.find((r) => (r.body as { data: { eventId: string } }).data.eventId === "ship-bad"));
    expect(failed.body).toMatchObject({ type: "notification.failed", data: { status: "failed", channel: "webhook", error: expect.stringContaining("invalid_url") } });
  });

  it("deletes endpoints: 204, gone from the list, then 404", async () => {
    const { body } = await call("GET", "/v1/webhook-endpoints");
    expect(body.items).toHaveLength(2);
    for (const { id } of body.items as { id: string }[]) {
      expect((await call("DELETE", `/v1/webhook-endpoints/${id}`)).status).toBe(204);
      expect((await call("GET", "/v1/webhook-endpoints")).body.items.map((e: { id: string }) => e.id)).not.toContain(id);
      expect((await call("DELETE", `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    }
  });

  it("read-all reports one notification.read per notification it marks, each id once at a real receiver", async () => {
    // The only endpoint now (the others were deleted): the in-app deliveries report nothing.
    const endpoint = await call("POST", "/v1/webhook-endpoints", { url: `${reads.url}/reads`, events: ["notification.read"] });
    expect(endpoint.status).toBe(201);
    reads.trust(endpoint.body.secret);
    // 100 unread notifications from 10 events: each event matches 10 rules, each rule makes one.
    // (Thousands: tests/integration/read-all.test.ts and tests/runtime/workers/read-all.test.ts;
    // here each runtime's own path, to a real receiver.)
    const RULES = 10;
    const EVENTS = 10;
    expect((await call("PUT", "/v1/subscribers/reader", { name: "Reader" })).status).toBe(201);
    expect((await call("PUT", "/v1/templates/note", { channels: { realtime: { title: "Note", body: "{{data.n}}" } } })).status).toBe(200);
    for (let r = 0; r < RULES; r++) expect((await call("PUT", `/v1/rules/note-${r}`, { event: "reader.note", to: { subscriber: "reader" }, steps: [{ channel: "realtime", template: "note" }] })).status).toBe(200);
    const posted = await Promise.all(Array.from({ length: EVENTS }, (_, i) => call("POST", "/v1/events", { id: `note-${i}`, type: "reader.note", data: { n: i } })));
    expect(posted.filter((p) => p.status !== 202)).toEqual([]);
    const me = api(herald.url, (await call("POST", "/v1/subscribers/reader/tokens", {})).body.token);
    await eventually(async () => (await me("GET", "/v1/me/unread-count")).body.count === RULES * EVENTS || undefined, 30_000);
    const ids: string[] = (await me("GET", "/v1/me/notifications?limit=200")).body.items.map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(RULES * EVENTS);

    expect((await me("POST", "/v1/me/notifications/read-all")).body).toEqual({ marked: RULES * EVENTS, count: 0 });
    await eventually(() => reads.received.length >= ids.length || undefined, 30_000);
    expect((await settled(endpoint.body.id)).sent).toHaveLength(ids.length);
    expect(reads.refused).toEqual([]);
    expect(reads.received.map((r) => r.id).sort()).toEqual(ids.map((id) => `${id}.read`).sort());
    expect(reads.requests).toHaveLength(ids.length);
    const bodies = reads.received.map((r) => r.body as { type: string; data: { eventId: string; subscriberId: string; channel: string; status: string } });
    expect(new Set(bodies.map((b) => `${b.type} ${b.data.subscriberId} ${b.data.channel} ${b.data.status}`))).toEqual(new Set(["notification.read reader realtime read"]));
    expect(new Set(bodies.map((b) => b.data.eventId)).size).toBe(EVENTS);
  });

  it("reports notification.seen, before notification.read, for what a read, read-all, archive or click showed for the first time; never again for what was seen before", async () => {
    expect((await call("PUT", "/v1/subscribers/looker", { name: "Lou" })).status).toBe(201);
    expect((await call("PUT", "/v1/templates/look", { channels: { realtime: { title: "Look", body: "{{data.n}}" } } })).status).toBe(200);
    expect((await call("PUT", "/v1/rules/look", { event: "looker.note", to: { subscriber: "looker" }, steps: [{ channel: "realtime", template: "look" }] })).status).toBe(200);
    // One notification per way of reaching it.
    const ways = ["seenThenRead", "readOnly", "seenBeforeEndpoint", "seenThenReadAll", "readAll", "clicked", "archived"] as const;
    for (const [n] of ways.entries()) expect((await call("POST", "/v1/events", { id: `look-${n}`, type: "looker.note", data: { n } })).status).toBe(202);
    const me = api(herald.url, (await call("POST", "/v1/subscribers/looker/tokens", {})).body.token);
    await eventually(async () => (await me("GET", "/v1/me/unread-count")).body.count === ways.length || undefined, 30_000);
    const items: { id: string; body: string }[] = (await me("GET", "/v1/me/notifications?limit=50")).body.items;
    const id = Object.fromEntries(items.map((i) => [ways[Number(i.body)]!, i.id])) as Record<(typeof ways)[number], string>;

    // Seen while no endpoint asked for notification.seen: reading it later is not its first sight.
    expect((await me("POST", `/v1/me/notifications/${id.seenBeforeEndpoint}/seen`)).status).toBe(200);
    const endpoint = await call("POST", "/v1/webhook-endpoints", { url: `${looks.url}/looks`, events: ["notification.seen", "notification.read", "notification.clicked"] });
    expect(endpoint.status).toBe(201);
    looks.trust(endpoint.body.secret);

    const mark = async (what: string, item: string) => expect((await me("POST", `/v1/me/notifications/${item}/${what}`)).status).toBe(200);
    await mark("seen", id.seenThenRead);
    await mark("read", id.seenThenRead);
    await mark("read", id.readOnly);
    await mark("read", id.readOnly);
    await mark("read", id.seenBeforeEndpoint);
    await mark("seen", id.seenThenReadAll);
    await mark("clicked", id.clicked);
    await mark("archive", id.archived);
    expect((await me("POST", "/v1/me/notifications/read-all")).body).toEqual({ marked: 3, count: 0 });

    const expected = [
      `${id.seenThenRead}.seen`,
      `${id.seenThenRead}.read`,
      `${id.readOnly}.seen`,
      `${id.readOnly}.read`,
      `${id.seenBeforeEndpoint}.read`,
      `${id.seenThenReadAll}.seen`,
      `${id.seenThenReadAll}.read`,
      `${id.readAll}.seen`,
      `${id.readAll}.read`,
      `${id.clicked}.seen`,
      `${id.clicked}.clicked`,
      `${id.clicked}.read`,
      `${id.archived}.seen`,
      `${id.archived}.read`,
    ];
    // Every one was queued before the call that caused it answered: once none is pending, all were sent.
    expect((await settled(endpoint.body.id)).sent.sort()).toEqual([...expected].sort());
    expect(looks.refused).toEqual([]);
    expect(looks.received.map((r) => r.id).sort()).toEqual([...expected].sort());
    // Each sent once: a second read, or a read-all over what was seen, queues nothing more.
    expect(looks.requests).toHaveLength(expected.length);
    const body = (webhookId: string) => looks.received.find((r) => r.id === webhookId)!.body as { type: string; timestamp: string; data: { notificationId: string; status: string; channel: string } };
    for (const webhookId of expected) {
      const [notificationId, status] = webhookId.split(".");
      expect(body(webhookId)).toMatchObject({ type: `notification.${status}`, data: { notificationId, status, subscriberId: "looker", eventId: `look-${ways.indexOf(Object.entries(id).find(([, v]) => v === notificationId)![0] as (typeof ways)[number])}` } });
    }
    // Seen is reported no later than the read (or click) that implied it.
    for (const item of [id.readOnly, id.readAll, id.archived]) expect(Date.parse(body(`${item}.seen`).timestamp)).toBeLessThanOrEqual(Date.parse(body(`${item}.read`).timestamp));
    expect(Date.parse(body(`${id.clicked}.seen`).timestamp)).toBeLessThanOrEqual(Date.parse(body(`${id.clicked}.clicked`).timestamp));
  });

});
