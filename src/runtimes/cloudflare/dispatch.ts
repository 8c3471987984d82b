/**
 * From the jobs table to Cloudflare Queues. The table stays the record of what is pending (the
 * admin UI, `GET /v1/events/{id}`, retries read it); a queue message only names a job and says
 * when to run it. After every commit that may have added jobs (an accepted event, a queue batch,
 * an alarm, the cron), `dispatchDue` claims free jobs due within the queues' delay limit, leases
 * them to the queue (QUEUE_OWNER, until some minutes after they are due) and sends one message per
 * job with `delaySeconds` = how long until it is due. Jobs further ahead stay free in the table; the
 * alarm of one of JOB_SHARDS objects wakes when the earliest of them comes within reach.
 *
 * docs/workers.md describes the consistency rules: at-least-once messages, jobs run once because the
 * consumer's claim is a single conditional UPDATE, lost messages recovered when the lease runs out.
 */
import { errorMessage } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { Store } from "../../store/index.js";
import type { JobKind } from "../../store/schema.js";
import type { WorkersProfile } from "./budget.js";
import { type Env, type QueueBody, withTimeout } from "./env.js";

/**
 * How long after its due time a job handed to the queue stays leased to it. Past that, the cron
 * frees it and it is sent again (a message lost between the commit and the queue, a backlog
 * longer than this, a consumer that died). 15 minutes is a consumer's longest wall time.
 */
export const QUEUE_LEASE_GRACE_MS = 15 * 60_000;
/** Most messages in one sendBatch (Cloudflare Queues' limit; 256 KB too: a message here is a job id, under 300 bytes). */
export const SEND_BATCH = 100;
/** Alarm shards for jobs beyond the queue delay limit: wakes spread over them by due minute, not all on one object. */
export const JOB_SHARDS = 8;
const CALL_TIMEOUT_MS = 10_000;

const PLAN_KINDS = new Set<JobKind>(["plan", "plan-part"]);

/** The queue a job's message goes to: planning and delivering run side by side, each with its own batch size. */
export function queueFor(env: Env, kind: JobKind) {
  return PLAN_KINDS.has(kind) ? env.PLAN_QUEUE : env.JOB_QUEUE;
}

/** The shard whose alarm wakes for jobs due in the minute of `at`. */
export function shardFor(at: number): string {
  return `jobs-${Math.floor(at / 60_000) % JOB_SHARDS}`;
}

export interface DispatchOptions {
  env: Env;
  store: Store;
  profile: WorkersProfile;
  logger: Logger;
  /** The longest delay a message may carry, in seconds (budget.ts: queueMaxDelayS). */
  maxDelayS: number;
  now?: number;
  /** How to wake a shard: a shard's own alarm handler sets its alarm itself rather than calling itself. */
  wake?: (shard: string, at: number) => Promise<void>;
}

/** Wakes already asked of each shard by this isolate: a far job asked for again costs no call. */
const asked = new Map<string, number>();

/** Sends messages for claimed jobs, each delayed until it is due. Jobs whose send failed are freed again for the next dispatch. */
export async function sendJobs(options: Pick<DispatchOptions, "env" | "store" | "logger" | "maxDelayS">, jobs: { id: string; kind: JobKind; runAt: number }[], now: number): Promise<number> {
  const { env, store, logger } = options;
  let sent = 0;
  const byQueue = new Map<Env["JOB_QUEUE"], { id: string; runAt: number }[]>();
  for (const job of jobs) {
    const queue = queueFor(env, job.kind);
    let list = byQueue.get(queue);
    if (!list) byQueue.set(queue, (list = []));
    list.push(job);
  }
  for (const [queue, list] of byQueue) {
    for (let i = 0; i < list.length; i += SEND_BATCH) {
      const part = list.slice(i, i + SEND_BATCH);
      try {
        await queue.sendBatch(part.map((job) => ({ body: { j: job.id } satisfies QueueBody, delaySeconds: delayOf(job.runAt, now, options.maxDelayS) })));
        sent += part.length;
      } catch (error) {
        logger.log("warn", "queue send failed; the jobs go back to the table", { jobs: part.length, error: errorMessage(error) });
        // If this fails too, their lease runs out and the cron frees them.
        await store.outbox.releaseQueued(part.map((j) => j.id)).catch(() => undefined);
      }
    }
  }
  return sent;
}

/** Whole seconds until due, rounded up so a message never arrives before its job is due. */
function delayOf(runAt: number, now: number, maxDelayS: number): number {
  return Math.min(maxDelayS, Math.max(0, Math.ceil((runAt - now) / 1000)));
}

/**
 * Hands due jobs to the queues: at most `profile.dispatchLimit` (a bounded claim and at most
 * dispatchLimit / 100 sends). With more waiting, a message on the plans queue asks the next
 * invocation to go on; otherwise the shard alarm for the next far job is set.
 */
export async function dispatchDue(options: DispatchOptions): Promise<{ sent: number; more: boolean }> {
  const { env, store, profile, logger, maxDelayS } = options;
  const now = options.now ?? Date.now();
  const horizon = now + maxDelayS * 1000;
  const claimed = await store.outbox.claimForQueue(now, horizon, QUEUE_LEASE_GRACE_MS, profile.dispatchLimit);
  const sent = claimed.length > 0 ? await sendJobs(options, claimed, now) : 0;
  const more = claimed.length >= profile.dispatchLimit;
  if (more) {
    try {
      await env.PLAN_QUEUE.send({ d: 1 } satisfies QueueBody);
    } catch (error) {
      logger.log("warn", "could not ask for another dispatch; the cron will", { error: errorMessage(error) });
    }
  } else {
    await wakeForFarJobs(options, horizon);
  }
  return { sent, more };
}

/** Sets the alarm of the shard for the earliest free job the queues cannot carry yet (its due time minus the delay limit). */
async function wakeForFarJobs(options: DispatchOptions, horizon: number): Promise<void> {
  const { env, store, logger, maxDelayS } = options;
  const far = await store.outbox.nextFreeAfter(horizon);
  if (far === null) return;
  const at = far - maxDelayS * 1000 + 1000;
  const shard = shardFor(far);
  const before = asked.get(shard);
  if (before !== undefined && before <= at && before > Date.now()) return;
  try {
    if (options.wake) await options.wake(shard, at);
    else await withTimeout(env.JOBS.get(env.JOBS.idFromName(shard)).wake(at), CALL_TIMEOUT_MS, `jobs shard ${shard}`);
    asked.set(shard, at);
  } catch (error) {
    // The cron claims whatever comes within reach every minute anyway.
    logger.log("warn", "could not set a jobs shard alarm", { shard, error: errorMessage(error) });
  }
}
