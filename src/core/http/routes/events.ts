import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { invalidRequest, notFound } from "../../errors.js";
import { newId } from "../../ids.js";
import { ExternalId } from "../../schemas/common.js";
import { EventAccepted, EventInput, EventView } from "../../schemas/event.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";
import { eventView } from "../views.js";
import { fromBase64Url, toBase64Url, utf8 } from "../../../lib/encoding.js";
import { type HistoryCursor, MAX_HISTORY_PAGE } from "../../../store/repositories/events.js";

const IdParams = z.object({ id: ExternalId.openapi({ param: { name: "id", in: "path" } }) });
const HistoryQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_HISTORY_PAGE)
    .default(MAX_HISTORY_PAGE)
    .openapi({ param: { name: "limit", in: "query" }, description: `Notifications per page (at most ${MAX_HISTORY_PAGE})` }),
  after: z.string().max(400).optional().openapi({ param: { name: "after", in: "query" }, description: "The `next` cursor of the page before" }),
});

/** The `next` cursor: where a page of an event's notifications ended, opaque to clients. */
function encodeCursor(cursor: HistoryCursor): string {
  return toBase64Url(utf8(JSON.stringify([cursor.createdAt, cursor.id])));
}

function decodeCursor(text: string): HistoryCursor {
  try {
    const [createdAt, id] = JSON.parse(new TextDecoder().decode(fromBase64Url(text))) as unknown[];
    if (typeof createdAt === "number" && Number.isSafeInteger(createdAt) && typeof id === "string") return { createdAt, id };
  } catch {
    /* reported below */
  }
  throw invalidRequest("after is not a cursor this endpoint gave", [{ path: "after", message: "pass the `next` value of the page before" }]);
}
const Headers = z.object({ "idempotency-key": z.string().optional().openapi({ param: { name: "idempotency-key", in: "header" }, description: "Idempotency-Key: used as the event id when the body has none" }) });

export function eventRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/events",
      summary: "Post an event; answered once it is durable. The same id (or Idempotency-Key) again is accepted once.",
      description: "Authenticate with the API key, or sign the raw body: `X-Herald-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">`.",
      security: [...bearerSecurity, { signature: [] }],
      request: { headers: Headers, body: jsonBody(EventInput) },
      responses: { 202: jsonResponse(EventAccepted, "Accepted and durable"), ...problems },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const headerKey = c.req.valid("header")["idempotency-key"];
      if (headerKey !== undefined && !ExternalId.safeParse(headerKey).success) {
        throw invalidRequest("Idempotency-Key is not a valid id", [{ path: "Idempotency-Key", message: "1-128 characters: letters, digits and . _ : @ + -" }]);
      }
      if (headerKey !== undefined && input.id !== undefined && headerKey !== input.id) {
        throw invalidRequest("id and Idempotency-Key disagree", [{ path: "id", message: "must equal the Idempotency-Key header when both are sent" }]);
      }
      if (input.type.startsWith("herald.")) {
        throw invalidRequest("event types starting with herald. are reserved", [{ path: "type", message: "choose a type outside the herald. namespace" }]);
      }
      // A signed request is named by its signature unless its (signed) body names it: an unsigned
      // Idempotency-Key could otherwise turn one captured request into as many events as keys.
      const signed = c.get("signedEventId");
      if (signed !== undefined && headerKey !== undefined && input.id === undefined) {
        throw invalidRequest("Idempotency-Key is not covered by X-Herald-Signature", [{ path: "Idempotency-Key", message: "put the id in the signed body (`id`) instead" }]);
      }
      const id = input.id ?? signed ?? headerKey ?? newId("evt");
      const { id: _ignored, ...body } = input;
      await deps.acceptEvent({ id, type: input.type, body, receivedAt: clock.now() });
      c.header("location", `/v1/events/${encodeURIComponent(id)}`);
      return c.json({ id }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/events/{id}",
      summary: "An event with its notifications and their delivery status per channel",
      description: `Notifications come in pages of up to \`limit\` (default and maximum ${MAX_HISTORY_PAGE}), oldest first; \`next\` is the cursor of the following page (null on the last) and \`notificationCount\` counts them all.`,
      security: bearerSecurity,
      request: { params: IdParams, query: HistoryQuery },
      responses: { 200: jsonResponse(EventView, "The event"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, after } = c.req.valid("query");
      const row = await store.events.get(id);
      if (!row) throw notFound("event", id);
      const page = await store.events.history(id, { limit, after: after === undefined ? undefined : decodeCursor(after) });
      // Counted only when there is more than this page: one page needs no second query.
      const count = page.next === null && after === undefined ? page.items.length : await store.events.notificationCount(id);
      const providers = await store.workflow.providersOf(page.items.flatMap((h) => h.deliveries.map((d) => d.id)));
      return c.json({ ...eventView(row, page.items, providers), notificationCount: count, next: page.next && encodeCursor(page.next) }, 200);
    },
  );
}
