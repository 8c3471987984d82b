import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { EventRow } from "../../../store/repositories/events.js";
import {
  adHocChannels,
  AD_HOC_TEMPLATE_PREFIX,
  adHocTemplate,
  BROADCAST_EVENT,
  type BroadcastBody,
  BroadcastInput,
  broadcastProgress,
  BroadcastView,
  MAX_FIELD_AUDIENCE,
} from "../../broadcasts.js";
import { templateBodyProblems } from "../../channels/content.js";
import { MAX_STEP_DELAY_MS } from "../../duration.js";
import { type FieldProblem, invalidRequest, notFound } from "../../errors.js";
import { newId } from "../../ids.js";
import { templateChannels } from "../../rendering.js";
import type { TemplateInput } from "../../schemas/template.js";
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
  const { store, clock, channels } = deps;

  /** Checks the input and decides the template key, its channels and any template to store first. */
  async function resolve(input: BroadcastInput, id: string) {
    const found: FieldProblem[] = [];
    if ((input.template === undefined) === (input.content === undefined)) {
      throw invalidRequest("give either a stored template or ad hoc content", [{ path: "template", message: "exactly one of template and content" }]);
    }
    let key: string;
    let available: string[];
    let adHoc: TemplateInput | undefined;
    if (input.template !== undefined) {
      const template = await store.templates.get(input.template);
      if (!template) throw invalidRequest("no such template", [{ path: "template", message: `no template "${input.template}"` }]);
      key = input.template;
      available = [...templateChannels(template.body)];
    } else {
      key = AD_HOC_TEMPLATE_PREFIX + id;
      available = adHocChannels(channels.definitions()).available;
    }
    const chosen = input.channels ?? (input.template !== undefined ? available : adHocChannels(channels.definitions()).byDefault);
    chosen.forEach((channel, i) => {
      if (!channels.get(channel)) found.push({ path: `channels.${i}`, message: `unknown channel "${channel}"` });
      else if (!available.includes(channel)) found.push({ path: `channels.${i}`, message: input.template ? `template "${input.template}" has no ${channel} content` : `ad hoc content cannot go to ${channel}` });
    });
    if (found.length > 0) throw invalidRequest("the broadcast names channels it cannot use", found);
    if (input.content) {
      adHoc = { channels: adHocTemplate(input.content, chosen, (c) => channels.get(c)?.definition), description: "ad hoc broadcast content" };
      const broken = await templateBodyProblems(adHoc, (c) => channels.get(c)?.definition);
      if (broken.length > 0) throw invalidRequest("the content does not compile", broken.map((p) => ({ path: `content (${p.path})`, message: p.message })));
    }
    return { key, chosen, adHoc };
  }

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
      const input = c.req.valid("json");
      const now = clock.now();
      const id = newId("bc");
      const sendAt = input.sendAt === undefined ? undefined : Date.parse(input.sendAt);
      if (sendAt !== undefined && sendAt - now > MAX_STEP_DELAY_MS) throw invalidRequest("too far ahead", [{ path: "sendAt", message: "at most 30 days ahead" }]);
      const { key, chosen, adHoc } = await resolve(input, id);
      let subscribers: string[] | undefined;
      if ("field" in input.audience) {
        subscribers = await store.subscriberSearch.idsWhere(input.audience.field, input.audience.value, MAX_FIELD_AUDIENCE + 1);
        if (subscribers.length > MAX_FIELD_AUDIENCE) {
          throw invalidRequest("the audience is too large", [{ path: "audience", message: `more than ${MAX_FIELD_AUDIENCE} subscribers match; use a topic` }]);
        }
      }
      if (adHoc) await store.templates.put(key, adHoc, now);
      const body: BroadcastBody = {
        type: BROADCAST_EVENT,
        ...("topic" in input.audience ? { topic: input.audience.topic } : {}),
        ...(subscribers ? { subscribers } : {}),
        ...(input.data ? { data: input.data } : {}),
        broadcast: { template: key, channels: chosen, ...(input.category ? { category: input.category } : {}), ...(sendAt !== undefined && sendAt > now ? { sendAt } : {}) },
      };
      await deps.acceptEvent({ id, type: BROADCAST_EVENT, body, receivedAt: now }, { defer: true });
      // Recorded after the event is durable: a crash in between leaves a broadcast that runs but is not listed.
      await store.broadcasts.record(
        id,
        {
          ...(input.template ? { template: input.template } : { title: input.content!.title }),
          audience: input.audience,
          channels: chosen,
          ...(input.category ? { category: input.category } : {}),
          ...(subscribers ? { recipients: subscribers.length } : {}),
        },
        now,
      );
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
    return progressView(event, await store.deliveries.countsForEvent(id));
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
