import { describe, expect, it } from "vitest";
import { openLibsqlStore } from "../../runtimes/shared/libsql-store.js";
import { manualClock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { JobRetries } from "./job-failures.js";
import { inLanes, LANE_WAIT_MS } from "./lanes.js";
import { createOutbox, type JobHandler, type JobOutcome } from "./worker.js";

const LEASE = 60_000;
/** Retries after 750 ms, 1.5 s, 3 s (the middle of each jittered step); the fourth run is the last. */
const RETRIES: JobRetries = { policy: { baseMs: 1000, capMs: 60_000, maxAttempts: 4, jitter: "equal" }, random: () => 0.5 };

/** `n` plugin jobs in one lane (accepted in order e1 … en), plus `loose` jobs in none. */
async function lane(n: number, loose = 0, retries = RETRIES) {
  const { store, client } = await openLibsqlStore("file::memory:");
  const clock = manualClock();
  const ids = Array.from({ length: n }, (_, i) => `plugin:e${i + 1}`);
  const others = Array.from({ length: loose }, (_, i) => `plugin:x${i + 1}`);
  await store.write([
    ...[...ids, ...others].map((id) => store.outbox.insertStatement({ id, kind: "plugin", ref: id, runAt: clock.now(), createdAt: clock.now() })),
    store.jobLanes.insertStatement(ids.map((jobId) => ({ jobId, lane: "ticket:77" }))),
  ]);
  const ran: string[] = [];
  const logs: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = { log: (level, msg, fields) => void logs.push({ level, msg, fields }) };
  const failing = new Set<string>();
  // Jobs take a little while, longer for early ones: run side by side they would finish reversed.
  const handler: JobHandler = async (job) => {
    if (failing.has(job.id)) throw new Error("plugin failed");
    await new Promise((r) => setTimeout(r, Math.max(0, 60 - 2 * Number(job.id.replace(/\D/g, "")))));
    ran.push(job.id);
    return { done: [] };
  };
  const outboxFor = (owner: string, limit?: number) =>
    createOutbox({
      store,
      clock,
      logger,
      owner,
      leaseMs: LEASE,
      handlers: { plugin: { batch: inLanes(handler, { store, clock, logger, owner, leaseMs: LEASE, limit, retries }) } } as never,
    });
  /** Claims these jobs for `owner` (as a queue consumer does, in the order its messages came) and runs them. */
  const consume = async (owner: string, jobIds: string[], limit?: number) =>
    outboxFor(owner, limit).run(await store.outbox.claimAhead(jobIds, owner, clock.now(), LEASE));
  const jobs = async () => (await client.execute("SELECT id, run_at, lease_owner FROM jobs ORDER BY id")).rows.map((r) => ({ id: String(r.id), runAt: Number(r.run_at), owner: r.lease_owner as string | null }));
  const attempts = async () => Object.fromEntries((await client.execute("SELECT id, attempts FROM jobs ORDER BY id")).rows.map((r) => [String(r.id), Number(r.attempts)]));
  const laneRows = async () => (await client.execute("SELECT job_id FROM job_lanes ORDER BY seq")).rows.map((r) => String(r.job_id));
  return { store, client, clock, ids, others, ran, logs, failing, handler, logger, consume, jobs, attempts, laneRows };
}

describe("ordered jobs (lanes)", () => {
  it("runs one lane's jobs in the order they were accepted, whatever order they were claimed in", async () => {
    const t = await lane(12);
    await t.consume("me", [...t.ids].reverse());
    expect(t.ran).toEqual(t.ids);
    expect(await t.jobs()).toEqual([]);
    // The trigger took their lane rows with them.
    expect(await t.laneRows()).toEqual([]);
  });

  it("takes on the earlier jobs of its lane no one holds (free, or on their way in a queue message) and runs them first", async () => {
    const t = await lane(8);
    await t.client.execute({ sql: "UPDATE jobs SET lease_owner = 'queue', lease_until = ? WHERE id IN ('plugin:e2', 'plugin:e3')", args: [t.clock.now() + 900_000] });
    await t.consume("me", ["plugin:e5"]);
    expect(t.ran).toEqual(["plugin:e1", "plugin:e2", "plugin:e3", "plugin:e4", "plugin:e5"]);
    expect((await t.jobs()).map((j) => j.id)).toEqual(["plugin:e6", "plugin:e7", "plugin:e8"]);
  });

  it("waits behind an earlier job another worker holds, and is due the moment that one finishes", async () => {
    const t = await lane(4);
    // e1 is running elsewhere (taken a second ago).
    await t.client.execute({ sql: "UPDATE jobs SET lease_owner = 'other', lease_until = ? WHERE id = 'plugin:e1'", args: [t.clock.now() - 1000 + LEASE] });
    await t.consume("me", ["plugin:e3", "plugin:e2"]);
    expect(t.ran).toEqual([]);
    const waiting = (await t.jobs()).filter((j) => j.id !== "plugin:e1");
    // Handed back, due when e1's wait would run out; e4 (free) was not taken past the blocker.
    expect(waiting).toEqual([
      { id: "plugin:e2", runAt: t.clock.now() - 1000 + LANE_WAIT_MS, owner: null },
      { id: "plugin:e3", runAt: t.clock.now() - 1000 + LANE_WAIT_MS, owner: null },
      { id: "plugin:e4", runAt: t.clock.now(), owner: null },
    ]);
    t.clock.advance(500);
    // The other worker finishes e1: its commit moves what waits behind it to now.
    const other = inLanes(t.handler, { store: t.store, clock: t.clock, logger: t.logger, owner: "other", leaseMs: LEASE, retries: RETRIES });
    await commit(t.store, "other", await other([{ id: "plugin:e1", kind: "plugin", ref: "plugin:e1", runAt: 0, attempts: 1 }]));
    expect(t.ran).toEqual(["plugin:e1"]);
    expect((await t.jobs()).map((j) => [j.id, j.runAt])).toEqual([
      ["plugin:e2", t.clock.now()],
      ["plugin:e3", t.clock.now()],
      ["plugin:e4", t.clock.now() - 500],
    ]);
    await t.consume("me", ["plugin:e4", "plugin:e2", "plugin:e3"]);
    expect(t.ran).toEqual(t.ids);
  });

  it("misses no wake-up when the job it waits on finishes before the wait is committed", async () => {
    const t = await lane(2);
    await t.client.execute({ sql: "UPDATE jobs SET lease_owner = 'other', lease_until = ? WHERE id = 'plugin:e1'", args: [t.clock.now() + LEASE] });
    const mine = inLanes(t.handler, { store: t.store, clock: t.clock, logger: t.logger, owner: "me", leaseMs: LEASE, retries: RETRIES });
    const claimed = await t.store.outbox.claimAhead(["plugin:e2"], "me", t.clock.now(), LEASE);
    const outcomes = await mine(claimed);
    // e1 finishes (its row goes with it) between this worker's decision and its commit.
    await t.client.execute("DELETE FROM jobs WHERE id = 'plugin:e1'");
    await commit(t.store, "me", outcomes);
    expect(await t.jobs()).toEqual([{ id: "plugin:e2", runAt: t.clock.now(), owner: null }]);
  });

  it("passes over an earlier job held past the wait, says so in a log line, and keeps the rest in order", async () => {
    const t = await lane(5);
    // e2's worker took it 31 s ago and has not finished (died, or its handler failed).
    await t.client.execute({ sql: "UPDATE jobs SET lease_owner = 'gone', lease_until = ? WHERE id = 'plugin:e2'", args: [t.clock.now() - 31_000 + LEASE] });
    await t.consume("me", ["plugin:e5", "plugin:e4", "plugin:e1", "plugin:e3"]);
    expect(t.ran).toEqual(["plugin:e1", "plugin:e3", "plugin:e4", "plugin:e5"]);
    expect(t.logs.filter((l) => l.level === "warn")).toEqual([
      { level: "warn", msg: "an ordered job has not finished in time: the later jobs of its lane go on without it", fields: { lane: "ticket:77", job: "plugin:e2", heldForMs: 31_000, waitMs: LANE_WAIT_MS } },
    ]);
    // e2 is out of its lane: when its lease ends it runs, unordered, holding no one up.
    expect(await t.laneRows()).toEqual([]);
    t.clock.advance(LEASE);
    await t.consume("me", ["plugin:e2"]);
    expect(t.ran.at(-1)).toBe("plugin:e2");
  });

  it("retries a job whose handler failed after a backoff step, its lane waiting for the retry, and keeps the order when it succeeds", async () => {
    const t = await lane(4);
    t.failing.add("plugin:e2");
    const t0 = t.clock.now();
    await t.consume("me", ["plugin:e1", "plugin:e2", "plugin:e3", "plugin:e4"]);
    expect(t.ran).toEqual(["plugin:e1"]);
    expect(t.logs.find((l) => l.msg === "job failed")?.fields).toMatchObject({ jobs: ["plugin:e2"], kind: "plugin", attempt: 1, maxAttempts: 4, retryInMs: 750, error: "plugin failed" });
    // e2 is free again, due after its backoff step (not held until its lease ends); e3 and e4 wait for that retry.
    expect(await t.jobs()).toEqual([
      { id: "plugin:e2", runAt: t0 + 750, owner: null },
      { id: "plugin:e3", runAt: t0 + 750, owner: null },
      { id: "plugin:e4", runAt: t0 + 750, owner: null },
    ]);
    // A later job of the lane that comes before the retry is due waits for it too, and does not run e2 early.
    t.clock.advance(100);
    await t.consume("me", ["plugin:e4"]);
    expect(t.ran).toEqual(["plugin:e1"]);
    expect((await t.jobs()).find((j) => j.id === "plugin:e4")).toEqual({ id: "plugin:e4", runAt: t0 + 750, owner: null });
    // Waiting spent no attempt: only e2's failed run counts.
    expect(await t.attempts()).toEqual({ "plugin:e2": 1, "plugin:e3": 0, "plugin:e4": 0 });
    // The retry succeeds: the lane goes on, in order.
    t.failing.delete("plugin:e2");
    t.clock.set(t0 + 750);
    await t.consume("me", ["plugin:e4", "plugin:e3", "plugin:e2"]);
    expect(t.ran).toEqual(t.ids);
    expect(await t.jobs()).toEqual([]);
  });

  it("passes over a job whose retry is further off than the wait, says so, and retries it out of order", async () => {
    // Steps of 100 s: the first retry is 75 s away, past the lane's 30 s wait.
    const t = await lane(3, 0, { policy: { baseMs: 100_000, capMs: 600_000, maxAttempts: 4, jitter: "equal" }, random: () => 0.5 });
    t.failing.add("plugin:e1");
    const t0 = t.clock.now();
    await t.consume("me", ["plugin:e1"]);
    await t.consume("me", ["plugin:e3", "plugin:e2"]);
    expect(t.ran).toEqual(["plugin:e2", "plugin:e3"]);
    expect(t.logs.filter((l) => l.level === "warn")).toEqual([
      { level: "warn", msg: "an ordered job failed and retries later: the later jobs of its lane go on without it", fields: { lane: "ticket:77", job: "plugin:e1", attempts: 1, retryInMs: 75_000, waitMs: LANE_WAIT_MS } },
    ]);
    expect(await t.laneRows()).toEqual([]);
    expect(await t.jobs()).toEqual([{ id: "plugin:e1", runAt: t0 + 75_000, owner: null }]);
    t.failing.delete("plugin:e1");
    t.clock.set(t0 + 75_000);
    await t.consume("me", ["plugin:e1"]);
    expect(t.ran).toEqual(["plugin:e2", "plugin:e3", "plugin:e1"]);
  });

  it("tries a failing job at most maxAttempts times with growing delays, then keeps it as a dead job and its lane goes on", async () => {
    const t = await lane(3);
    t.failing.add("plugin:e1");
    const delays: number[] = [];
    for (let run = 1; run <= 4; run++) {
      const before = t.clock.now();
      await t.consume("me", ["plugin:e3", "plugin:e2", "plugin:e1"]);
      const e1 = (await t.jobs()).find((j) => j.id === "plugin:e1");
      if (!e1) break;
      delays.push(e1.runAt - before);
      t.clock.set(e1.runAt);
    }
    expect(delays).toEqual([750, 1500, 3000]);
    // The fourth failure was the last: e1 is gone from the jobs, kept as dead, and e2 and e3 ran right after it.
    expect(t.ran).toEqual(["plugin:e2", "plugin:e3"]);
    expect(await t.jobs()).toEqual([]);
    expect((await t.client.execute("SELECT id, kind, ref, attempts, last_error, died_at FROM dead_jobs")).rows.map((r) => ({ ...r }))).toEqual([
      { id: "plugin:e1", kind: "plugin", ref: "plugin:e1", attempts: 4, last_error: "plugin failed", died_at: t.clock.now() },
    ]);
    expect(t.logs.filter((l) => l.level === "warn")).toEqual([
      { level: "warn", msg: "job dead: its attempts are spent, it is kept in the dead jobs and not run again", fields: { job: "plugin:e1", kind: "plugin", ref: "plugin:e1", attempts: 4, error: "plugin failed" } },
    ]);
    expect(t.logs.filter((l) => l.msg === "job failed").map((l) => l.fields?.attempt)).toEqual([1, 2, 3]);
    // Nothing runs it again, however long one waits.
    t.clock.advance(86_400_000);
    await t.consume("me", ["plugin:e1"]);
    expect(t.ran).toEqual(["plugin:e2", "plugin:e3"]);
  });

  it("runs jobs without a lane side by side, beside the lane", async () => {
    const t = await lane(3, 3);
    await t.consume("me", [...t.others, ...[...t.ids].reverse()]);
    expect(t.ran.filter((id) => id.startsWith("plugin:e"))).toEqual(t.ids);
    expect([...t.ran].sort()).toEqual([...t.ids, ...t.others].sort());
    expect(await t.jobs()).toEqual([]);
  });

  it("runs at most `limit` jobs a call, lanes first, and hands the rest back due at once", async () => {
    const t = await lane(6, 4);
    await t.consume("me", [...t.others, ...[...t.ids].reverse()], 4);
    expect(t.ran).toEqual(t.ids.slice(0, 4));
    expect((await t.jobs()).map((j) => [j.id, j.owner, j.runAt])).toEqual([...t.ids.slice(4), ...t.others].sort().map((id) => [id, null, t.clock.now()]));
    // Then the rest of the lane, and two of the others beside it.
    await t.consume("me", [...t.others, "plugin:e6", "plugin:e5"], 4);
    expect(t.ran.length).toBe(8);
    expect(t.ran.filter((id) => id.startsWith("plugin:e"))).toEqual(t.ids);
    await t.consume("me", t.others, 4);
    expect((await t.jobs()).length).toBe(0);
  });

  it("looks at a bounded part of a long lane per batch and hands the rest back due at once", async () => {
    const t = await lane(45);
    await t.consume("me", [...t.ids].reverse());
    // 20 rows looked at: those run; the other 25 go back to the table, due now.
    expect(t.ran).toEqual(t.ids.slice(0, 20));
    expect((await t.jobs()).every((j) => j.owner === null && j.runAt === t.clock.now())).toBe(true);
    await t.consume("me", t.ids.slice(20));
    await t.consume("me", t.ids.slice(40));
    expect(t.ran).toEqual(t.ids);
  });
});

/** Commits a batch handler's outcomes as the outbox does (statements, then finished jobs removed). */
async function commit(store: Awaited<ReturnType<typeof openLibsqlStore>>["store"], owner: string, outcomes: Map<string, JobOutcome>) {
  const statements = [...outcomes.values()].flatMap((o) => ("done" in o ? o.done : "settled" in o ? o.settled : o.statements));
  const done = [...outcomes].filter(([, o]) => "done" in o).map(([id]) => id);
  await store.write([...statements, ...store.outbox.deleteStatements(done, owner)]);
}
