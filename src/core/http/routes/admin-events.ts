import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonResponse, problems } from "../openapi.js";

const SearchQuery = z.object({
  q: z.string().max(200).default("").openapi({ param: { name: "q", in: "query" }, description: "An event id, an event type or a subscriber id; the latest events when empty" }),
  limit: z.coerce.number().int().min(1).max(100).default(30).openapi({ param: { name: "limit", in: "query" } }),
});
const EventHit = z.object({ id: z.string(), type: z.string(), receivedAt: z.string(), notifications: z.number().int() }).openapi("EventHit");

/** The event timeline's search: one event's story is `GET /v1/events/{id}`. */
export function adminEventRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/events",
      summary: "Find events by id, type or a subscriber they notified, newest first",
      security: bearerSecurity,
      request: { query: SearchQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(EventHit) }), "Newest first"), ...problems },
    }),
    async (c) => {
      const { q, limit } = c.req.valid("query");
      const rows = await deps.store.eventSearch.find(q.trim(), limit);
      return c.json({ items: rows.map((r) => ({ ...r, notifications: Number(r.notifications), receivedAt: new Date(Number(r.receivedAt)).toISOString() })) }, 200);
    },
  );
}
