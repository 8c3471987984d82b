/**
 * The admin dry run on a large install: a rule to everyone, or to a topic of 50,000 members, is
 * answered with the exact count and the first 20 recipients, from a bounded number of rows: the
 * audience is counted by the database, never loaded into the process.
 */
import type { Client } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import { silentLogger } from "../../src/core/logger.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_API_KEY, TEST_SECRETS } from "../support/server.js";

const SUBSCRIBERS = 50_000;
const clock = manualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
let herald: Herald;
let client: Client;
let closeDb: () => Promise<void>;
const call = inProcessApi(() => herald);
/** Rows the database handed to the process (every query and batch), counted while `counting`. */
let rowsRead = 0;
let counting = false;

const idOf = (i: number) => `big-${String(i).padStart(5, "0")}`;

beforeAll(async () => {
  const opened = await openLibsqlStore(tempDatabaseUrl());
  client = opened.client;
  closeDb = opened.close;
  // Every statement drizzle runs goes through these two methods of the client.
  const execute = client.execute.bind(client);
  const batch = client.batch.bind(client);
  Object.assign(client, {
    execute: async (...args: Parameters<Client["execute"]>) => {
      const result = await execute(...args);
      if (counting) rowsRead += result.rows.length;
      return result;
    },
    batch: async (...args: Parameters<Client["batch"]>) => {
      const results = await batch(...args);
      if (counting) rowsRead += results.reduce((n, r) => n + r.rows.length, 0);
      return results;
    },
  });
  herald = await createHerald({ store: opened.store, clock, logger: silentLogger, channels: builtInChannels, env: { ...TEST_SECRETS } });
  // 50,000 subscribers and one topic holding all of them, in two statements.
  const now = clock.now();
  await client.execute({
    sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
      INSERT INTO subscribers (id, name, created_at, updated_at) SELECT printf('big-%05d', i), printf('Big %d', i), ?, ? FROM n`,
    args: [SUBSCRIBERS, now, now],
  });
  await client.execute({ sql: "INSERT INTO topic_subscribers (topic, subscriber_id, created_at) SELECT 'big-room', id, ? FROM subscribers", args: [now] });
  await call("PUT", "/v1/templates/big", { channels: { realtime: { title: "Hello {{subscriber.name}}", body: "{{data.text}}" } } });
  await call("PUT", "/v1/rules/big-everyone", { event: "big.news", to: { topic: "*" }, steps: [{ channel: "realtime", template: "big" }] });
  await call("PUT", "/v1/rules/big-room", { event: "big.news", to: { topic: "big-room" }, steps: [{ channel: "realtime", template: "big" }, { channel: "realtime", template: "big", delay: "1h" }] });
}, 120_000);
afterAll(() => closeDb?.());

describe("a dry run on 50,000 subscribers", () => {
  it("counts everyone and a 50,000-member topic, names the first 20, and reads a bounded number of rows", async () => {
    rowsRead = 0;
    counting = true;
    const started = performance.now();
    const res = await herald.app.request("/v1/admin/rules/dry-run", {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ event: { type: "big.news", data: { text: "hi" } } }),
    });
    const elapsedMs = performance.now() - started;
    counting = false;
    if (process.env.DRY_RUN_MEASURE) console.log(JSON.stringify({ rowsRead, elapsedMs }));
    expect(res.status).toBe(200);
    // The rows the process reads do not grow with the audience, nor does the answer: two counts,
    // two pages of 20, the sampled subscribers' profiles, rules and templates (loaded whole: 100,000 rows).
    expect(rowsRead).toBeLessThan(200);
    const text = await res.text();
    expect(text.length).toBeLessThan(16 * 1024);
    const rules = Object.fromEntries((JSON.parse(text).rules as { id: string }[]).map((r) => [r.id, r])) as Record<string, any>;
    const first20 = Array.from({ length: 20 }, (_, i) => idOf(i + 1));
    for (const id of ["big-everyone", "big-room"]) {
      expect(rules[id]).toMatchObject({ matched: true, recipients: SUBSCRIBERS, sampled: true, sample: first20 });
      expect(rules[id].reason).toBeUndefined();
    }
    // Messages are rendered for the first recipients only: 10 in all (5 recipients × 2 steps here).
    expect(rules["big-everyone"].messages).toHaveLength(10);
    expect(rules["big-room"].messages.map((m: { subscriberId: string }) => m.subscriberId)).toEqual(first20.slice(0, 5).flatMap((id) => [id, id]));
    expect(rules["big-room"].messages[0].content).toEqual({ title: "Hello Big 1", body: "hi" });
    expect(rules["big-room"].steps.map((s: { waitMs: number }) => s.waitMs)).toEqual([0, 3_600_000]);
    // Generous: it takes tens of milliseconds (the counts are the database's), not seconds.
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it("still lists a short audience whole, and says it is not sampled", async () => {
    for (const i of [1, 2, 3]) await call("PUT", `/v1/topics/small-room/subscribers/${idOf(i)}`);
    await call("PUT", "/v1/rules/small-room", { event: "small.news", to: { topic: "small-room" }, steps: [{ channel: "realtime", template: "big" }] });
    const res = await call("POST", "/v1/admin/rules/dry-run", { event: { type: "small.news", data: { text: "x" } } });
    expect(res.body.rules[0]).toMatchObject({ id: "small-room", matched: true, recipients: 3, sampled: false, sample: [idOf(1), idOf(2), idOf(3)] });
    const none = await call("POST", "/v1/admin/rules/dry-run", { event: { type: "small.news", topic: "nobody-here" }, rule: { id: "small-room", event: "small.news", steps: [{ channel: "realtime", template: "big" }] } });
    expect(none.body.rules[0]).toMatchObject({ matched: true, recipients: 0, sampled: false, sample: [], reason: "no recipients", messages: [] });
  });
});
