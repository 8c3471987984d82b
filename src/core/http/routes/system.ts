import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonResponse, problems } from "../openapi.js";

const Stats = z
  .object({
    channels: z.record(z.string(), z.record(z.string(), z.number())),
    totals: z.record(z.string(), z.number()),
    outbox: z.object({ jobs: z.number(), due: z.number(), dead: z.number().openapi({ description: "Jobs whose attempts are spent, no longer retried (GET /v1/admin/dead-jobs)" }) }),
    configured: z.array(z.object({ id: z.string(), title: z.string(), configured: z.boolean(), missing: z.array(z.string()) })),
    /** Billable units sent since this process started, e.g. `{sms: {segments: 12}}` (Cyrillic SMS cost more). */
    units: z.record(z.string(), z.record(z.string(), z.number())),
  })
  .openapi("Stats");

/** Routes outside `/v1` resources: health (public), stats and metrics (API key). */
export function systemRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;

  app.openapi(
    createRoute({ method: "get", path: "/healthz", summary: "Liveness and database reachability", responses: { 200: jsonResponse(z.object({ status: z.literal("ok") }), "Healthy") } }),
    async (c) => {
      await store.settings.get("subscriber_token_key");
      return c.json({ status: "ok" as const }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/v1/stats", summary: "Delivery counts per channel and status", security: bearerSecurity, responses: { 200: jsonResponse(Stats, "Counts"), ...problems } }),
    async (c) => {
      const channels: Record<string, Record<string, number>> = {};
      const totals: Record<string, number> = {};
      for (const { channel, status, n } of await store.deliveries.countsByChannelAndStatus()) {
        (channels[channel] ??= {})[status] = n;
        totals[status] = (totals[status] ?? 0) + n;
      }
      const [depth, dead] = await Promise.all([store.outbox.depth(clock.now()), store.deadJobs.count()]);
      const configured = deps.channels.describe().map(({ id, title, configured, missing }) => ({ id, title, configured, missing }));
      return c.json({ channels, totals, outbox: { jobs: depth.total, due: depth.due, dead }, configured, units: deps.metrics.units() }, 200);
    },
  );

  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics: events accepted, deliveries by channel and status, outbox depth, delivery latency",
    security: bearerSecurity,
    responses: { 200: { description: "Prometheus text format", content: { "text/plain": { schema: z.string() } } }, ...problems },
  });
  app.get("/metrics", async (c) => {
    const now = clock.now();
    const [depth, dead] = await Promise.all([store.outbox.depth(now), store.deadJobs.count()]);
    const body = deps.metrics.render({
      outboxDepth: depth.total,
      outboxDue: depth.due,
      outboxOldestDueAgeSeconds: depth.oldestDueAt === null ? 0 : Math.max(0, (now - depth.oldestDueAt) / 1000),
      outboxDeadJobs: dead,
    });
    return c.body(body, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });
}
