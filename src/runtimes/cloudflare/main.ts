/**
 * Herald on Cloudflare Workers: the same Hono app over D1 (cloudflare/boot.ts), real time on
 * Durable Objects (cloudflare/hub.ts, objects/inbox-object.ts, objects/fanout-object.ts), and the
 * jobs table carried by Cloudflare Queues: after an invocation commits jobs they are dispatched as
 * queue messages (cloudflare/dispatch.ts), the queue consumer runs them in bounded batches
 * (cloudflare/consumer.ts), jobs too far ahead for a message wait for a shard alarm
 * (objects/jobs-object.ts), and the cron frees and re-dispatches what a lost message left behind.
 * Every invocation is metered against its budget (cloudflare/budget.ts, cloudflare/meter.ts;
 * docs/workers.md). Static files (/sdk, /sw.js, /demo, /admin) are Workers assets.
 */
import type { ExecutionContext, MessageBatch, ScheduledController } from "@cloudflare/workers-types";
import { errorMessage } from "../../core/errors.js";
import { acquireHerald, loggerFor, releaseHerald, type WorkerHerald } from "./boot.js";
import { profileOf, queueMaxDelayS } from "./budget.js";
import { consumeBatch } from "./consumer.js";
import { dispatchDue } from "./dispatch.js";
import type { Env } from "./env.js";
import { metered, meteredEnv } from "./meter.js";

export { InboxObject } from "./objects/inbox-object.js";
export { FanoutObject } from "./objects/fanout-object.js";
export { JobsObject } from "./objects/jobs-object.js";
export type { Env } from "./env.js";

/**
 * After an invocation: live frames handed over, then the jobs it committed dispatched (the engine
 * woke its outbox, or the answer was a 202: work accepted, such as an admin retry).
 */
async function afterwards(env: Env, worker: WorkerHerald, accepted = false): Promise<void> {
  await worker.hub.idle();
  if (!worker.dispatchWanted && !accepted) return;
  worker.dispatchWanted = false;
  await dispatchDue({ env, store: worker.herald.store, profile: profileOf(env), logger: loggerFor(env), maxDelayS: queueMaxDelayS(env) });
}

export default {
  async fetch(request: Request, rawEnv: Env, ctx: ExecutionContext): Promise<Response> {
    const env = meteredEnv(rawEnv);
    const url = new URL(request.url);
    return metered(
      env,
      "request",
      `${request.method} ${url.pathname}`,
      async (finish) => {
        let worker: WorkerHerald;
        let response: Response;
        try {
          worker = await acquireHerald(env);
        } catch (error) {
          finish();
          throw error;
        }
        try {
          response = await worker.herald.app.fetch(request, env, ctx as never);
        } catch (error) {
          releaseHerald(worker);
          finish();
          throw error;
        }
        // The Herald goes back to the pool only when the work this request left is over.
        const after = afterwards(env, worker, response.status === 202).catch((error) => loggerFor(env).log("error", "dispatch after a request failed; the cron will", { error: errorMessage(error) }));
        ctx.waitUntil(
          after.finally(() => {
            releaseHerald(worker);
            finish();
          }),
        );
        return response;
      },
      { deferFinish: true },
    );
  },

  async queue(batch: MessageBatch<unknown>, rawEnv: Env, _ctx: ExecutionContext): Promise<void> {
    const env = meteredEnv(rawEnv);
    await metered(env, "queue", `${batch.queue} ×${batch.messages.length}`, async () => {
      const worker = await acquireHerald(env);
      try {
        await consumeBatch(batch, { env, worker, profile: profileOf(env), logger: loggerFor(env), maxDelayS: queueMaxDelayS(env) });
      } finally {
        releaseHerald(worker);
      }
    });
  },

  /**
   * Every minute: frees jobs whose lease ran out (a message lost after the commit, a consumer that
   * died), dispatches what is due or came within the queues' reach, and tidies up.
   */
  async scheduled(_controller: ScheduledController, rawEnv: Env, _ctx: ExecutionContext): Promise<void> {
    const env = meteredEnv(rawEnv);
    await metered(env, "cron", "cron", async () => {
      const worker = await acquireHerald(env);
      try {
        const profile = profileOf(env);
        const freed = await worker.herald.store.outbox.releaseExpired(Date.now(), profile.sweepLimit);
        if (freed > 0) loggerFor(env).log("warn", "jobs whose lease ran out freed for dispatch", { jobs: freed });
        await dispatchDue({ env, store: worker.herald.store, profile, logger: loggerFor(env), maxDelayS: queueMaxDelayS(env) });
        await worker.herald.housekeeping();
      } finally {
        releaseHerald(worker);
      }
    });
  },
};
