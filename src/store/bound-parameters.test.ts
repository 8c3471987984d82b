/**
 * D1 refuses a statement that binds more than 100 parameters (libSQL allows 32,766, so Node never
 * notices). This runs the store's bulk operations at sizes far past 100 over a libSQL client that
 * records every statement's bound values, and fails on any statement over D1's limit.
 */
import { createClient, type Client, type InArgs, type InStatement } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateLibsql } from "../runtimes/shared/libsql-store.js";
import { createStore, type HeraldDb, type RawStatement, type Store } from "./index.js";
import * as schema from "./schema.js";

/** D1's documented maximum of bound parameters per statement. */
const D1_MAX_BOUND_PARAMETERS = 100;
/** D1's documented maximum size of a string or BLOB value, in bytes. */
const D1_MAX_VALUE_BYTES = 2_000_000;
const N = 1500;

function boundValues(statement: InStatement): unknown[] {
  if (typeof statement === "string") return [];
  const args = (statement as { args?: InArgs }).args;
  if (!args) return [];
  return Array.isArray(args) ? args : Object.values(args);
}

const utf8 = new TextEncoder();

/** A libSQL client that remembers the largest statements it ran. */
function recordingClient(client: Client) {
  const over: { sql: string; params?: number; bytes?: number }[] = [];
  let statements = 0;
  const check = (statement: InStatement) => {
    statements++;
    const values = boundValues(statement);
    const sql = (typeof statement === "string" ? statement : statement.sql).slice(0, 120);
    if (values.length > D1_MAX_BOUND_PARAMETERS) over.push({ sql, params: values.length });
    for (const value of values) {
      const bytes = typeof value === "string" ? utf8.encode(value).length : 0;
      if (bytes > D1_MAX_VALUE_BYTES) over.push({ sql, bytes });
    }
  };
  const wrapped = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "execute") return (statement: InStatement) => (check(statement), target.execute(statement));
      if (prop === "batch") return (batch: InStatement[], mode?: "write" | "read" | "deferred") => (batch.forEach(check), target.batch(batch, mode));
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { client: wrapped, over, statements: () => statements };
}

