import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { BROADCAST_EVENT, type BroadcastBody, BroadcastInput, broadcastProgress, BroadcastView } from "../../broadcasts.js";
import { type FieldProblem, invalidRequest, notFound } from "../../errors.js";
import { newId } from "../../ids.js";
import { templateChannels } from "../../rendering.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";

const IdParams = z.object({ id: z.string().min(1).max(128).openapi({ param: { name: "id", in: "path" } }) });

/** Broadcasts: one template to a topic or everyone, planned after the 202, progress readable while it runs. */
export function broadcastRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock, channels } = deps;

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/broadcasts",
      summary: "Send a template to a topic or to everyone",
      security: bearerSecurity,
      request: { body: jsonBody(BroadcastInput) },
      responses: { 202: jsonResponse(z.object({ id: z.string() }), "Accepted and durable"), ...problems },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const template = await store.templates.get(input.template);
      if (!template) throw invalidRequest("no such template", [{ path: "template", message: `no template "${input.template}"` }]);
      const available = [...templateChannels(template.body)];
      const chosen = input.channels ?? available;
      const found: FieldProblem[] = [];
      chosen.forEach((channel, i) => {
        if (!channels.get(channel)) found.push({ path: `channels.${i}`, message: `unknown channel "${channel}"` });
        else if (!available.includes(channel)) found.push({ path: `channels.${i}`, message: `template "${input.template}" has no ${channel} content` });
      });
      if (found.length > 0) throw invalidRequest("the broadcast names channels it cannot use", found);
      const id = newId("bc");
      const body: BroadcastBody = {
        type: BROADCAST_EVENT,
        ...("topic" in input.audience ? { topic: input.audience.topic } : {}),
        ...(input.data ? { data: input.data } : {}),
        broadcast: { template: input.template, channels: chosen },
      };
      await deps.acceptEvent({ id, type: BROADCAST_EVENT, body, receivedAt: clock.now() }, { defer: true });
      c.header("location", `/v1/broadcasts/${id}`);
      return c.json({ id }, 202);
    },
  );

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
      const event = await store.events.get(id);
      if (!event || event.type !== BROADCAST_EVENT) throw notFound("broadcast", id);
      const progress = broadcastProgress(event.plannedAt, await store.deliveries.countsForEvent(id));
      return c.json({ id, ...progress, createdAt: new Date(event.receivedAt).toISOString() }, 200);
    },
  );
}
