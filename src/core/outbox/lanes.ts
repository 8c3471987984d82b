import type { BatchItem } from "drizzle-orm/batch";
import type { Store } from "../../store/index.js";
import type { LaneRow } from "../../store/repositories/job-lanes.js";
import { type ClaimedJob, QUEUE_OWNER } from "../../store/repositories/outbox.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { failedJob, type JobRetries } from "./job-failures.js";
import type { BatchJobHandler, JobHandler, JobOutcome } from "./worker.js";

/**
 * How long jobs wait on an earlier job of their lane that another worker holds before they go on
 * without it. A plugin job takes milliseconds and a consumer batch seconds; a job held this long
 * belongs to a worker that died or a handler that failed (it runs again when its lease ends, unordered).
 */
export const LANE_WAIT_MS = 30_000;
/** Rows of one lane looked at per batch: jobs further back wait for the next batch. */
export const LANE_SCAN = 20;
/** Jobs ahead in their lanes one batch takes on besides its own: each costs the queries of one more job. */
export const LANE_AHEAD = 20;
/** Waiting jobs moved to now when the job before them finishes: they travel (and most likely run) together. */
const PULL_FORWARD = 20;

export interface LaneOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The outbox's owner and lease: jobs taken here are acknowledged by that outbox. */
  owner: string;
  leaseMs: number;
  waitMs?: number;
  scan?: number;
  ahead?: number;
  /**
   * Jobs one call runs at most, its own and those it takes on (Workers: a queue batch's D1 budget);
   * the rest go back to the table due at once, to travel again. Unbounded by default.
   */
  limit?: number;
  /** How a job whose handler throws is tried again, and when it is dead (core/outbox/job-failures.ts). */
  retries: JobRetries;
}

interface Waiter {
  id: string;
  blocker: number | null;
  retryAt: number;
}

/**
 * Runs jobs that have an ordering key (0018_job_lanes.sql) in the order their events were accepted,
 * on every runtime: the outbox may claim them together or apart, Cloudflare Queues may bring them in
 * any order, in concurrent batches. A job runs only after every earlier job of its lane:
 *
 * - those in this batch run one after another in lane order (lanes side by side);
 * - earlier jobs no one holds (free, or on their way in a queue message) are claimed here and run
 *   first, so a late or lost message never holds a lane up;
 * - behind an earlier job another worker holds, the rest of the lane waits: handed back, due again
 *   when that job's wait runs out, and moved to now the moment it finishes (its commit pulls the
 *   next jobs forward; a wait committed after that finds the blocker gone and is due at once);
 * - an earlier job held for `waitMs` or more is passed over, with a warning: it runs when its
 *   lease ends, out of order. The wait is bounded; a failed job does not stop its lane for good;
 * - a job whose handler throws is tried again after a backoff step (core/outbox/job-failures.ts),
 *   and the rest of its lane waits for that retry when it is due within `waitMs`: a passing
 *   failure keeps the order. One backing off longer is passed over, with a warning, and retried
 *   out of order; one whose attempts are spent is dead, and its lane goes on at once.
 *
 * Jobs without a lane run as before, side by side. Runs are at-least-once as every job's are: a
 * handler must be idempotent (system messages are, by their key).
 */
