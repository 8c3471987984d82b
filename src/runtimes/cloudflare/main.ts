/**
 * Herald on Cloudflare Workers: the same Hono app over D1 (cloudflare/boot.ts), real time on
 * Durable Objects (cloudflare/hub.ts, cloudflare/objects/inbox-object.ts, cloudflare/objects/fanout-object.ts),
 * outbox jobs drained after each accepted event (`waitUntil`), at the next job's `run_at` by the
 * jobs object's alarm (cloudflare/objects/jobs-object.ts), and every minute by the cron trigger as a safety net.
 * Static files (/sdk, /sw.js, /demo, /admin) are Workers assets (scripts/build-worker-assets.mjs).
 */
import type { ExecutionContext, ScheduledController } from "@cloudflare/workers-types";
import { acquireHerald, releaseHerald } from "./boot.js";
import type { Env } from "./env.js";
import { drainAndSchedule, drainCoalesced } from "./objects/jobs-object.js";

export { InboxObject } from "./objects/inbox-object.js";
export { FanoutObject } from "./objects/fanout-object.js";
export { JobsObject } from "./objects/jobs-object.js";
export type { Env } from "./env.js";

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const worker = await acquireHerald(env);
    let response: Response;
    try {
      response = await worker.herald.app.fetch(request, env, ctx as never);
    } catch (error) {
      releaseHerald(worker);
      throw error;
    }
    // New jobs (an accepted event, a broadcast) or live frames published by this request; the
    // Herald goes back to the pool only when that work is over.
    const after = response.status === 202 ? drainCoalesced(env, worker) : worker.hub.idle();
    ctx.waitUntil(after.finally(() => releaseHerald(worker)));
    return response;
  },
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    const worker = await acquireHerald(env);
    ctx.waitUntil(Promise.all([drainAndSchedule(env, worker), worker.herald.housekeeping()]).finally(() => releaseHerald(worker)));
  },
};
