import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import { invalidRequest } from "../../errors.js";
import { inboxItem } from "../../realtime/frames.js";
import { ItemState, ListedItem } from "../../schemas/inbox.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { jsonResponse, problems } from "../openapi.js";

const security = [{ subscriberToken: [] }];
const ItemParams = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: "id", in: "path" } }) });
const UnreadCounts = z
  .object({
    count: z.number().int().openapi({ description: "Everything unread (your own room messages excluded): what the stream's unread frames carry" }),
    notifications: z.number().int().openapi({ description: "Unread notifications" }),
    rooms: z.record(z.string(), z.number().int()).openapi({ description: "Unread messages per room you have any in" }),
  })
  .openapi("UnreadCounts");
const MarkedAll = z
  .object({ marked: z.number().int().openapi({ description: "How many items this call marked read" }), count: z.number().int().openapi({ description: "Unread count now" }) })
  .openapi("MarkedAll");
/** A query flag: `true` or `false`, absent for either. */
const Flag = (name: string, description: string) =>
  z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true"))
    .openapi({ param: { name, in: "query" }, description });
const ItemType = z.enum(["notification", "message"]);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The subscriber's own inbox (subscriber token). */
export function meRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, realtime } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/me/notifications",
      summary: "Your inbox: after a cursor oldest first (resume), or before one newest first (scrolling back), optionally filtered",
      security,
      request: {
        query: z.object({
          after: z.coerce.number().int().min(0).optional().openapi({ param: { name: "after", in: "query" }, description: "Items with a greater seq, oldest first (default 0: from the start)" }),
          before: z
            .string()
            .regex(/^([1-9]\d{0,14}|latest)$/, "a seq, or latest")
            .transform((v) => (v === "latest" ? Number.MAX_SAFE_INTEGER : Number(v)))
            .optional()
            .openapi({ param: { name: "before", in: "query" }, description: "Items with a smaller seq, newest first (`latest`: from the newest); not with `after`" }),
          limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ param: { name: "limit", in: "query" } }),
          type: ItemType.optional().openapi({ param: { name: "type", in: "query" }, description: "Only notifications, or only room messages" }),
          unread: Flag("unread", "true: only unread items; false: only read ones"),
          archived: Flag("archived", "true: only archived items; false: only items not archived"),
        }),
      },
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(ListedItem),
            next: z.number().int().nullable().openapi({ description: "The cursor for the next page (as `after`, or as `before` when paging back); null at the end" }),
            head: z.number().int().openapi({ description: "The newest seq of your stream now: a live stream opened with ?after=head misses nothing this page did not show" }),
          }),
          "A page",
        ),
        ...problems,
      },
    }),
    async (c) => {
      const { after, before, limit, type, unread, archived } = c.req.valid("query");
      if (after !== undefined && before !== undefined) throw invalidRequest("page one way at a time", [{ path: "before", message: "not together with after" }]);
      const subscriberId = c.get("subscriberId");
      const [rows, head] = await Promise.all([store.inboxState.list(subscriberId, { after, before, limit, type, unread, archived }), store.inboxState.head(subscriberId)]);
      const next = rows.length === limit ? rows[rows.length - 1]!.seq : null;
      return c.json({ items: rows.map((row) => ({ ...inboxItem(row), archivedAt: iso(row.archivedAt) })), next, head }, 200);
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
        responses: { 200: jsonResponse(ItemState, "The item's state now"), ...problems },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        const subscriberId = c.get("subscriberId");
        const inInbox = await realtime.mark(subscriberId, id, what);
        if (!inInbox) {
          // A notification that came only by web push has no inbox row; the service worker still reports it.
          const now = deps.clock.now();
          const marked = await store.pushSubscriptions.markNotification(subscriberId, id, what, now);
          if (!marked) throw notFound("inbox item", id);
          await store.write([store.deliveries.cancelEscalationsStatement(id, now)]);
          // Times set by this call are this call's (COALESCE keeps an earlier one): reading is seeing, reported first.
          const first = [...(marked.seenAt === now ? (["seen"] as const) : []), ...(what === "read" && marked.readAt === now ? (["read"] as const) : [])];
          await deps.statusWebhooks.events.engagement(first, subscriberId, id, "push");
          return c.json({ id, seenAt: iso(marked.seenAt), readAt: iso(marked.readAt), archivedAt: null }, 200);
        }
        const { row, first } = inInbox;
        if (row.type === "notification") await deps.statusWebhooks.events.engagement(first, subscriberId, id, "realtime");
        const archivedAt = await store.inboxState.archivedAt(row.subscriberId, id);
        return c.json({ id, seenAt: iso(row.seenAt), readAt: iso(row.readAt), archivedAt: iso(archivedAt) }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/me/notifications/read-all",
      summary: "Mark everything read, or everything of one type (?type=notification leaves rooms alone)",
      security,
      request: { query: z.object({ type: ItemType.optional().openapi({ param: { name: "type", in: "query" } }) }) },
      responses: { 200: jsonResponse(MarkedAll, "How many were marked, and the unread count now"), ...problems },
    }),
    async (c) => {
      const subscriberId = c.get("subscriberId");
      const events = deps.statusWebhooks.events;
      // One notification.read per notification this marks, after a notification.seen for those it
      // shows for the first time, in the commit that marks them.
      const marked = await realtime.markAllRead(subscriberId, c.req.valid("query").type, ({ unread, unseen }, at) =>
        events.engagementStatements(subscriberId, [{ what: "seen", ids: unseen }, { what: "read", ids: unread }], "realtime", at),
      );
      if (marked > 0) events.wake();
      return c.json({ marked, count: await store.inbox.unreadCount(subscriberId) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/me/unread-count",
      summary: "Items not read (your own room messages excluded), in all, as notifications and per room",
      security,
      responses: { 200: jsonResponse(UnreadCounts, "Counts"), ...problems },
    }),
    async (c) => {
      const subscriberId = c.get("subscriberId");
      const [count, breakdown] = await Promise.all([store.inbox.unreadCount(subscriberId), store.inboxState.unreadBreakdown(subscriberId)]);
      return c.json({ count, ...breakdown }, 200);
    },
  );
}
