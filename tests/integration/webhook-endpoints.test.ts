/**
 * The status webhook endpoints API against hostile input, the bound on endpoints, secrets at rest,
 * which status events each kind of change queues (seen, read, clicked, unsubscribed, delivered),
 * and that erasing a subscriber takes every message about them, on a Herald in this process whose
 * outbox is not running, so queued messages stay visible.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { secretBox } from "../../src/core/status-webhooks/secret-box.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_API_KEY, TEST_SECRETS } from "../support/server.js";

let herald: Herald;
let close: () => Promise<void>;
const call = inProcessApi(() => herald);

beforeAll(async () => {
  const db = await openLibsqlStore(tempDatabaseUrl());
  close = () => db.close();
  herald = await createHerald({ store: db.store, logger: { log: () => {} }, channels: builtInChannels, env: { ...TEST_SECRETS, HERALD_CONFIG_CACHE_MS: "0" } });
});
afterAll(() => close());

describe("POST /v1/webhook-endpoints refuses hostile input with 400 problem+json", () => {
  const badUrls: [string, RegExp][] = [
    ["not a url", /absolute URL/],
    ["ftp://hooks.example/h", /https/],
    ["javascript:alert(1)", /https/],
    ["http://hooks.example/h", /https/],
    ["https://user:pw@hooks.example/h", /credentials/],
    ["https://hooks.example/h#x", /fragment/],
    ["https://127.0.0.1/h", /private/],
    ["https://10.1.2.3/h", /private/],
    ["https://[::1]/h", /private/],
    ["https://localhost/h", /private/],
    ["https://169.254.169.254/latest/meta-data", /private/],
    ["https://[::ffff:127.0.0.1]/h", /private/],
    [`https://hooks.example/${"a".repeat(2100)}`, /2048|too_big|at most/i],
  ];
  for (const [url, why] of badUrls) {
    it(`refuses ${url.slice(0, 60)}`, async () => {
      const response = await herald.app.request("/v1/webhook-endpoints", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ url, events: ["notification.delivered"] }),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      const problem = await response.json();
      expect(problem.errors[0].path).toBe("url");
      expect(problem.errors[0].message).toMatch(why);
    });
  }

  it("refuses unknown event types, no events, unknown fields and non-JSON, naming the field", async () => {
    const unknown = await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/h", events: ["notification.delivered", "notification.exploded"] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe("events.1");
    expect((await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/h", events: [] })).status).toBe(400);
    expect((await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/h", events: "notification.read" })).status).toBe(400);
    expect((await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/h", events: ["notification.read"], secret: "whsec_mine" })).status).toBe(400);
    const notJson = await herald.app.request("/v1/webhook-endpoints", { method: "POST", headers: { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json" }, body: "{url:" });
    expect(notJson.status).toBe(400);
    expect((await call("GET", "/v1/webhook-endpoints")).body.items).toEqual([]);
  });

  it("needs the API key", async () => {
    const response = await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/h", events: ["notification.read"] }, "wrong-key");
    expect(response.status).toBe(401);
  });
});

describe("endpoints", () => {
  it("keeps the secret sealed at rest, usable for signing, and never lists it", async () => {
    const created = await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/shop", events: ["notification.delivered", "notification.seen", "notification.read", "notification.clicked", "subscriber.unsubscribed"] });
    expect(created.status).toBe(201);
    const row = await herald.store.webhookEndpoints.get(created.body.id);
    expect(row!.secret).not.toContain(created.body.secret.slice(6));
    expect(await secretBox(herald.secrets.tokenKey).open(row!.secret, created.body.id)).toBe(created.body.secret);
    // Sealed for its own row: moved onto another endpoint's id it does not open.
    await expect(secretBox(herald.secrets.tokenKey).open(row!.secret, "whe_other")).rejects.toThrow();
    expect(JSON.stringify((await call("GET", "/v1/webhook-endpoints")).body)).not.toContain(created.body.secret.slice(6));
  });

  it("queues each status event once per endpoint: delivered, seen (once however often), read, clicked, unsubscribed", async () => {
    await call("PUT", "/v1/subscribers/s1", { name: "Sam" });
    await call("PUT", "/v1/templates/hello", { channels: { realtime: { title: "Hi", body: "Order {{data.n}}" } } });
    await call("PUT", "/v1/rules/hello", { event: "hello", to: { subscriber: "s1" }, steps: [{ channel: "realtime", template: "hello" }] });
    expect((await call("POST", "/v1/events", { id: "e1", type: "hello", data: { n: 1 } })).status).toBe(202);
    const notificationId = (await call("GET", "/v1/events/e1")).body.notifications[0].id;
    const { token } = (await call("POST", "/v1/subscribers/s1/tokens", {})).body;
    expect((await call("POST", `/v1/me/notifications/${notificationId}/seen`, undefined, token)).status).toBe(200);
    expect((await call("POST", `/v1/me/notifications/${notificationId}/seen`, undefined, token)).status).toBe(200);
    expect((await call("POST", `/v1/me/notifications/${notificationId}/read`, undefined, token)).status).toBe(200);
    expect((await call("POST", `/v1/me/notifications/${notificationId}/clicked`, { action: "track" }, token)).status).toBe(200);
    expect((await call("PATCH", "/v1/me/preferences", { channels: { email: false } }, token)).status).toBe(200);
    // Turning an already-off channel off again is no new unsubscribe.
    expect((await call("PATCH", "/v1/me/preferences", { channels: { email: false } }, token)).status).toBe(200);

    const pending = await herald.store.webhookEndpoints.byStatus("pending", 100);
    const byType = (type: string) => pending.filter((m) => m.type === type).map((m) => JSON.parse(m.payload));
    expect(pending.map((m) => m.type).sort()).toEqual(["notification.clicked", "notification.delivered", "notification.read", "notification.seen", "subscriber.unsubscribed"]);
    expect(byType("notification.delivered")[0]).toMatchObject({ type: "notification.delivered", data: { notificationId, eventId: "e1", subscriberId: "s1", channel: "realtime", status: "sent" } });
    expect(byType("notification.seen")[0].data).toMatchObject({ notificationId, eventId: "e1", subscriberId: "s1", channel: "realtime", status: "seen" });
    expect(byType("notification.clicked")[0].data).toMatchObject({ notificationId, eventId: "e1", status: "clicked", action: "track" });
    expect(byType("subscriber.unsubscribed")[0].data).toMatchObject({ subscriberId: "s1", channel: "email", status: "unsubscribed", notificationId: null, eventId: null });
    // Each has a job, keyed by endpoint and message.
    const jobs = await herald.store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM jobs WHERE kind = 'webhook'`);
    expect(jobs[0]!.n).toBe(pending.length);
  });

  it("erasing a subscriber deletes every status webhook message about them, queued, sent or dead, with its job, through the index", async () => {
    for (const id of ["gone", "stays"]) await call("PUT", `/v1/subscribers/${id}`, { name: id });
    await call("PUT", "/v1/rules/hello-many", { event: "hello.many", steps: [{ channel: "realtime", template: "hello" }] });
    expect((await call("POST", "/v1/events", { id: "e-many", type: "hello.many", to: ["gone", "stays"], data: { n: 2 } })).status).toBe(202);
    const notifications = (await call("GET", "/v1/events/e-many")).body.notifications as { id: string; subscriberId: string }[];
    for (const n of notifications) {
      const { token } = (await call("POST", `/v1/subscribers/${n.subscriberId}/tokens`, {})).body;
      expect((await call("POST", `/v1/me/notifications/${n.id}/read`, undefined, token)).status).toBe(200);
      expect((await call("POST", `/v1/me/notifications/${n.id}/clicked`, { action: "open" }, token)).status).toBe(200);
    }
    const about = async (subscriber: string) => (await herald.store.db.all<{ id: string; endpoint_id: string; status: string }>(sql`SELECT id, endpoint_id, status FROM webhook_messages WHERE payload ->> '$.data.subscriberId' = ${subscriber}`));
    const theirs = await about("gone");
    // delivered, seen (the read was its first sight), read and clicked, to the one endpoint subscribed to them.
    expect(theirs.map((m) => m.id.split(".").at(-1)).sort()).toEqual(["clicked", "read", "seen", "sent"]);
    // One sent and one dead as the sender leaves them; the others still queued, with their jobs.
    const [sent, dead] = theirs;
    await herald.store.write([
      herald.store.webhookEndpoints.outcomeStatement(sent!.endpoint_id, sent!.id, { status: "sent", error: null }, Date.now()),
      herald.store.webhookEndpoints.outcomeStatement(dead!.endpoint_id, dead!.id, { status: "dead", error: "http_410: gone@example.com unknown" }, Date.now()),
    ]);
    const webhookJobs = async () => (await herald.store.db.all<{ ref: string }>(sql`SELECT ref FROM jobs WHERE kind = 'webhook'`)).map((j) => j.ref.slice(j.ref.indexOf(":") + 1));
    expect(await webhookJobs()).toEqual(expect.arrayContaining(theirs.map((m) => m.id)));
    const othersBefore = await about("stays");
    expect(othersBefore).toHaveLength(4);

    expect((await call("DELETE", "/v1/subscribers/gone")).status).toBe(204);
    expect(await about("gone")).toEqual([]);
    expect((await webhookJobs()).filter((id) => theirs.some((m) => m.id === id))).toEqual([]);
    expect((await herald.store.webhookEndpoints.byStatus("dead", 100)).map((m) => m.id)).not.toContain(dead!.id);
    // Someone else's messages about the same event stay, jobs and all.
    expect(await about("stays")).toEqual(othersBefore);
    expect(await webhookJobs()).toEqual(expect.arrayContaining(othersBefore.map((m) => m.id)));
    // The erasure finds them through migration 0019's index, not a scan of every stored body (its
    // WHERE, planned as a SELECT: EXPLAIN of a DELETE leaves libSQL's connection mid-statement).
    const plan = await herald.store.db.all<{ detail: string }>(sql`EXPLAIN QUERY PLAN SELECT id FROM webhook_messages WHERE payload ->> '$.data.subscriberId' = ${"gone"}`);
    expect(plan.map((p) => p.detail).join("; ")).toContain("USING INDEX webhook_messages_by_subscriber");
  });

  it("takes at most 20 endpoints (409), and deleting one drops its queued messages", async () => {
    const before = (await call("GET", "/v1/webhook-endpoints")).body.items.length;
    for (let i = before; i < 20; i++) expect((await call("POST", "/v1/webhook-endpoints", { url: `https://hooks.example/${i}`, events: ["delivery.dead"] })).status).toBe(201);
    const over = await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/21", events: ["delivery.dead"] });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ status: 409, type: expect.stringContaining("too-many-endpoints") });
    const shop = (await call("GET", "/v1/webhook-endpoints")).body.items[0].id;
    expect((await call("DELETE", `/v1/webhook-endpoints/${shop}`)).status).toBe(204);
    expect(await herald.store.webhookEndpoints.byStatus("pending", 100)).toEqual([]);
    expect((await call("DELETE", "/v1/webhook-endpoints/whe_nope")).status).toBe(404);
  });
});
