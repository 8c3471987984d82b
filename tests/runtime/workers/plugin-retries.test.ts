/**
 * A plugin job that always fails, on Workers (D1, the queue consumer's claim): tried a bounded
 * number of times, each retry later than the one before, the lane behind it waiting without
 * spending attempts, then kept as a dead job that nothing runs again, and the lane goes on.
 */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { bootHerald } from "../../../src/runtimes/cloudflare/boot.js";
import { CONSUMER_LEASE_MS, EARLY_SLACK_MS } from "../../../src/runtimes/cloudflare/consumer.js";
import type { Env } from "../../../src/runtimes/cloudflare/env.js";
import { heraldLog } from "./herald-log.js";

const MAX_ATTEMPTS = 4;
const BASE_MS = 1000;
const job = (id: string) => env.DB.prepare("SELECT run_at, lease_owner, attempts FROM jobs WHERE id = ?").bind(id).first<{ run_at: number; lease_owner: string | null; attempts: number }>();

it("retries a failing plugin job with growing delays, then keeps it as a dead job and its lane goes on", async () => {
  // Its own Herald over the test's D1, on a short schedule (HERALD_RETRY_*): 4 runs, steps of 1 s doubling.
  const { herald } = await bootHerald({ ...(env as unknown as Env), HERALD_RETRY_BASE_MS: String(BASE_MS), HERALD_RETRY_MAX_ATTEMPTS: String(MAX_ATTEMPTS), HERALD_LOG_LEVEL: "warn" } as Env);
  const now = Date.now();
  // Two events of one ticket: the first one's stored body cannot be read, so its plugin job throws every time.
  await env.DB.batch([
    env.DB.prepare("INSERT INTO events (id, type, body, received_at, planned_at) VALUES ('wr-1', 'ticket.closed', '{not json', ?, ?)").bind(now, now),
    env.DB.prepare("INSERT INTO events (id, type, body, received_at, planned_at) VALUES ('wr-2', 'ticket.reopened', ?, ?, ?)").bind(JSON.stringify({ type: "ticket.reopened", data: { ticket: "wr" } }), now, now),
    env.DB.prepare("INSERT INTO jobs (id, kind, ref, run_at, created_at) VALUES ('plugin:wr-1', 'plugin', 'wr-1', ?, ?), ('plugin:wr-2', 'plugin', 'wr-2', ?, ?)").bind(now, now, now, now),
    env.DB.prepare("INSERT INTO job_lanes (job_id, lane) VALUES ('plugin:wr-1', 'ticket:wr'), ('plugin:wr-2', 'ticket:wr')"),
  ]);
  const delays: number[] = [];
  for (let run = 1; run <= MAX_ATTEMPTS + 2; run++) {
    // Both messages arrive (the later one first); the consumer claims what is due and runs it.
    const claimed = await herald.store.outbox.claimQueued(["plugin:wr-2", "plugin:wr-1"], herald.instanceId, Date.now(), CONSUMER_LEASE_MS, EARLY_SLACK_MS);
    await herald.outbox.run(claimed);
    const failed = await job("plugin:wr-1");
    if (!failed) break;
    // Free again (no lease to wait out), due after its backoff step; the job behind it waits and has spent nothing.
    expect(failed).toMatchObject({ lease_owner: null, attempts: run });
    expect(await job("plugin:wr-2")).toMatchObject({ lease_owner: null, attempts: 0 });
    delays.push(failed.run_at - Date.now());
    // Its time comes (the test does not wait for it).
    await env.DB.prepare("UPDATE jobs SET run_at = ? WHERE id IN ('plugin:wr-1', 'plugin:wr-2')").bind(Date.now()).run();
  }
  expect(delays).toHaveLength(MAX_ATTEMPTS - 1);
  delays.forEach((d, i) => {
    const step = BASE_MS * 2 ** i;
    // Half the step to the whole of it, less the few milliseconds since the failure.
    expect(d).toBeGreaterThan(step / 2 - 300);
    expect(d).toBeLessThanOrEqual(step);
  });
  expect(delays[2]!).toBeGreaterThan(delays[0]!);
  // The last run failed: gone from the jobs, kept as dead with its reason; the lane went on at once.
  expect(await job("plugin:wr-1")).toBeNull();
  expect(await job("plugin:wr-2")).toBeNull();
  const dead = await env.DB.prepare("SELECT kind, ref, attempts, last_error FROM dead_jobs WHERE id = 'plugin:wr-1'").first<{ kind: string; ref: string; attempts: number; last_error: string }>();
  expect(dead).toMatchObject({ kind: "plugin", ref: "wr-1", attempts: MAX_ATTEMPTS });
  expect(dead!.last_error).toMatch(/JSON/);
  const warned = heraldLog().map((l) => JSON.parse(l) as { level: string; msg: string; kind?: string; job?: string }).filter((l) => l.level === "warn" && l.msg.startsWith("job dead"));
  expect(warned).toMatchObject([{ job: "plugin:wr-1", kind: "plugin", attempts: MAX_ATTEMPTS }]);
  const listed = await herald.app.fetch(new Request("http://herald.test/v1/admin/dead-jobs", { headers: { authorization: `Bearer ${env.HERALD_API_KEY}` } }));
  expect(((await listed.json()) as { items: { id: string }[] }).items.map((j) => j.id)).toEqual(["plugin:wr-1"]);
  // A message for it arriving late runs nothing.
  expect(await herald.store.outbox.claimQueued(["plugin:wr-1"], herald.instanceId, Date.now() + 86_400_000, CONSUMER_LEASE_MS, EARLY_SLACK_MS)).toEqual([]);
});
