import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { EventRow } from "../../../store/repositories/events.js";
import { createBroadcastSender } from "../../broadcast-sender.js";
import { BROADCAST_EVENT, type BroadcastBody, BroadcastInput, broadcastProgress, BroadcastView } from "../../broadcasts.js";
import { notFound } from "../../errors.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";

const IdParams = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: "id", in: "path" } }) });
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: "limit", in: "query" } }) });
/** How a broadcast was asked for, as the list shows it. */
const BroadcastSummary = z.object({
  template: z.string().optional(),
  title: z.string().optional(),
  audience: z.record(z.string(), z.unknown()),
  channels: z.array(z.string()),
  category: z.string().optional(),
  recipients: z.number().int().optional(),
});
const BroadcastListItem = BroadcastView.extend({ summary: BroadcastSummary }).openapi("BroadcastListItem");

/**
 * Broadcasts: a template, or content written for the occasion, to a topic, everyone or subscribers
 * with a field value; planned after the 202 (at `sendAt` when given); progress readable while it runs.
 */
export function broadcastRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;
  const sender = createBroadcastSender(deps);

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/broadcasts",
      summary: "Send a template or ad hoc content to a topic, everyone, or subscribers with a field value",
      security: bearerSecurity,
      request: { body: jsonBody(BroadcastInput) },
      responses: { 202: jsonResponse(z.object({ id: z.string() }), "Accepted and durable"), ...problems },
    }),
    async (c) => {
      const id = await sender.send(c.req.valid("json"));
      c.header("location", `/v1/broadcasts/${id}`);
      return c.json({ id }, 202);
    },
  );

  /** A broadcast's event and its delivery counts as the API shows them. */
  function progressView(event: EventRow, deliveryCounts: { status: string; n: number }[]) {
    const sendAt = (event.body as BroadcastBody).broadcast?.sendAt;
    const counts = broadcastProgress(event.plannedAt, deliveryCounts, { sendAt, now: clock.now() });
    return { id: event.id, ...counts, createdAt: new Date(event.receivedAt).toISOString(), sendAt: sendAt === undefined ? null : new Date(sendAt).toISOString() };
  }

  async function progress(id: string) {
    const event = await store.events.get(id);
    if (!event || event.type !== BROADCAST_EVENT) return undefined;
    return progressView(event, (await store.deliveries.countsForEvents([id])).get(id)!);
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/broadcasts/{id}",
      summary: "A broadcast's progress: total, sent, failed, pending",
      security: bearerSecurity,
      request: { params: IdParams },
      responses: { 200: jsonResponse(BroadcastView, "Progress"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const view = await progress(id);
      if (!view) throw notFound("broadcast", id);
      return c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/broadcasts",
      summary: "The latest broadcasts with their progress, newest first",
      security: bearerSecurity,
      request: { query: ListQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(BroadcastListItem) }), "Broadcasts"), ...problems },
    }),
    async (c) => {
      const { limit } = c.req.valid("query");
      const rows = await store.broadcasts.list(limit);
      const ids = rows.map((row) => row.id);
      // Two queries for the whole page, not two per broadcast.
      const [events, counts] = await Promise.all([store.events.getMany(ids), store.deliveries.countsForEvents(ids)]);
      const byId = new Map(events.map((event) => [event.id, event]));
      const items = [];
      for (const row of rows) {
        const event = byId.get(row.id);
        if (event && event.type === BROADCAST_EVENT) items.push({ ...progressView(event, counts.get(row.id) ?? []), summary: row.body as z.infer<typeof BroadcastSummary> });
      }
      return c.json({ items }, 200);
    },
  );
}
