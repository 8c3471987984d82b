import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { issueToken } from "../../auth/subscriber-token.js";
import { notFound, ProblemError } from "../../errors.js";
import { eraseSubscriber } from "../../erasure.js";
import { ExternalId, TopicKey } from "../../schemas/common.js";
import { subscriberSchemasOf } from "../../channels/subscriber-schemas.js";
import { declaredAddress } from "../../channels/registry.js";
import { DEFAULT_LINK_TTL_SECONDS } from "../../addresses/links.js";
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
const LinkParams = z.object({
  id: ExternalId.openapi({ param: { name: "id", in: "path" }, example: "customer-42" }),
  channel: z.string().max(64).openapi({ param: { name: "channel", in: "path" }, example: "telegram" }),
});
const LinkInput = z.strictObject({ ttlSeconds: z.number().int().min(60).max(86_400).optional() }).openapi("AddressLinkInput");
const LinkIssued = z
  .object({ channel: z.string(), url: z.string(), expiresAt: z.string() })
  .openapi("AddressLink", { description: "Where the subscriber goes to link their address on the channel (single use, expires)" });

export function subscriberRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;
  const { Subscriber, SubscriberInput, fields: addressFields } = subscriberSchemasOf(deps.channels);
  const view = async (row: Parameters<typeof subscriberView>[0], id: string) =>
    subscriberView(row, await store.subscribers.topicsOf(id), { declared: addressFields, values: addressFields.length > 0 ? await store.subscriberAddresses.of(id) : {} });

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
      const input = c.req.valid("json");
      // Declared addresses live in their own table (store/repositories/subscriber-addresses.ts); the rest are columns.
      const fixed = Object.fromEntries(Object.entries(input).filter(([k]) => !addressFields.includes(k)));
      const addresses = Object.fromEntries(Object.entries(input).filter((e): e is [string, string | null] => addressFields.includes(e[0]) && e[1] !== undefined));
      const now = clock.now();
      const { row, created } = await store.subscribers.upsert(id, fixed, now);
      if (Object.keys(addresses).length > 0) await store.subscriberAddresses.set(id, addresses, now);
      return c.json(await view(row, id), created ? 201 : 200);
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
      return c.json(await view(row, id), 200);
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

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/subscribers/{id}/links/{channel}",
      summary: "A link the subscriber follows to connect their address on a channel that declares one (Telegram: t.me/<bot>?start=<signed token>)",
      security: bearerSecurity,
      request: { params: LinkParams, body: { ...jsonBody(LinkInput), required: false } },
      responses: { 201: jsonResponse(LinkIssued, "A signed, single-use link"), ...problems },
    }),
    async (c) => {
      const { id, channel } = c.req.valid("param");
      const registered = deps.channels.get(channel);
      if (!registered || !declaredAddress(registered.definition) || !registered.instance?.linkUrl) throw notFound("address link for channel", channel);
      await requireSubscriber(id);
      const ttl = c.req.valid("json")?.ttlSeconds ?? DEFAULT_LINK_TTL_SECONDS;
      const issued = await deps.addressLinks.issue(channel, id, ttl);
      let url: string;
      try {
        url = await registered.instance.linkUrl(issued.token, deps.sendContext);
      } catch (error) {
        // The channel could not build its link (e.g. Telegram's getMe unreachable): the caller may retry.
        throw new ProblemError(503, "link-unavailable", "Link unavailable", `the ${channel} channel could not build its link: ${(error as Error).message}`);
      }
      return c.json({ channel, url, expiresAt: new Date(issued.expiresAt).toISOString() }, 201);
    },
  );
}
