import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import { inboxItem } from "../../realtime/frames.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { jsonResponse, problems } from "../openapi.js";

const security = [{ subscriberToken: [] }];
const ItemParams = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: "id", in: "path" } }) });
const InboxItem = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    type: z.enum(["notification", "message"]),
    topic: z.string().nullable(),
    title: z.string().nullable(),
    body: z.string().nullable(),
    url: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    sender: z.object({ id: z.string().nullable(), name: z.string().nullable(), system: z.boolean().optional() }).nullable(),
    clientMessageId: z.string().nullable(),
    createdAt: z.string(),
    seenAt: z.string().nullable(),
    readAt: z.string().nullable(),
  })
  .openapi("InboxItem");
const Marked = z.object({ id: z.string(), seenAt: z.string().nullable(), readAt: z.string().nullable() }).openapi("Marked");
const Count = z.object({ count: z.number().int() }).openapi("Count");

/** The subscriber's own inbox (subscriber token). */
export function meRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, realtime } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/me/notifications",
      summary: "Your inbox after a cursor, oldest first",
      security,
      request: {
        query: z.object({
          after: z.coerce.number().int().min(0).default(0).openapi({ param: { name: "after", in: "query" } }),
          limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ param: { name: "limit", in: "query" } }),
        }),
      },
      responses: { 200: jsonResponse(z.object({ items: z.array(InboxItem), next: z.number().int().nullable() }), "A page"), ...problems },
    }),
    async (c) => {
      const { after, limit } = c.req.valid("query");
      const rows = await store.inbox.page(c.get("subscriberId"), after, limit);
      const next = rows.length === limit ? rows[rows.length - 1]!.seq : null;
      return c.json({ items: rows.map(inboxItem), next }, 200);
    },
  );

  for (const what of ["seen", "read"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/v1/me/notifications/{id}/${what}`,
        summary: `Mark an item ${what} (notifications and room messages)`,
        security,
        request: { params: ItemParams },
        responses: { 200: jsonResponse(Marked, "Marked"), ...problems },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        const row = await realtime.mark(c.get("subscriberId"), id, what);
        if (!row) {
          // A notification that came only by web push has no inbox row; the service worker still reports it.
          const marked = await store.pushSubscriptions.markNotification(c.get("subscriberId"), id, what, deps.clock.now());
          if (!marked) throw notFound("inbox item", id);
          await store.write([store.deliveries.cancelEscalationsStatement(id, deps.clock.now())]);
          await deps.statusWebhooks.events.engagement(what, c.get("subscriberId"), id, "push");
          const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
          return c.json({ id, seenAt: iso(marked.seenAt), readAt: iso(marked.readAt) }, 200);
        }
        const item = inboxItem(row);
        if (row.type === "notification") await deps.statusWebhooks.events.engagement(what, c.get("subscriberId"), id, "realtime");
        return c.json({ id: item.id, seenAt: item.seenAt, readAt: item.readAt }, 200);
      },
    );
  }

  app.openapi(
    createRoute({ method: "post", path: "/v1/me/notifications/read-all", summary: "Mark everything read", security, responses: { 200: jsonResponse(Count, "Unread count now"), ...problems } }),
    async (c) => {
      await realtime.markAllRead(c.get("subscriberId"));
      return c.json({ count: 0 }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/v1/me/unread-count", summary: "Items not read (your own room messages excluded)", security, responses: { 200: jsonResponse(Count, "Count"), ...problems } }),
    async (c) => c.json({ count: await store.inbox.unreadCount(c.get("subscriberId")) }, 200),
  );
}
