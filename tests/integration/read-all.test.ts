/**
 * POST /v1/me/notifications/read-all on a long backlog, on a Herald in this process whose outbox is
 * not running (queued status webhooks stay visible): 10,000 unread notifications are marked in
 * bounded pages, each committing with its notifications' read times, cancelled escalations and
 * one `notification.read` per notification it changed (the same id and bytes reading one item
 * queues), after one `notification.seen` for each it showed for the first time, for every
 * endpoint that asked for the type and no other. Room messages are marked but
 * report nothing. tests/portable/status-webhooks.test.ts sends such events to a real receiver on
 * every runtime; tests/runtime/workers/read-all.test.ts counts the D1 queries of each invocation.
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { deliveryId, notificationId } from "../../src/core/ids.js";
import { engagementEvent } from "../../src/core/status-webhooks/events.js";
import { statusPayload } from "../../src/core/status-webhooks/emitter.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const N = 10_000;
let herald: Herald;
let close: () => Promise<void>;
const call = inProcessApi(() => herald);

beforeAll(async () => {
  const db = await openLibsqlStore(tempDatabaseUrl());
  close = () => db.close();
  herald = await createHerald({ store: db.store, logger: { log: () => {} }, channels: builtInChannels, env: { ...TEST_SECRETS, HERALD_CONFIG_CACHE_MS: "0" } });
});
afterAll(() => close());

/** `count` unread notifications for `subscriber` straight into the tables (the API that makes them is tested elsewhere); every tenth has an escalation step waiting. */
async function seed(subscriber: string, count: number): Promise<string[]> {
  const at = Date.now() - 60_000;
  const firstSeq = Number((await herald.store.db.get<{ n: number | null }>(sql`SELECT max(seq) AS n FROM inbox WHERE subscriber_id = ${subscriber}`))?.n ?? 0) + 1;
  const rows = Array.from({ length: count }, (_, i) => {
    const event = `${subscriber}-ev-${i}`;
    return { event, notification: notificationId(event, "r", subscriber, at), seq: firstSeq + i, escalates: i % 10 === 0 ? 1 : 0 };
  });
  const json = JSON.stringify(rows);
  await herald.store.write([
    herald.store.db.run(sql`INSERT INTO events (id, type, body, received_at, planned_at) SELECT value ->> 'event', 'note', '{}', ${at}, ${at} FROM json_each(${json}) WHERE true`),
    herald.store.db.run(sql`INSERT INTO notifications (id, event_id, rule_id, subscriber_id, created_at) SELECT value ->> 'notification', value ->> 'event', 'r', ${subscriber}, ${at} FROM json_each(${json}) WHERE true`),
    herald.store.db.run(sql`INSERT INTO deliveries (id, notification_id, step, channel, template, unless_seen, status, created_at, updated_at)
      SELECT ${sql.raw(`'dlv_' || substr(value ->> 'notification', 5) || '_1'`)}, value ->> 'notification', 1, 'email', 'note', 1, 'waiting', ${at}, ${at} FROM json_each(${json}) WHERE value ->> 'escalates' = 1`),
    herald.store.db.run(sql`INSERT INTO inbox (subscriber_id, seq, id, type, title, created_at) SELECT ${subscriber}, value ->> 'seq', value ->> 'notification', 'notification', 'Note', ${at} FROM json_each(${json}) WHERE true`),
  ]);
  return rows.map((r) => r.notification);
}

const messages = (type: string) => herald.store.db.all<{ id: string; endpoint_id: string; payload: string }>(sql`SELECT id, endpoint_id, payload FROM webhook_messages WHERE type = ${type}`);