export function inLanes(run: JobHandler, options: LaneOptions): BatchJobHandler {
  const { store, clock, logger, owner, leaseMs } = options;
  const waitMs = options.waitMs ?? LANE_WAIT_MS;
  const scan = options.scan ?? LANE_SCAN;
  const aheadLimit = options.ahead ?? LANE_AHEAD;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;

  return async (claimed) => {
    const now = clock.now();
    const outcomes = new Map<string, JobOutcome>();
    const rows = await store.jobLanes.around(
      claimed.map((j) => j.id),
      scan,
    );
    const mine = new Map<string, ClaimedJob>(claimed.map((j) => [j.id, j]));
    const lanes = new Map<string, LaneRow[]>();
    for (const row of rows) {
      let list = lanes.get(row.lane);
      if (!list) lanes.set(row.lane, (list = []));
      list.push(row);
    }
    const laned = new Set(rows.map((r) => r.jobId));

    // When another worker took a row's job (a queue message on its way holds it for no one).
    const heldSince = (r: LaneRow) => (r.leaseOwner !== null && r.leaseOwner !== QUEUE_OWNER && r.leaseUntil !== null && r.leaseUntil > now ? r.leaseUntil - leaseMs : undefined);
    // A job no worker holds, due later, that has run before: it failed and waits for its retry.
    const backingOff = (r: LaneRow) => heldSince(r) === undefined && r.runAt > now && r.attempts > 0;
    // Earlier jobs no one holds, up to the first one someone does (or one backing off): taken on
    // here, within `aheadLimit` and what `limit` leaves beside the batch's own jobs.
    const wanted: string[] = [];
    const room = Math.min(aheadLimit, limit - claimed.length);
    for (const list of lanes.values()) {
      for (const row of list) {
        if (!row.windowed || mine.has(row.jobId) || !row.present) continue;
        if (backingOff(row)) {
          if (row.runAt - now < waitMs) break;
          continue;
        }
        const since = heldSince(row);
        if (since !== undefined && now - since < waitMs) break;
        if (since === undefined && wanted.length < room) wanted.push(row.jobId);
      }
    }
    for (const job of await store.outbox.claimAhead(wanted, owner, now, leaseMs)) mine.set(job.id, job);

    const removed: number[] = [];
    const waiters: Waiter[] = [];
    const pulls: { lane: string; after: number }[] = [];
    const runs: Promise<void>[] = [];
    let left = limit;

    /** Runs a job: `done`, `retry` (it failed and waits for its retry) or `dead` (its last attempt failed: it is gone). */
    const runOne = async (job: ClaimedJob): Promise<"done" | "retry" | "dead"> => {
      try {
        outcomes.set(job.id, await run(job));
        return "done";
      } catch (error) {
        const failed = failedJob(job, error, clock.now(), { store, logger, owner, retries: options.retries });
        outcomes.set(job.id, failed.outcome);
        return failed.dead ? "dead" : "retry";
      }
    };

    for (const [lane, list] of lanes) {
      const sequence: { job: ClaimedJob; seq: number }[] = [];
      let blocker: { seq: number; retryAt: number } | undefined;
      // The last row settled before any of this batch's own jobs run (passed over, or gone).
      let last: number | undefined;
      for (const row of list) {
        const job = mine.get(row.jobId);
        if (!row.windowed) {
          // Further back than this batch looked: after the rows ahead of it are done.
          if (job) waiters.push({ id: job.id, blocker: blocker?.seq ?? null, retryAt: blocker?.retryAt ?? now });
          continue;
        }
        if (blocker) {
          if (job) waiters.push({ id: job.id, blocker: blocker.seq, retryAt: blocker.retryAt });
          continue;
        }
        if (job && left > 0) {
          sequence.push({ job, seq: row.seq });
          left--;
          continue;
        }
        if (job) {
          // Past the limit: it and the rest of its lane go back due at once, to run after those before it.
          blocker = { seq: row.seq, retryAt: now };
          waiters.push({ id: job.id, blocker: null, retryAt: now });
          continue;
        }
        if (!row.present) {
          removed.push(row.seq);
          last = row.seq;
          continue;
        }
        if (backingOff(row)) {
          // Its retry is near: wait for it (its commit pulls this lane forward). Further off: go on without it.
          if (row.runAt - now < waitMs) {
            blocker = { seq: row.seq, retryAt: row.runAt };
            continue;
          }
          logger.log("warn", "an ordered job failed and retries later: the later jobs of its lane go on without it", { lane, job: row.jobId, attempts: row.attempts, retryInMs: row.runAt - now, waitMs });
          removed.push(row.seq);
          last = row.seq;
          continue;
        }
        // Held by another worker (or taken by one since it was read: then since now).
        const since = heldSince(row) ?? now;
        if (now - since >= waitMs) {
          logger.log("warn", "an ordered job has not finished in time: the later jobs of its lane go on without it", { lane, job: row.jobId, heldForMs: now - since, waitMs });
          removed.push(row.seq);
          last = row.seq;
          continue;
        }
        blocker = { seq: row.seq, retryAt: since + waitMs };
      }
      runs.push(
        (async () => {
          let done = last;
          for (let k = 0; k < sequence.length; k++) {
            const { job, seq } = sequence[k]!;
            // Dead, the job leaves with its lane row: the rest of the lane goes on.
            if ((await runOne(job)) !== "retry") {
              done = seq;
              continue;
            }
            // The rest waits behind the one that failed, for its retry (or the wait, whichever is first).
            const retryAt = Math.min(now + waitMs, (outcomes.get(job.id) as { retryAt?: number }).retryAt ?? now + waitMs);
            for (const later of sequence.slice(k + 1)) waiters.push({ id: later.job.id, blocker: seq, retryAt });
            break;
          }
          // What waits behind the jobs done here may go now (a blocker another worker holds is left alone).
          if (done !== undefined) pulls.push({ lane, after: done });
        })(),
      );
    }
    for (const job of claimed) {
      if (laned.has(job.id)) continue;
      if (left-- > 0) runs.push(runOne(job).then(() => undefined));
      else waiters.push({ id: job.id, blocker: null, retryAt: now });
    }
    await Promise.all(runs);

    for (const w of waiters) outcomes.set(w.id, { settled: [] });
    const statements: BatchItem<"sqlite">[] = [];
    if (pulls.length > 0) statements.push(store.jobLanes.pullForwardStatement(pulls, clock.now(), PULL_FORWARD));
    if (waiters.length > 0) statements.push(store.jobLanes.settleStatement(waiters, owner, clock.now()));
    if (removed.length > 0) statements.push(store.jobLanes.removeStatement(removed));
    // All outcomes of a batch commit together: the lane statements ride on any one of them.
    const carrier = outcomes.entries().next().value;
    if (carrier && statements.length > 0) outcomes.set(carrier[0], withStatements(carrier[1], statements));
    return outcomes;
  };
}

function withStatements(outcome: JobOutcome, statements: BatchItem<"sqlite">[]): JobOutcome {
  if ("done" in outcome) return { ...outcome, done: [...outcome.done, ...statements] };
  if ("settled" in outcome) return { settled: [...outcome.settled, ...statements] };
  return { ...outcome, statements: [...outcome.statements, ...statements] };
}
