import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import { ItemState } from "../../schemas/inbox.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { jsonResponse, problems } from "../openapi.js";

const security = [{ subscriberToken: [] }];
const ItemParams = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: "id", in: "path" } }) });
const iso = (t: number | null | undefined) => (t == null ? null : new Date(t).toISOString());

/** Archive, unarchive and mark unread: the inbox state a browser inbox changes beyond seen and read. */
export function meInboxRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, realtime } = deps;

  const route = (path: string, summary: string) =>
    createRoute({ method: "post", path, summary, security, request: { params: ItemParams }, responses: { 200: jsonResponse(ItemState, "The item's state now"), ...problems } });

  app.openapi(route("/v1/me/notifications/{id}/archive", "Archive an item (also marks it read); lists leave it out with ?archived=false"), async (c) => {
    const { id } = c.req.valid("param");
    const subscriberId = c.get("subscriberId");
    const archived = await realtime.archive(subscriberId, id);
    if (!archived) throw notFound("inbox item", id);
    const { row, first, archivedAt } = archived;
    // Archiving reads the item: reported as a read (and a first sight) would be.
    if (row.type === "notification") await deps.statusWebhooks.events.engagement(first, subscriberId, id, "realtime");
    return c.json({ id, seenAt: iso(row.seenAt), readAt: iso(row.readAt), archivedAt: iso(archivedAt) }, 200);
  });

  app.openapi(route("/v1/me/notifications/{id}/unarchive", "Bring an archived item back (it stays read)"), async (c) => {
    const { id } = c.req.valid("param");
    const subscriberId = c.get("subscriberId");
    const row = await store.inbox.get(subscriberId, id);
    if (!row) throw notFound("inbox item", id);
    await store.inboxState.unarchive(subscriberId, id);
    return c.json({ id, seenAt: iso(row.seenAt), readAt: iso(row.readAt), archivedAt: null }, 200);
  });

  app.openapi(route("/v1/me/notifications/{id}/unread", "Mark an item unread again (the badge counts it; seen stays)"), async (c) => {
    const { id } = c.req.valid("param");
    const subscriberId = c.get("subscriberId");
    const row = await realtime.markUnread(subscriberId, id);
    if (!row) throw notFound("inbox item", id);
    return c.json({ id, seenAt: iso(row.seenAt), readAt: iso(row.readAt), archivedAt: iso(await store.inboxState.archivedAt(subscriberId, id)) }, 200);
  });
}
