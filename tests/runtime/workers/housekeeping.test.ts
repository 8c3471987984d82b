/**
 * Retention on D1: the Worker's cron (`scheduled`) runs housekeeping, which deletes what is past the
 * retention age in batches small enough for one invocation (two batches of 1,000 per table a run),
 * keeps recent rows and unsent work, finishes the job over the next runs, and still recognises a
 * kept event id as a repeat.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../../src/runtimes/cloudflare/main.js";
import { deliveryId, notificationId } from "../../../src/core/ids.js";
import { call } from "./support.js";

const DAY = 86_400_000;

/** Events with one notification, one delivery (`status`) and one inbox item each, received at `at`. */
async function seed(prefix: string, count: number, at: number, status = "sent") {
  const rows = Array.from({ length: count }, (_, i) => {
    const event = `${prefix}-${i}`;
    const notification = notificationId(event, "retention", "keeper", at);
    return { event, notification, delivery: deliveryId(notification, 0), seq: i + 1 };
  });
  // One JSON parameter per statement (D1 binds at most 100).
  const json = JSON.stringify(rows);
  await env.DB.batch([
    env.DB.prepare(`INSERT INTO events (id, type, body, received_at, planned_at) SELECT value ->> 'event', 'retention', '{}', ?1, ?1 FROM json_each(?2)`).bind(at, json),
    env.DB.prepare(`INSERT INTO notifications (id, event_id, rule_id, subscriber_id, created_at) SELECT value ->> 'notification', value ->> 'event', 'retention', 'keeper', ?1 FROM json_each(?2)`).bind(at, json),
    env.DB.prepare(`INSERT INTO deliveries (id, notification_id, step, channel, template, status, created_at, updated_at) SELECT value ->> 'delivery', value ->> 'notification', 0, 'realtime', 'note', ?3, ?1, ?1 FROM json_each(?2)`).bind(at, json, status),
    env.DB.prepare(`INSERT INTO inbox (subscriber_id, seq, id, type, title, created_at) SELECT ?3, value ->> 'seq', value ->> 'notification', 'notification', 'Old', ?1 FROM json_each(?2)`).bind(at, json, `${prefix}-reader`),
  ]);
}

async function cron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env as never, ctx);
  await waitOnExecutionContext(ctx);
}

const count = async (sql: string) => (await env.DB.prepare(sql).first<{ n: number }>())!.n;

beforeAll(async () => {
  // The first request migrates D1.
  expect((await call("GET", "/healthz")).status).toBe(200);
});

describe("housekeeping on the Workers cron", () => {
  it("deletes old events, notifications, deliveries and inbox items on D1 in bounded runs, and keeps recent ones and unsent work", async () => {
    await seed("old", 2500, Date.now() - 100 * DAY);
    await seed("recent", 10, Date.now() - DAY);
    // A delivery still pending (its job will send it) is never deleted, however old.
    await seed("waiting", 3, Date.now() - 100 * DAY, "pending");

    await cron();
    // One run: two batches of 1,000 notifications (with their deliveries) and inbox items; the events wait.
    expect(await count("SELECT count(*) AS n FROM notifications WHERE event_id LIKE 'old-%'")).toBe(500);
    expect(await count("SELECT count(*) AS n FROM inbox WHERE subscriber_id = 'old-reader'")).toBe(500);
    expect(await count("SELECT count(*) AS n FROM events WHERE id LIKE 'old-%'")).toBe(2500);

    for (let run = 0; run < 3; run++) await cron();
    expect(await count("SELECT count(*) AS n FROM events WHERE id LIKE 'old-%'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM notifications WHERE event_id LIKE 'old-%'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM deliveries WHERE notification_id NOT IN (SELECT id FROM notifications)")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM inbox WHERE subscriber_id = 'old-reader'")).toBe(0);
    expect(await count("SELECT seq AS n FROM inbox_seq_floor WHERE subscriber_id = 'old-reader'")).toBe(2500);
    expect(await count("SELECT count(*) AS n FROM events WHERE id LIKE 'recent-%'")).toBe(10);
    expect(await count("SELECT count(*) AS n FROM notifications WHERE event_id LIKE 'recent-%'")).toBe(10);
    expect(await count("SELECT count(*) AS n FROM inbox WHERE subscriber_id = 'recent-reader'")).toBe(10);
    expect(await count("SELECT count(*) AS n FROM events WHERE id LIKE 'waiting-%'")).toBe(3);
    expect(await count("SELECT count(*) AS n FROM notifications WHERE event_id LIKE 'waiting-%'")).toBe(3);
    expect(await count("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'")).toBe(3);

    // A kept event id sent again is a repeat (the stored event is untouched); a deleted one is new.
    expect((await call("POST", "/v1/events", { id: "recent-0", type: "retention", to: "keeper", data: {} })).status).toBe(202);
    expect((await call("POST", "/v1/events", { id: "old-0", type: "retention", to: "keeper", data: {} })).status).toBe(202);
    expect(await count("SELECT count(*) AS n FROM events WHERE id = 'recent-0' AND body = '{}'")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM events WHERE id = 'old-0' AND body <> '{}'")).toBe(1);
  });
});