describe("read-all and notification.read", () => {
  it(`marks ${N.toLocaleString("en")} unread notifications in bounded pages and queues exactly one notification.read per notification it changed, after a notification.seen for each first sight`, async () => {
    await call("PUT", "/v1/subscribers/reader", { name: "Reader" });
    const ids = await seed("reader", N);
    const { token } = (await call("POST", "/v1/subscribers/reader/tokens", {})).body;
    // Seen before any endpoint asked: its read is not its first sight, whenever it comes.
    expect((await call("POST", `/v1/me/notifications/${ids[6]}/seen`, undefined, token)).status).toBe(200);
    const reads = await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/reads", events: ["notification.read"] });
    const other = await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/other", events: ["notification.delivered"] });
    const looks = await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example/looks", events: ["notification.seen"] });
    expect([reads.status, other.status, looks.status]).toEqual([201, 201, 201]);
    // Read one by one before: its events (seen, read) are queued already and must not be queued twice.
    expect((await call("POST", `/v1/me/notifications/${ids[7]}/read`, undefined, token)).status).toBe(200);
    // Read, then unread again: read-all marks it, and it is still reported once (and seen once).
    expect((await call("POST", `/v1/me/notifications/${ids[8]}/read`, undefined, token)).status).toBe(200);
    expect((await call("POST", `/v1/me/notifications/${ids[8]}/unread`, undefined, token)).status).toBe(200);
    // Seen, not read: read-all reads it without a second sight.
    expect((await call("POST", `/v1/me/notifications/${ids[9]}/seen`, undefined, token)).status).toBe(200);
    expect((await call("GET", "/v1/me/unread-count", undefined, token)).body.count).toBe(N - 1);
    const single = (await messages("notification.read")).find((m) => m.id === `${ids[7]}.read`)!;
    const singleSeen = (await messages("notification.seen")).find((m) => m.id === `${ids[7]}.seen`)!;

    // Every batch the read-all commits, counted: pages, not one transaction the size of the backlog.
    const batches: number[] = [];
    const write = herald.store.write;
    herald.store.write = (items: BatchItem<"sqlite">[]) => (batches.push(items.length), write(items));
    const marked = await call("POST", "/v1/me/notifications/read-all", undefined, token);
    herald.store.write = write;
    expect(marked).toEqual({ status: 200, body: { marked: N - 1, count: 0 } });
    expect(batches).toHaveLength(Math.ceil((N - 1) / 1000));
    expect(Math.max(...batches)).toBe(5);

    const queued = await messages("notification.read");
    // One per notification, for the one endpoint that asked, each with its job.
    expect(queued).toHaveLength(N);
    expect(new Set(queued.map((m) => m.endpoint_id))).toEqual(new Set([reads.body.id]));
    expect(new Set(queued.map((m) => m.id))).toEqual(new Set(ids.map((id) => `${id}.read`)));
    const jobs = await herald.store.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM jobs WHERE kind = 'webhook' AND ref LIKE ${`${reads.body.id}:%`}`);
    expect(jobs!.n).toBe(N);
    // The one read before keeps its body; the others carry their own ids in the body the one-item path builds.
    expect(queued.find((m) => m.id === `${ids[7]}.read`)!.payload).toBe(single.payload);
    const sample = queued.find((m) => m.id === `${ids[1234]}.read`)!;
    const at = Date.parse(JSON.parse(sample.payload).timestamp);
    expect(sample.payload).toBe(statusPayload(engagementEvent("read", { notificationId: ids[1234]!, eventId: "reader-ev-1234", subscriberId: "reader", channel: "realtime" }, at)));

    // One notification.seen for each notification this was the first sight of, in the same commits:
    // every one but the one seen before the endpoint existed, including those seen or read one by one.
    const seen = await messages("notification.seen");
    expect(seen).toHaveLength(N - 1);
    expect(new Set(seen.map((m) => m.endpoint_id))).toEqual(new Set([looks.body.id]));
    expect(new Set(seen.map((m) => m.id))).toEqual(new Set(ids.filter((_, i) => i !== 6).map((id) => `${id}.seen`)));
    expect(seen.find((m) => m.id === `${ids[7]}.seen`)!.payload).toBe(singleSeen.payload);
    expect(seen.find((m) => m.id === `${ids[1234]}.seen`)!.payload).toBe(statusPayload(engagementEvent("seen", { notificationId: ids[1234]!, eventId: "reader-ev-1234", subscriberId: "reader", channel: "realtime" }, at)));

    // The notifications carry the read time (escalations check it) and their waiting escalations are cancelled.
    const state = await herald.store.db.get<{ unread: number; waiting: number; cancelled: number }>(sql`SELECT
      (SELECT count(*) FROM notifications WHERE subscriber_id = 'reader' AND (read_at IS NULL OR seen_at IS NULL)) AS unread,
      (SELECT count(*) FROM deliveries WHERE status = 'waiting') AS waiting,
      (SELECT count(*) FROM deliveries WHERE status = 'cancelled' AND last_error = 'seen before escalation') AS cancelled`);
    expect(state).toEqual({ unread: 0, waiting: 0, cancelled: N / 10 });

    // Again: nothing left to mark, nothing queued.
    expect((await call("POST", "/v1/me/notifications/read-all", undefined, token)).body).toEqual({ marked: 0, count: 0 });
    expect(await messages("notification.read")).toHaveLength(N);
    expect(await messages("notification.seen")).toHaveLength(N - 1);
  });

  it("marks room messages without reporting them, and ?type=message leaves notifications unread and unreported", async () => {
    await call("PUT", "/v1/subscribers/member", { name: "Member" });
    await call("PUT", "/v1/subscribers/poster", { name: "Poster" });
    await call("PUT", "/v1/topics/room-1", { allowMemberMessages: true });
    for (const s of ["member", "poster"]) expect((await call("PUT", `/v1/topics/room-1/subscribers/${s}`)).status).toBe(204);
    const poster = (await call("POST", "/v1/subscribers/poster/tokens", {})).body.token;
    const member = (await call("POST", "/v1/subscribers/member/tokens", {})).body.token;
    for (let i = 0; i < 3; i++) expect((await call("POST", "/v1/me/topics/room-1/messages", { clientMessageId: `m${i}`, body: `hello ${i}` }, poster)).status).toBe(201);
    const ids = await seed("member", 5);
    const before = (await messages("notification.read")).length;

    expect((await call("POST", "/v1/me/notifications/read-all?type=message", undefined, member)).body).toEqual({ marked: 3, count: 5 });
    expect(await messages("notification.read")).toHaveLength(before);
    expect((await call("POST", "/v1/me/notifications/read-all", undefined, member)).body).toEqual({ marked: 5, count: 0 });
    const after = (await messages("notification.read")).slice(before);
    expect(new Set(after.map((m) => m.id))).toEqual(new Set(ids.map((id) => `${id}.read`)));
  });
});