describe("the store within D1's 100 bound parameters and 2 MB values", () => {
  let raw: Client;
  let recording: ReturnType<typeof recordingClient>;
  let store: Store;
  const ids = (prefix: string, n = N) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, "0")}`);

  beforeAll(async () => {
    raw = createClient({ url: ":memory:" });
    await migrateLibsql(raw);
    recording = recordingClient(raw);
    const db = drizzle(recording.client, { schema }) as unknown as HeraldDb;
    const runBatch = async (statements: RawStatement[]) => {
      const results = await recording.client.batch(statements.map((s) => ({ sql: s.sql, args: s.params as InArgs })), "write");
      return results.map((r) => r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))));
    };
    store = createStore(db, runBatch);
  });
  afterAll(() => raw.close());

  it(`plans, reads, marks and deletes ${N} rows at a time with no statement over ${D1_MAX_BOUND_PARAMETERS} parameters`, async () => {
    const now = 1_000_000;
    const subscribers = ids("sub");
    for (const id of subscribers.slice(0, 3)) await store.subscribers.upsert(id, { name: id }, now);
    await store.write(store.events.acceptStatements([{ id: "evt-big", type: "big", body: { type: "big" }, receivedAt: now, plannedAt: null }]));
    const notifications = subscribers.map((s, i) => ({ id: `n-${String(i).padStart(5, "0")}`, eventId: "evt-big", ruleId: "r", subscriberId: s, createdAt: now }));
    const deliveries = notifications.map((n, i) => ({ id: `d-${i}`, notificationId: n.id, step: 0, channel: "realtime", template: "t", unlessSeen: false, status: "pending" as const, attempts: 0, createdAt: now, updatedAt: now, providerMessageId: `pm-${i}` }));
    const jobs = deliveries.map((d) => ({ id: `deliver:${d.id}`, kind: "deliver" as const, ref: d.id, runAt: now, createdAt: now }));
    await store.write(store.plans.commitStatements(["evt-big"], { notifications, deliveries, jobs }, now));

    // The event's history: every notification with its deliveries, page by page.
    const first = await store.events.history("evt-big");
    expect(first.items).toHaveLength(1000);
    expect(first.items.every((h) => h.deliveries.length === 1)).toBe(true);
    const second = await store.events.history("evt-big", { after: first.next! });
    expect(second.items).toHaveLength(N - 1000);
    expect(second.next).toBeNull();
    expect(await store.events.notificationCount("evt-big")).toBe(N);

    expect((await store.events.getMany(ids("evt"))).length).toBe(0);
    expect((await store.events.existing(ids("evt"))).size).toBe(0);
    expect((await store.subscribers.getMany(subscribers)).length).toBe(3);
    expect((await store.deliveries.contexts(deliveries.map((d) => d.id))).size).toBe(N);
    expect((await store.deliveries.recipients(subscribers)).size).toBe(3);
    expect((await store.deliveries.byProviderMessage("realtime", deliveries.map((d) => d.providerMessageId))).size).toBe(N);
    expect((await store.deliveries.nextWaitingMany(notifications.map((n) => `${n.id}\u0000-1`))).size).toBe(0);
    await store.deliveries.markRealtimeDelivered(notifications.map((n) => n.id), now);
    expect((await store.deliveries.countsForEvents(ids("evt"))).size).toBe(N);

    // The attempt lines of a commit's in-app deliveries, one statement per chunk; each shows in the timeline.
    await store.write(store.deliveries.attemptStatements(deliveries.map((d) => ({ deliveryId: d.id, outcome: "sent", provider: "realtime", startedAt: now, finishedAt: now }))));
    expect((await store.events.history("evt-big")).items.every((h) => h.deliveries[0]!.attemptLog.length === 1)).toBe(true);

    const claimed = await store.outbox.claim("owner", now, 60_000, N);
    expect(claimed).toHaveLength(N);
    await store.write(store.outbox.deleteStatements(claimed.map((j) => j.id), "owner"));

    const endpoints = subscribers.map((s) => `https://push.example/${s}`);
    await store.pushSubscriptions.succeeded(endpoints, now);
    expect((await store.pushSubscriptions.ofMany(subscribers)).size).toBe(N);
    const entries = subscribers.map((s) => ({ address: `${s}@example.com`, reason: "bounced" }));
    await store.suppressions.add("email", entries, now);
    expect((await store.suppressions.list("email")).length).toBe(N);
    await store.suppressions.remove("email", entries.map((e) => e.address));
    expect((await store.suppressions.list("email")).length).toBe(0);

    const appended = await store.write(store.inbox.appendStatements(subscribers.map((s) => ({ subscriberId: s, id: "item", type: "notification", title: "t", createdAt: now }))));
    expect(appended.flat()).toHaveLength(N);
    expect((await store.inbox.unreadCounts(subscribers)).size).toBe(N);
    expect(await store.inbox.markDeliveredMany(subscribers.map((s) => ({ subscriberId: s, seq: 1 })), now)).toHaveLength(N);

    expect(recording.statements()).toBeGreaterThan(20);
    expect(recording.over).toEqual([]);
  });

  it("accepts a group commit of events whose data add up to megabytes with no value over 2 MB", async () => {
    const now = 2_000_000;
    // 100 events at the largest `data` Herald accepts (64 KiB), in Cyrillic: two UTF-8 bytes a letter.
    const data = { text: "ж".repeat(30_000) };
    const accepted = ids("evt-large", 100).map((id) => ({ id, type: "large", body: { type: "large", data }, receivedAt: now, plannedAt: null }));
    await store.write(store.events.acceptStatements(accepted));
    expect((await store.events.getMany(accepted.map((e) => e.id))).length).toBe(100);
    expect(recording.over).toEqual([]);
  });

  it("appends a broadcast's in-app items of several KiB each to 1,500 streams with no value over 2 MB", async () => {
    const now = 3_000_000;
    const subscribers = ids("wide");
    const item = { id: "broadcast-1", type: "notification" as const, title: "Sale", body: "ж".repeat(2000), data: { details: "x".repeat(3000) }, createdAt: now };
    const appended = await store.write(store.inbox.appendStatements(subscribers.map((subscriberId) => ({ subscriberId, ...item }))));
    expect(appended.flat()).toHaveLength(N);
    expect(recording.over).toEqual([]);
  });
});
