/**
 * Herald on Cloudflare Workers: the same Hono app over D1 (cloudflare-boot.ts), real time on
 * Durable Objects (cloudflare-hub.ts, cloudflare-inbox-object.ts, cloudflare-fanout-object.ts),
 * outbox jobs drained after each accepted event (`waitUntil`), at the next job's `run_at` by the
 * jobs object's alarm (cloudflare-jobs.ts), and every minute by the cron trigger as a safety net.
 * Static files (/sdk, /sw.js, /demo, /admin) are Workers assets (scripts/build-worker-assets.mjs).
 */
import type { ExecutionContext, ScheduledController } from "@cloudflare/workers-types";
import { heraldFor } from "./cloudflare-boot.js";
import type { Env } from "./cloudflare-env.js";
import { drainAndSchedule } from "./cloudflare-jobs.js";

export { InboxObject } from "./cloudflare-inbox-object.js";
export { FanoutObject } from "./cloudflare-fanout-object.js";
export { JobsObject } from "./cloudflare-jobs.js";
export type { Env } from "./cloudflare-env.js";

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { herald, hub } = await heraldFor(env);
    const response = await herald.app.fetch(request, env, ctx as never);
    // New jobs (an accepted event, a broadcast) or live frames published by this request.
    ctx.waitUntil(response.status === 202 ? drainAndSchedule(env) : hub.idle());
    return response;
  },
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(drainAndSchedule(env));
  },
};
