/**
 * What one Worker invocation (a request, a queue batch, an alarm, the cron, a Durable Object call)
 * may do, and the sizes that keep it there. Cloudflare counts per invocation: D1 queries (1,000 on
 * the paid plan, 50 on the free one), subrequests (fetches and Durable Object calls: 10,000 paid,
 * 50 free) and CPU time. Herald's own budget is lower than the paid limits so that a slow day
 * (retries, fallbacks, a cold isolate's migrations) never reaches them. Every size below is chosen
 * so the worst invocation of its kind stays inside the budget; docs/workers.md has the arithmetic
 * and tests/runtime/workers/broadcast.test.ts checks it, call by call, for every invocation.
 */
import { DEFAULT_PLAN_PARTS, type PlanPartOptions } from "../../core/plan-parts.js";

export interface WorkersProfile {
  name: "paid" | "free";
  /** Herald's budget per invocation: D1 statements (a batch counts each) and subrequests (fetches, Durable Object calls, queue sends). */
  budget: { d1Queries: number; subrequests: number };
  /** Delivery, plugin and other jobs one `herald-jobs` batch runs at most (match max_batch_size in wrangler.toml). */
  jobsPerBatch: number;
  /** Plan jobs (events, plan parts) one `herald-plans` batch runs at most. */
  plansPerBatch: number;
  /**
   * Plugin jobs one `herald-jobs` batch runs at most (core/outbox/lanes.ts: the rest travel again).
   * An operator joining a ticket costs ~10 D1 queries, ten times a web push:
   * tests/runtime/workers/ordered-plugins.test.ts measured 207 for a batch of 20 joins (and 27 for
   * 2 on the free profile), broadcast.test.ts 133 for 100 pushes. 100 plugin jobs would be ~1,000.
   */
  pluginJobsPerBatch: number;
  /** Jobs one dispatch hands to the queues at most: sendBatch takes 100 messages, so this is dispatchLimit / 100 sends. */
  dispatchLimit: number;
  /** Planning in parts (core/plan-parts.ts). */
  planParts: PlanPartOptions;
  /**
   * Live frames to many subscribers (hub.ts): up to `direct` inbox objects are called from the
   * invocation itself; more go through relay objects, each calling at most `relayBatch` inboxes,
   * and an invocation calls at most `relayCalls` relays (more subscribers than relayBatch ×
   * relayCalls: relays hand slices to further relays, a tree).
   */
  fanout: { direct: number; relayBatch: number; relayCalls: number };
  /** Expired leases the cron frees in one run. */
  sweepLimit: number;
}

/** Workers Paid: Herald's budget is 500 D1 queries and 1,000 subrequests per invocation. */
export const PAID_PROFILE: WorkersProfile = {
  name: "paid",
  budget: { d1Queries: 500, subrequests: 1000 },
  // A web push costs ~3 D1 queries and 1 fetch: 100 jobs stay near 300 queries and 100 fetches.
  jobsPerBatch: 100,
  // A plan part of 100 recipients with two channels writes 300 rows and dispatches 100-200 jobs.
  plansPerBatch: 5,
  pluginJobsPerBatch: 20,
  dispatchLimit: 1000,
  planParts: DEFAULT_PLAN_PARTS,
  fanout: { direct: 32, relayBatch: 250, relayCalls: 100 },
  sweepLimit: 1000,
};

/**
 * Workers Free (HERALD_WORKERS_PROFILE=free): every invocation within 50 D1 queries and 50
 * subrequests, and small enough for 10 ms of CPU: batches of 10 jobs, plan parts of 25, relays of
 * 40 inboxes. Slower for big audiences (more, smaller invocations), never stopped by a limit.
 */
export const FREE_PROFILE: WorkersProfile = {
  name: "free",
  budget: { d1Queries: 50, subrequests: 50 },
  jobsPerBatch: 10,
  plansPerBatch: 1,
  pluginJobsPerBatch: 2,
  dispatchLimit: 100,
  planParts: { partSize: 25, scanParts: 40 },
  fanout: { direct: 20, relayBatch: 40, relayCalls: 40 },
  sweepLimit: 200,
};

/**
 * Longest delay a queue message carries (delaySeconds). Cloudflare documents 24 hours today (12
 * before); Herald stays at 12 and keeps later jobs in the table, woken by the shard alarms.
 */
export const QUEUE_MAX_DELAY_S = 12 * 3600;

const profiles = new WeakMap<object, WorkersProfile>();

/**
 * The profile HERALD_WORKERS_PROFILE names (paid unless `free`). HERALD_FANOUT_BATCH and
 * HERALD_FANOUT_RELAYS lower the relay batch and the relays an invocation calls (never raise them
 * past the profile's budget).
 */
export function profileOf(env: Record<string, unknown>): WorkersProfile {
  let profile = profiles.get(env);
  if (profile) return profile;
  const base = env.HERALD_WORKERS_PROFILE === "free" ? FREE_PROFILE : PAID_PROFILE;
  const lower = (name: string, max: number) => (Number(env[name]) > 0 ? Math.min(Math.floor(Number(env[name])), max) : max);
  const relayBatch = lower("HERALD_FANOUT_BATCH", base.fanout.relayBatch);
  profile = { ...base, fanout: { direct: Math.min(base.fanout.direct, relayBatch), relayBatch, relayCalls: Math.max(2, lower("HERALD_FANOUT_RELAYS", base.fanout.relayCalls)) } };
  profiles.set(env, profile);
  return profile;
}

/** The queue delay limit in force: QUEUE_MAX_DELAY_S, or HERALD_QUEUE_MAX_DELAY_S when set lower (tests). */
export function queueMaxDelayS(env: Record<string, unknown>): number {
  const set = Number(env.HERALD_QUEUE_MAX_DELAY_S);
  return set > 0 && set < QUEUE_MAX_DELAY_S ? Math.floor(set) : QUEUE_MAX_DELAY_S;
}
