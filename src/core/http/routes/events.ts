import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { invalidRequest, notFound } from "../../errors.js";
import { newId } from "../../ids.js";
import { ExternalId } from "../../schemas/common.js";
import { EventAccepted, EventInput, EventView } from "../../schemas/event.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";
import { eventView } from "../views.js";

const IdParams = z.object({ id: ExternalId.openapi({ param: { name: "id", in: "path" } }) });
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
      security: bearerSecurity,
      request: { params: IdParams },
      responses: { 200: jsonResponse(EventView, "The event"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await store.events.get(id);
      if (!row) throw notFound("event", id);
      const history = await store.events.history(id);
      const providers = await store.workflow.providersOf(history.flatMap((h) => h.deliveries.map((d) => d.id)));
      return c.json(eventView(row, history, providers), 200);
    },
  );
}
