import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { issueToken } from "../../auth/subscriber-token.js";
import { notFound } from "../../errors.js";
import { eraseSubscriber } from "../../erasure.js";
import { ExternalId, TopicKey } from "../../schemas/common.js";
import { Subscriber, SubscriberInput } from "../../schemas/subscriber.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";
import { subscriberView } from "../views.js";

const SubscriberParams = z.object({ id: ExternalId.openapi({ param: { name: "id", in: "path" }, example: "customer-42" }) });
const MembershipParams = z.object({
  key: TopicKey.openapi({ param: { name: "key", in: "path" } }),
  subscriberId: ExternalId.openapi({ param: { name: "subscriberId", in: "path" } }),
});
const TokenInput = z.strictObject({ ttlSeconds: z.number().int().min(60).max(30 * 86_400).optional() }).openapi("TokenInput");
const TokenIssued = z.object({ token: z.string(), expiresAt: z.string() }).openapi("SubscriberToken");
const DEFAULT_TOKEN_TTL_SECONDS = 24 * 3600;

export function subscriberRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;

  async function requireSubscriber(id: string) {
    const row = await store.subscribers.get(id);
    if (!row) throw notFound("subscriber", id);
    return row;
  }

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/subscribers/{id}",
      summary: "Create or update a subscriber",
      security: bearerSecurity,
      request: { params: SubscriberParams, body: jsonBody(SubscriberInput) },
      responses: { 200: jsonResponse(Subscriber, "Updated"), 201: jsonResponse(Subscriber, "Created"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { row, created } = await store.subscribers.upsert(id, c.req.valid("json"), clock.now());
      return c.json(subscriberView(row, await store.subscribers.topicsOf(id)), created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/subscribers/{id}",
      summary: "Read a subscriber",
      security: bearerSecurity,
      request: { params: SubscriberParams },
      responses: { 200: jsonResponse(Subscriber, "The subscriber"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await requireSubscriber(id);
      return c.json(subscriberView(row, await store.subscribers.topicsOf(id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/subscribers/{id}",
      summary: "Erase a subscriber: personal data, everything rendered for them, their tokens and live connections (delivery counts are kept)",
      security: bearerSecurity,
      request: { params: SubscriberParams },
      responses: { 204: { description: "Erased" }, ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await eraseSubscriber(deps, id))) throw notFound("subscriber", id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/topics/{key}/subscribers/{subscriberId}",
      summary: "Add a subscriber to a topic",
      security: bearerSecurity,
      request: { params: MembershipParams },
      responses: { 204: { description: "A member (again)" }, ...problems },
    }),
    async (c) => {
      const { key, subscriberId } = c.req.valid("param");
      await requireSubscriber(subscriberId);
      await store.subscribers.subscribe(key, subscriberId, clock.now());
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/topics/{key}/subscribers/{subscriberId}",
      summary: "Remove a subscriber from a topic",
      security: bearerSecurity,
      request: { params: MembershipParams },
      responses: { 204: { description: "Not a member (any more)" }, ...problems },
    }),
    async (c) => {
      const { key, subscriberId } = c.req.valid("param");
      await store.subscribers.unsubscribe(key, subscriberId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/subscribers/{id}/tokens",
      summary: "Issue a token for the browser SDK, scoped to this subscriber",
      security: bearerSecurity,
      request: { params: SubscriberParams, body: { ...jsonBody(TokenInput), required: false } },
      responses: { 201: jsonResponse(TokenIssued, "A signed token"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      // The time is taken before the subscriber is read: a token issued while an erasure commits is
      // then older than the erasure, and so refused (auth/subscriber-access.ts).
      const now = clock.now();
      await requireSubscriber(id);
      const ttl = c.req.valid("json")?.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
      const exp = Math.floor(now / 1000) + ttl;
      const token = await issueToken(deps.secrets.tokenKey, { sub: id, exp, iat: now });
      return c.json({ token, expiresAt: new Date(exp * 1000).toISOString() }, 201);
    },
  );
}
