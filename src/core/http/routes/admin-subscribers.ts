import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import { Preferences } from "../../preferences.js";
import { ExternalId } from "../../schemas/common.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonResponse, problems } from "../openapi.js";
import { isoOrNull, subscriberView } from "../views.js";

const Loose = z.record(z.string(), z.unknown());
const SearchQuery = z.object({
  q: z.string().max(200).default("").openapi({ param: { name: "q", in: "query" } }),
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ param: { name: "limit", in: "query" } }),
  offset: z.coerce.number().int().min(0).default(0).openapi({ param: { name: "offset", in: "query" } }),
});
const IdParams = z.object({ id: ExternalId.openapi({ param: { name: "id", in: "path" } }) });

/** Subscriber search and one subscriber's whole picture, for the admin UI. */
export function adminSubscriberRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/subscribers",
      summary: "Subscribers whose id, name, email or phone contains `q`",
      security: bearerSecurity,
      request: { query: SearchQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(Loose), total: z.number(), next: z.number().nullable() }), "A page, by id"), ...problems },
    }),
    async (c) => {
      const { q, limit, offset } = c.req.valid("query");
      const rows = await store.subscriberSearch.search(q.trim(), limit + 1, offset);
      const items = rows.slice(0, limit).map((r) => subscriberView(r, []));
      return c.json({ items, total: await store.subscriberSearch.count(q.trim()), next: rows.length > limit ? offset + limit : null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/subscribers/{id}",
      summary: "A subscriber's profile, push devices, topics, preferences, newest inbox items and deliveries",
      security: bearerSecurity,
      request: { params: IdParams },
      responses: { 200: jsonResponse(Loose, "Everything about one subscriber"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await store.subscribers.get(id);
      if (!row) throw notFound("subscriber", id);
      const declared = deps.channels.addressFields().map((f) => f.field);
      const [topics, devices, preferences, inbox, deliveries, addresses] = await Promise.all([
        store.subscribers.topicsOf(id),
        store.pushSubscriptions.of(id),
        store.preferences.get(id),
        store.subscriberSearch.inbox(id, 50),
        store.subscriberSearch.deliveries(id, 100),
        store.subscriberAddresses.of(id),
      ]);
      const parsed = Preferences.safeParse(preferences ?? {});
      return c.json(
        {
          subscriber: subscriberView(row, topics, { declared, values: addresses }),
          // The endpoint URL is a bearer capability for sending to that browser: show only its host.
          pushDevices: devices.map((d) => ({ service: new URL(d.endpoint).host, createdAt: isoOrNull(d.createdAt), lastSuccessAt: isoOrNull(d.lastSuccessAt), expiresAt: isoOrNull(d.expirationTime) })),
          preferences: parsed.success ? parsed.data : {},
          inbox: inbox.map((i) => ({ id: i.id, seq: i.seq, type: i.type, topic: i.topic, title: i.title, body: i.body, createdAt: isoOrNull(i.createdAt), seenAt: isoOrNull(i.seenAt), readAt: isoOrNull(i.readAt) })),
          deliveries: deliveries.map((d) => ({ ...d, createdAt: isoOrNull(d.createdAt), updatedAt: isoOrNull(d.updatedAt), seenAt: isoOrNull(d.seenAt), readAt: isoOrNull(d.readAt) })),
        },
        200,
      );
    },
  );
}
