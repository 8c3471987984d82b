import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonResponse, problems } from "../openapi.js";

const DeadJob = z
  .object({
    id: z.string(),
    kind: z.string().openapi({ description: "`plugin`: the plugins of an event's type (`ref` is the event id)." }),
    ref: z.string(),
    attempts: z.number().int().openapi({ description: "Runs in all; the last one failed with `lastError`." }),
    lastError: z.string().nullable(),
    diedAt: z.string().openapi({ description: "ISO time of the last failed run." }),
  })
  .openapi("DeadJob");
const DeadJobsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ param: { name: "limit", in: "query" } }) });
const IdParams = z.object({ id: z.string().min(1).max(300).openapi({ param: { name: "id", in: "path" } }) });

/**
 * Dead jobs (core/outbox/job-failures.ts): jobs whose attempts are spent, kept out of the outbox.
 * An operator sees them (with the reason of the last failure) and may send one again.
 */
export function adminJobRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/dead-jobs",
      summary: "Jobs whose attempts are spent (a plugin that kept throwing), newest first; no longer retried",
      security: bearerSecurity,
      request: { query: DeadJobsQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(DeadJob), total: z.number().int() }), "Newest first, and how many there are"), ...problems },
    }),
    async (c) => {
      const { limit } = c.req.valid("query");
      const { items, total } = await store.deadJobs.latest(limit);
      return c.json({ items: items.map((j) => ({ ...j, diedAt: new Date(Number(j.diedAt)).toISOString() })), total }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/dead-jobs/{id}/retry",
      summary: "Send a dead job again now, with a fresh set of attempts (an ordered plugin job runs out of its order)",
      security: bearerSecurity,
      request: { params: IdParams },
      responses: { 202: jsonResponse(z.object({ id: z.string(), status: z.literal("pending") }), "Queued"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await store.deadJobs.revive(id, clock.now()))) throw notFound("dead job", id);
      deps.wakeOutbox();
      return c.json({ id, status: "pending" as const }, 202);
    },
  );
}
