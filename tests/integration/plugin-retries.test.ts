/**
 * A plugin that keeps throwing: its job is tried a bounded number of times, each retry later than
 * the one before (the deliveries' schedule, here shortened by the engine's `backoff` option), then
 * kept as a dead job that nothing retries, which the operator sees (a warn log line, /v1/stats,
 * /metrics, GET /v1/admin/dead-jobs) and may send again. Time is a manual clock: no waiting.
 */
import type { Client } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { manualClock } from "../../src/core/clock.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import type { Logger } from "../../src/core/logger.js";
import { definePlugin } from "../../src/core/plugins.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_API_KEY, TEST_SECRETS } from "../support/server.js";

const MAX_ATTEMPTS = 5;
const BASE_MS = 1000;
const clock = manualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
const logs: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
const logger: Logger = { log: (level, msg, fields = {}) => void logs.push({ level, msg, fields }) };
/** Each run of the plugin, and whether it should throw. */
const runs: { event: string; at: number }[] = [];
let broken = true;
const flaky = definePlugin({
  id: "flaky",
  events: ["crm.sync"],
  // Ordered, like the support tickets: a lane of its own per account.
  orderingKey: (event) => `account:${String(event.data?.account)}`,
  async onEvent(event) {
    runs.push({ event: event.id, at: clock.now() });
    if (broken) throw new Error(`CRM answered 500 for ${event.id}`);
  },
});
/** A plugin whose call never answers (a CRM that accepts the connection and says nothing). */
const hung = definePlugin({
  id: "hung",
  events: ["crm.hang"],
  timeoutMs: 300,
  onEvent: () => new Promise<void>(() => {}),
});
let herald: Herald;
let client: Client;
let closeDb: () => Promise<void>;
const call = inProcessApi(() => herald);
const job = async (id: string) => (await client.execute({ sql: "SELECT run_at, lease_owner, attempts FROM jobs WHERE id = ?", args: [id] })).rows[0];

beforeAll(async () => {
  const opened = await openLibsqlStore(tempDatabaseUrl());
  client = opened.client;
  closeDb = opened.close;
  herald = await createHerald({
    store: opened.store,
    clock,
    logger,
    channels: builtInChannels,
    plugins: [flaky, hung],
    backoff: { baseMs: BASE_MS, capMs: 60_000, maxAttempts: MAX_ATTEMPTS },
    env: { ...TEST_SECRETS },
  });
});
afterAll(() => closeDb?.());

