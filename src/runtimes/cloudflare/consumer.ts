/**
 * The queue consumer: a batch of messages names jobs; the consumer claims those that are due and
 * free (one conditional UPDATE, so a message delivered twice runs its job once), runs them with the
 * same handlers Node's outbox uses (herald.outbox.run: deliver, plan, plan-part, plugin), and hands
 * the jobs they created (deliveries of a plan part, retries, fallbacks) to the queues in turn.
 * Every batch is bounded by the profile (budget.ts), whatever max_batch_size says: messages beyond
 * it are sent again as new messages rather than run here.
 */
import type { MessageBatch } from "@cloudflare/workers-types";
import type { Logger } from "../../core/logger.js";
import type { WorkerHerald } from "./boot.js";
import type { WorkersProfile } from "./budget.js";
import { dispatchDue, SEND_BATCH } from "./dispatch.js";
import type { Env, QueueBody } from "./env.js";

/** The queues of wrangler.toml. */
export const JOBS_QUEUE_NAME = "herald-jobs";
export const PLANS_QUEUE_NAME = "herald-plans";
export const DEAD_LETTER_QUEUE_NAME = "herald-dead";

/**
 * How long a consumer holds the jobs it claimed. A batch within budget takes seconds; if the
 * consumer dies, its jobs are free again after this (the cron's sweep) and run once more.
 */
export const CONSUMER_LEASE_MS = 10 * 60_000;
/** A message may arrive this early (clocks differ by a little): its job still runs. */
export const EARLY_SLACK_MS = 1000;

export interface ConsumeOptions {
  env: Env;
  worker: WorkerHerald;
  profile: WorkersProfile;
  logger: Logger;
  maxDelayS: number;
}

/** Handles one batch; returning acknowledges every message (a throw has the whole batch retried). */
export async function consumeBatch(batch: MessageBatch<unknown>, options: ConsumeOptions): Promise<void> {
  const { env, worker, profile, logger } = options;
  const { herald, hub } = worker;
  if (batch.queue.startsWith(DEAD_LETTER_QUEUE_NAME)) {
    // Messages whose batch failed every retry (D1 or the runtime down). Their jobs are still in the
    // table, leased to the queue: when the lease runs out the cron dispatches them again.
    logger.log("error", "queue messages dead-lettered; their jobs are retried from the table", { messages: batch.messages.length, jobs: batch.messages.slice(0, 20).map((m) => (m.body as { j?: string })?.j) });
    return;
  }
  const limit = batch.queue.startsWith(PLANS_QUEUE_NAME) ? profile.plansPerBatch : profile.jobsPerBatch;
  const ids: string[] = [];
  let dispatchAsked = false;
  for (const message of batch.messages) {
    const body = message.body as Partial<{ j: unknown; d: unknown }> | null;
    if (body && typeof body.j === "string") ids.push(body.j);
    else if (body && body.d === 1) dispatchAsked = true;
    else logger.log("warn", "queue message of an unknown shape dropped", { queue: batch.queue, id: message.id });
  }
  const unique = [...new Set(ids)];
  const take = unique.slice(0, limit);
  const rest = unique.slice(limit);
  const queue = batch.queue.startsWith(PLANS_QUEUE_NAME) ? env.PLAN_QUEUE : env.JOB_QUEUE;
  for (let i = 0; i < rest.length; i += SEND_BATCH) {
    await queue.sendBatch(rest.slice(i, i + SEND_BATCH).map((j) => ({ body: { j } satisfies QueueBody })));
  }

  const now = Date.now();
  const claimed = await herald.store.outbox.claimQueued(take, herald.instanceId, now, CONSUMER_LEASE_MS, EARLY_SLACK_MS);
  // Not claimed: finished already, held by another consumer, or rescheduled (its new message is on its way).
  if (claimed.length > 0) await herald.outbox.run(claimed);
  await hub.idle();
  if (claimed.length > 0 || dispatchAsked) await dispatchDue({ env, store: herald.store, profile, logger, maxDelayS: options.maxDelayS });
}
