import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ERASED_ID_PREFIX } from "../../erasure.js";
import { notFound, ProblemError } from "../../errors.js";
import { failureCode, type FailureKind, failureKind } from "../../failure-kinds.js";
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
  const { store, clock, channels } = deps;

  /** A failure's code and kind, whether Retry can help now, and for a channel not set up what it lacks. */
  function explain(channel: string, lastError: string | null, subscriberId?: string) {
    // Erasure clears the error and renames the recipient: nobody is left to send to.
    const code = subscriberId?.startsWith(ERASED_ID_PREFIX) ? "subscriber_erased" : failureCode(lastError);
    const kind = failureKind(code);
    const registered = channels.get(channel);
    // A setup gap fixed since (the channel is configured now) is worth a retry; one still open is not.
    const stillMissing = kind === "configuration" && code === "not_configured" ? (registered?.missing ?? []) : [];
    const retryable = kind === "provider" || (kind === "configuration" && code === "not_configured" && registered?.instance !== undefined);
    return { code, kind, retryable, ...(stillMissing.length ? { missing: stillMissing } : {}) };
  }

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
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(Loose).openapi({ description: "Each with `code` and `kind` (configuration, recipient, provider), `retryable` (whether Retry can help now) and, for a channel not set up, `missing` settings" }),
            kinds: z.object({ configuration: z.number().int(), recipient: z.number().int(), provider: z.number().int() }).openapi({ description: "All failed and dead deliveries, counted by kind" }),
          }),
          "Newest first",
        ),
        ...problems,
      },
    }),
    async (c) => {
      const { status, limit } = c.req.valid("query");
      const [rows, codes] = await Promise.all([store.stats.latest(status.split(","), limit), store.stats.failureCodes(ERASED_ID_PREFIX)]);
      const kinds: Record<FailureKind, number> = { configuration: 0, recipient: 0, provider: 0 };
      for (const { code, n } of codes) kinds[failureKind(code)] += Number(n);
      const items = rows.map((r) => ({ ...r, ...explain(r.channel, r.lastError, r.subscriberId), updatedAt: new Date(Number(r.updatedAt)).toISOString() }));
      return c.json({ items, kinds }, 200);
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
      const found = (await store.deliveries.contexts([id])).get(id);
      if (!found) throw notFound("delivery", id);
      // Retrying a setup gap or a recipient without an address only fails again, and counts as an attempt.
      // No subscriber row: erased (the notification names a pseudonym now).
      const why = explain(found.delivery.channel, found.delivery.lastError, found.subscriber?.id ?? ERASED_ID_PREFIX);
      if (!why.retryable && (found.delivery.status === "failed" || found.delivery.status === "dead")) {
        throw new ProblemError(409, "not-retryable", "Not retryable", why.kind === "recipient" ? "the recipient cannot receive on this channel; a retry would fail again" : "the channel or template is still not set up; a retry would fail again");
      }
      if (!(await store.stats.retry(id, clock.now()))) {
        const contexts = await store.deliveries.contexts([id]);
        if (!contexts.has(id)) throw notFound("delivery", id);
        throw new ProblemError(409, "not-retryable", "Not retryable", `delivery "${id}" is ${contexts.get(id)!.delivery.status}, not failed or dead`);
      }
      return c.json({ id, status: "pending" as const }, 202);
    },
  );
}
