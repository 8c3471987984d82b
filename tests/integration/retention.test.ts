/**
 * Retention on libSQL with an injected clock: housekeeping deletes notifications, deliveries, inbox
 * items, room messages, events and broadcasts past the retention age, keeps what is recent and what
 * work still waits on, remembers event ids for the idempotency window, keeps unread counts and seqs
 * right, and deletes a bounded amount per run.
 */
import type { Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { afterEach, describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { realtimeChannel } from "../../src/channels/realtime/realtime.js";
import { createStore, type HeraldDb } from "../../src/store/index.js";
import * as schema from "../../src/store/schema.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_SECRETS } from "../support/server.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1, 12);
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Counts the statements the store runs (each statement of a batch counts), as D1 would bill them. */
function counted(client: Client) {
  const counter = { statements: 0 };
  const proxy = new Proxy(client, {
    get(target, prop) {
      if (prop === "execute") return (...args: Parameters<Client["execute"]>) => (counter.statements++, target.execute(...args));
      if (prop === "batch") return (statements: Parameters<Client["batch"]>[0], mode: Parameters<Client["batch"]>[1]) => ((counter.statements += statements.length), target.batch(statements, mode));
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { client: proxy, counter };
}

async function setup(env: Record<string, string> = {}, housekeeping?: { batchSize: number; batchesPerTable: number }) {
  const clock = manualClock(T0);
  const database = await openLibsqlStore(tempDatabaseUrl());
  const { client, counter } = counted(database.client);
  const store = createStore(drizzle(client, { schema }) as unknown as HeraldDb, async (statements) => {
    const results = await client.batch(statements.map((s) => ({ sql: s.sql, args: s.params as never })), "write");
    return results.map((r) => r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))));
  });
  closers.push(() => database.close());
  const herald: Herald = await createHerald({ store, clock, logger: silentLogger, channels: [realtimeChannel], env: { ...TEST_SECRETS, ...env }, housekeeping });
  const call = inProcessApi(() => herald);
  await call("PUT", "/v1/templates/note", { channels: { realtime: { title: "Note", body: "{{data.n}}" } } });
  await call("PUT", "/v1/rules/note", { event: "note", steps: [{ channel: "realtime", template: "note" }] });
  const sql = async (text: string) => (await database.client.execute(text)).rows.map((r) => ({ ...r }));
  const column = async (text: string) => (await sql(text)).map((r) => Object.values(r)[0]);
  const token = async (id: string) => (await call("POST", `/v1/subscribers/${id}/tokens`, {})).body.token as string;
  const note = async (id: string, to: string, n = 0) => expect((await call("POST", "/v1/events", { id, type: "note", to, data: { n } })).status).toBe(202);
  return { clock, herald, call, sql, column, token, note, counter };
}

describe("retention", () => {
  it("deletes notifications, deliveries, inbox items, room messages, events and broadcasts past the age, and keeps recent ones", async () => {
    const { clock, herald, call, column, token, note } = await setup();
    for (const id of ["alice", "bob"]) {
      await call("PUT", `/v1/subscribers/${id}`, { name: id });
      await call("PUT", `/v1/topics/support/subscribers/${id}`);
    }
    await call("PUT", "/v1/topics/support", { allowMemberMessages: true });
    const post = async (clientMessageId: string) =>
      expect((await call("POST", "/v1/me/topics/support/messages", { body: clientMessageId, clientMessageId }, await token("alice"))).status).toBe(201);
    const broadcast = async (title: string) => (await call("POST", "/v1/broadcasts", { content: { title, body: "b" }, audience: { topic: "support" } })).body.id as string;

    await note("old-1", "alice");
    await note("old-2", "bob");
    await post("00000000-0000-4000-8000-000000000001");
    const oldBroadcast = await broadcast("old");
    await herald.outbox.drain();
    clock.advance(60 * DAY);
    await note("new-1", "alice");
    await post("00000000-0000-4000-8000-000000000002");
    const newBroadcast = await broadcast("new");
    await herald.outbox.drain();
    expect(await column("SELECT count(*) FROM inbox")).toEqual([2 + 2 + 2 + 1 + 2 + 2]);

    clock.advance(31 * DAY);
    const report = await herald.housekeeping();

    expect(report.complete).toBe(true);
    expect(await column("SELECT id FROM events ORDER BY id")).toEqual([newBroadcast, "new-1"].sort());
    expect(await column("SELECT DISTINCT event_id FROM notifications ORDER BY event_id")).toEqual([newBroadcast, "new-1"].sort());
    expect(await column("SELECT count(*) FROM deliveries WHERE notification_id NOT IN (SELECT id FROM notifications)")).toEqual([0]);
    expect(await column("SELECT count(*) FROM deliveries")).toEqual([3]);
    expect(await column("SELECT body FROM topic_messages")).toEqual(["00000000-0000-4000-8000-000000000002"]);
    expect(await column("SELECT id FROM broadcasts")).toEqual([newBroadcast]);
    expect(await column("SELECT key FROM templates WHERE key LIKE 'herald.broadcast.%'")).toEqual([`herald.broadcast.${newBroadcast}`]);
    expect(await column("SELECT count(*) FROM template_versions WHERE key LIKE 'herald.broadcast.%'")).toEqual([1]);
    expect(await column(`SELECT count(*) FROM inbox WHERE created_at < ${clock.now() - 90 * DAY}`)).toEqual([0]);
    // Alice keeps what came in the last 90 days: her note, the room message, the broadcast.
    const alice = (await call("GET", "/v1/me/notifications?after=0", undefined, await token("alice"))).body.items;
    expect(alice.map((i: { body: string }) => i.body)).toEqual(["0", "00000000-0000-4000-8000-000000000002", "b"]);
    expect((await call("GET", `/v1/broadcasts/${newBroadcast}`)).status).toBe(200);
    expect((await call("GET", `/v1/broadcasts/${oldBroadcast}`)).status).toBe(404);
  });

  it("never deletes work still waiting: a pending delivery with its notification and event, an event with a plan job", async () => {
    const { clock, herald, call, column, note } = await setup();
    await call("PUT", "/v1/subscribers/alice", { name: "alice" });
    await call("PUT", "/v1/topics/news/subscribers/alice");
    await call("PUT", "/v1/rules/later", { event: "later", steps: [{ channel: "realtime", template: "note", delay: "30d" }] });
    await call("PUT", "/v1/rules/news", { event: "news", to: { topic: "news" }, steps: [{ channel: "realtime", template: "note" }] });
    expect((await call("POST", "/v1/events", { id: "due-later", type: "later", to: "alice", data: { n: 1 } })).status).toBe(202);
    expect((await call("POST", "/v1/events", { id: "to-plan", type: "news", data: { n: 2 } })).status).toBe(202);
    await note("done", "alice");
    await herald.outbox.drain();
    // The delayed delivery and a plan job left unrun (a stopped outbox) are both past the age.
    await call("POST", "/v1/events", { id: "unplanned", type: "news", data: { n: 3 } });
    clock.advance(91 * DAY);

    await herald.housekeeping();

    expect(await column("SELECT id FROM events ORDER BY id")).toEqual(["due-later", "unplanned"]);
    expect(await column("SELECT status FROM deliveries")).toEqual(["pending"]);
    expect(await column("SELECT id FROM jobs ORDER BY id")).toEqual([expect.stringMatching(/^deliver:dlv_/), "plan:unplanned"]);

    // Once sent, the delivery is history like any other, and the next run takes it.
    await herald.outbox.drain();
    clock.advance(91 * DAY);
    await herald.housekeeping();
    expect(await column("SELECT count(*) FROM events")).toEqual([0]);
    expect(await column("SELECT count(*) FROM deliveries")).toEqual([0]);
  });

  it("remembers an event id for the idempotency window even after its notifications are gone, and only then forgets it", async () => {
    const { clock, herald, call, column, token, note } = await setup({ HERALD_RETENTION_DAYS: "1", HERALD_IDEMPOTENCY_DAYS: "30" });
    await call("PUT", "/v1/subscribers/alice", { name: "alice" });
    await note("order-1-paid", "alice");
    await herald.outbox.drain();
    clock.advance(2 * DAY);
    await herald.housekeeping();
    expect(await column("SELECT count(*) FROM notifications")).toEqual([0]);
    expect(await column("SELECT count(*) FROM inbox")).toEqual([0]);

    // The app sends the same event again two days later: a repeat, nothing is delivered.
    await note("order-1-paid", "alice");
    await herald.outbox.drain();
    expect(await column("SELECT count(*) FROM notifications")).toEqual([0]);
    clock.advance(27 * DAY);
    await herald.housekeeping();
    expect(await column("SELECT id FROM events")).toEqual(["order-1-paid"]);

    // Past the window the id is forgotten: the same id is a new event.
    clock.advance(2 * DAY);
    await herald.housekeeping();
    expect(await column("SELECT count(*) FROM events")).toEqual([0]);
    await note("order-1-paid", "alice");
    await herald.outbox.drain();
    expect((await call("GET", "/v1/me/notifications?after=0", undefined, await token("alice"))).body.items).toHaveLength(1);
  });

  it("keeps unread counts right, and a stream it emptied goes on from its last seq", async () => {
    const { clock, herald, call, column, sql, token, note } = await setup();
    await call("PUT", "/v1/subscribers/alice", { name: "alice" });
    await call("PUT", "/v1/subscribers/bob", { name: "bob" });
    for (let n = 0; n < 3; n++) await note(`old-a-${n}`, "alice", n);
    await note("old-b-0", "bob");
    await note("old-b-1", "bob");
    await herald.outbox.drain();
    const aliceToken = await token("alice");
    const first = (await call("GET", "/v1/me/notifications?after=0", undefined, aliceToken)).body.items[0];
    await call("POST", `/v1/me/notifications/${first.id}/read`, undefined, aliceToken);
    clock.advance(60 * DAY);
    await note("new-a-0", "alice");
    await note("new-a-1", "alice");
    await herald.outbox.drain();
    expect((await call("GET", "/v1/me/unread-count", undefined, await token("alice"))).body.count).toBe(4);

    clock.advance(31 * DAY);
    await herald.housekeeping();

    expect((await call("GET", "/v1/me/unread-count", undefined, await token("alice"))).body.count).toBe(2);
    expect((await call("GET", "/v1/me/unread-count", undefined, await token("bob"))).body.count).toBe(0);
    const counts = await sql("SELECT c.subscriber_id AS s, c.n AS n, (SELECT count(*) FROM inbox i WHERE i.subscriber_id = c.subscriber_id AND i.read_at IS NULL) AS actual FROM inbox_unread_counts c ORDER BY s");
    expect(counts).toEqual([{ s: "alice", n: 2, actual: 2 }, { s: "bob", n: 0, actual: 0 }]);

    // Bob's stream is empty now; his next item is seq 3, so a client that saw seq 2 gets it.
    expect(await column("SELECT count(*) FROM inbox WHERE subscriber_id = 'bob'")).toEqual([0]);
    await note("new-b-0", "bob", 7);
    await herald.outbox.drain();
    const bob = (await call("GET", "/v1/me/notifications?after=2", undefined, await token("bob"))).body.items;
    expect(bob.map((i: { seq: number; body: string }) => [i.seq, i.body])).toEqual([[3, "7"]]);
  });

  it("deletes a bounded amount per run, and later runs finish the job", async () => {
    const { clock, herald, call, column, note, counter } = await setup({}, { batchSize: 100, batchesPerTable: 2 });
    await call("PUT", "/v1/subscribers/alice", { name: "alice" });
    for (let n = 0; n < 450; n++) await note(`bulk-${n}`, "alice", n);
    await herald.outbox.drain();
    clock.advance(91 * DAY);

    counter.statements = 0;
    const first = await herald.housekeeping();
    // Two batches of 100 in each table it reached; events wait until their notifications are gone.
    expect(first).toMatchObject({ complete: false, deleted: { notifications: 200, inbox: 200, events: 0, topicMessages: 0 } });
    expect(counter.statements).toBeLessThanOrEqual(30);
    expect(await column("SELECT count(*) FROM notifications")).toEqual([250]);

    const runs = [first];
    while (!runs.at(-1)!.complete && runs.length < 10) runs.push(await herald.housekeeping());
    // Notifications in three runs (200, 200, 50), events from the third on (200, 200, 50).
    expect(runs.map((r) => [r.deleted.notifications, r.deleted.events])).toEqual([[200, 0], [200, 0], [50, 200], [0, 200], [0, 50]]);
    expect(await column("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM notifications) + (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM inbox)")).toEqual([0]);
  });

  it("refuses a retention setting that is not a number of days", async () => {
    await expect(setup({ HERALD_RETENTION_DAYS: "ninety" })).rejects.toThrow(/HERALD_RETENTION_DAYS must be a number of days/);
    await expect(setup({ HERALD_IDEMPOTENCY_DAYS: "-1" })).rejects.toThrow(/HERALD_IDEMPOTENCY_DAYS/);
  });

  it("keeps everything with HERALD_RETENTION_DAYS=0", async () => {
    const { clock, herald, call, column, note } = await setup({ HERALD_RETENTION_DAYS: "0" });
    await call("PUT", "/v1/subscribers/alice", { name: "alice" });
    await note("kept", "alice");
    await herald.outbox.drain();
    clock.advance(3650 * DAY);
    await herald.housekeeping();
    expect(await column("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM notifications) + (SELECT count(*) FROM inbox)")).toEqual([3]);
  });
});