describe("a plugin job that always fails", () => {
  it("is tried maxAttempts times with growing delays, then kept as a dead job and never run again", async () => {
    expect((await call("POST", "/v1/events", { id: "sync-1", type: "crm.sync", data: { account: 7 } })).status).toBe(202);
    const delays: number[] = [];
    for (let round = 0; round < 20; round++) {
      await herald.outbox.drain();
      const row = await job("plugin:sync-1");
      if (!row) break;
      // Between runs the job is free (no lease to wait out), due after its backoff step.
      expect(row.lease_owner).toBeNull();
      delays.push(Number(row.run_at) - clock.now());
      clock.set(Number(row.run_at));
    }
    expect(runs.map((r) => r.event)).toEqual(Array(MAX_ATTEMPTS).fill("sync-1"));
    expect(delays).toHaveLength(MAX_ATTEMPTS - 1);
    // Each wait is the n-th step (1 s doubling) with its jitter: between half of it and all of it, so each is longer than the last.
    delays.forEach((d, i) => {
      const step = BASE_MS * 2 ** i;
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThan(step);
    });
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    // The runs happened when the job was due: the time between runs is the delays.
    expect(runs.slice(1).map((r, i) => r.at - runs[i]!.at)).toEqual(delays);

    const dead = logs.filter((l) => l.level === "warn" && l.msg.startsWith("job dead"));
    expect(dead).toEqual([
      { level: "warn", msg: "job dead: its attempts are spent, it is kept in the dead jobs and not run again", fields: { job: "plugin:sync-1", kind: "plugin", ref: "sync-1", attempts: MAX_ATTEMPTS, error: "CRM answered 500 for sync-1" } },
    ]);
    const listed = await call("GET", "/v1/admin/dead-jobs");
    expect(listed.body).toEqual({ items: [{ id: "plugin:sync-1", kind: "plugin", ref: "sync-1", attempts: MAX_ATTEMPTS, lastError: "CRM answered 500 for sync-1", diedAt: new Date(clock.now()).toISOString() }], total: 1 });
    expect((await call("GET", "/v1/stats")).body.outbox).toEqual({ jobs: 0, due: 0, dead: 1 });
    const metrics = await herald.app.request("/metrics", { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(await metrics.text()).toContain("herald_outbox_dead_jobs 1\n");

    // A day later nothing has run it again.
    clock.advance(86_400_000);
    await herald.outbox.drain();
    expect(runs).toHaveLength(MAX_ATTEMPTS);
  });

  it("does not hold its lane: the account's next event runs", async () => {
    broken = false;
    expect((await call("POST", "/v1/events", { id: "sync-2", type: "crm.sync", data: { account: 7 } })).status).toBe(202);
    await herald.outbox.drain();
    expect(runs.at(-1)?.event).toBe("sync-2");
    expect(await job("plugin:sync-2")).toBeUndefined();
  });

  it("is sent again by the operator with a fresh set of attempts, and leaves the dead jobs", async () => {
    expect((await call("POST", "/v1/admin/dead-jobs/plugin:nope/retry")).status).toBe(404);
    const retried = await call("POST", "/v1/admin/dead-jobs/plugin:sync-1/retry");
    expect(retried).toEqual({ status: 202, body: { id: "plugin:sync-1", status: "pending" } });
    expect(Number((await job("plugin:sync-1"))!.attempts)).toBe(0);
    await herald.outbox.drain();
    expect(runs.at(-1)?.event).toBe("sync-1");
    expect(await job("plugin:sync-1")).toBeUndefined();
    expect((await call("GET", "/v1/admin/dead-jobs")).body).toEqual({ items: [], total: 0 });
    // Nothing left to send again.
    expect((await call("POST", "/v1/admin/dead-jobs/plugin:sync-1/retry")).status).toBe(404);
  });

  it("is deleted by housekeeping a month after it died", async () => {
    broken = true;
    expect((await call("POST", "/v1/events", { id: "sync-3", type: "crm.sync", data: { account: 8 } })).status).toBe(202);
    for (let round = 0; round < 20 && (await job("plugin:sync-3")); round++) {
      await herald.outbox.drain();
      const row = await job("plugin:sync-3");
      if (row) clock.set(Number(row.run_at));
    }
    expect((await call("GET", "/v1/admin/dead-jobs")).body.total).toBe(1);
    clock.advance(29 * 86_400_000);
    await herald.housekeeping();
    expect((await call("GET", "/v1/admin/dead-jobs")).body.total).toBe(1);
    clock.advance(2 * 86_400_000);
    await herald.housekeeping();
    expect((await call("GET", "/v1/admin/dead-jobs")).body.total).toBe(0);
  });
});

describe("a plugin job that never finishes", () => {
  it("fails after the plugin's timeoutMs and is retried later, instead of holding its outbox slot until the lease runs out", async () => {
    expect((await call("POST", "/v1/events", { id: "hang-1", type: "crm.hang" })).status).toBe(202);
    const started = Date.now();
    await herald.outbox.drain();
    expect(Date.now() - started).toBeLessThan(5_000);
    const row = await job("plugin:hang-1");
    expect(row?.lease_owner).toBeNull();
    expect(Number(row?.attempts)).toBe(1);
    expect(Number(row?.run_at)).toBeGreaterThan(clock.now());
    expect(logs.find((l) => l.msg === "job failed" && (l.fields.jobs as string[] | undefined)?.includes("plugin:hang-1"))?.fields.error).toMatch(/plugin hung did not finish within 300 ms/);
  }, 15_000);
});
