import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound, ProblemError } from "../../errors.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonResponse, problems } from "../openapi.js";

const Loose = z.record(z.string(), z.unknown());
const SeriesQuery = z.object({
  hours: z.coerce.number().min(1).max(24 * 90).default(24).openapi({ param: { name: "hours", in: "query" } }),
  buckets: z.coerce.number().int().min(1).max(500).default(48).openapi({ param: { name: "buckets", in: "query" } }),
});
const Statuses = ["failed", "dead", "pending", "waiting", "sent", "delivered", "cancelled"] as const;
const FailuresQuery = z.object({
  status: z
    .string()
    .default("failed,dead")
    .refine((s) => s.split(",").every((x) => (Statuses as readonly string[]).includes(x)), `comma-separated statuses: ${Statuses.join(", ")}`)
    .openapi({ param: { name: "status", in: "query" } }),
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ param: { name: "limit", in: "query" } }),
});
const IdParams = z.object({ id: z.string().min(1).max(200).openapi({ param: { name: "id", in: "path" } }) });
const SERIES = ["sent", "delivered", "failed", "seen", "clicked"] as const;

/** Dashboard data: delivery outcomes over time per channel, the latest failures, and retrying dead deliveries. */
export function adminStatsRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/stats/timeseries",
      summary: "Sent, delivered, failed, seen and clicked per channel over time (sent includes delivered; failed includes dead)",
      security: bearerSecurity,
      request: { query: SeriesQuery },
      responses: { 200: jsonResponse(Loose, "One array per channel and series, aligned with `times` (bucket starts, ms)"), ...problems },
    }),
    async (c) => {
      const { hours, buckets } = c.req.valid("query");
      const bucketMs = Math.max(60_000, Math.ceil((hours * 3600_000) / buckets / 60_000) * 60_000);
      const to = clock.now();
      const from = Math.floor((to - hours * 3600_000) / bucketMs) * bucketMs;
      const times: number[] = [];
      for (let t = from; t <= to; t += bucketMs) times.push(t);
      const channels: Record<string, Record<(typeof SERIES)[number], number[]>> = {};
      const add = (channel: string, series: (typeof SERIES)[number], t: number, n: number) => {
        const row = (channels[channel] ??= Object.fromEntries(SERIES.map((s) => [s, times.map(() => 0)])) as Record<(typeof SERIES)[number], number[]>);
        const i = Math.floor((Number(t) - from) / bucketMs);
        if (i >= 0 && i < times.length) row[series][i]! += Number(n);
      };
      for (const r of await store.stats.outcomesOverTime(from, bucketMs)) {
        if (r.status === "sent" || r.status === "delivered") add(r.channel, "sent", r.t, r.n);
        if (r.status === "delivered") add(r.channel, "delivered", r.t, r.n);
        if (r.status === "failed" || r.status === "dead") add(r.channel, "failed", r.t, r.n);
      }
      for (const r of await store.stats.engagementOverTime(from, bucketMs)) add(r.channel, r.kind, r.t, r.n);
      return c.json({ from, to, bucketMs, times, channels }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/deliveries",
      summary: "The latest deliveries in the given statuses (failed and dead by default), with their reasons",
      security: bearerSecurity,
      request: { query: FailuresQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(Loose) }), "Newest first"), ...problems },
    }),
    async (c) => {
      const { status, limit } = c.req.valid("query");
      const rows = await store.stats.latest(status.split(","), limit);
      return c.json({ items: rows.map((r) => ({ ...r, updatedAt: new Date(Number(r.updatedAt)).toISOString() })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/deliveries/{id}/retry",
      summary: "Retry a failed or dead delivery now, with a fresh set of attempts",
      security: bearerSecurity,
      request: { params: IdParams },
      responses: { 202: jsonResponse(z.object({ id: z.string(), status: z.literal("pending") }), "Queued"), 409: problems[400], ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await store.stats.retry(id, clock.now()))) {
        const contexts = await store.deliveries.contexts([id]);
        if (!contexts.has(id)) throw notFound("delivery", id);
        throw new ProblemError(409, "not-retryable", "Not retryable", `delivery "${id}" is ${contexts.get(id)!.delivery.status}, not failed or dead`);
      }
      return c.json({ id, status: "pending" as const }, 202);
    },
  );
}
