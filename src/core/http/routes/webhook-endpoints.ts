import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { generateWebhookSecret } from "../../../lib/standard-webhooks.js";
import { invalidRequest, notFound, ProblemError } from "../../errors.js";
import { newId } from "../../ids.js";
import { isOutboundError } from "../../net/outbound.js";
import { MAX_WEBHOOK_ENDPOINTS, StatusEventType, WebhookEndpoint, WebhookEndpointCreated, WebhookEndpointInput } from "../../status-webhooks/schemas.js";
import type { WebhookEndpointRow, WebhookMessageRow } from "../../../store/repositories/webhook-endpoints.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, IdParam, jsonBody, jsonResponse, problems } from "../openapi.js";

const EndpointParams = z.object({ id: IdParam("id", "whe_6f1c…") });
const MessageParams = z.object({ endpointId: IdParam("endpointId", "whe_6f1c…"), id: IdParam("id", "dlv_…_0.sent") });
const WebhookMessage = z
  .object({ id: z.string(), endpointId: z.string(), type: StatusEventType, status: z.enum(["pending", "sent", "dead"]), attempts: z.number().int(), lastError: z.string().nullable(), payload: z.unknown(), createdAt: z.string(), updatedAt: z.string() })
  .openapi("WebhookMessage");
const MessagesQuery = z.object({ status: z.enum(["pending", "sent", "dead"]).default("dead"), limit: z.coerce.number().int().min(1).max(200).default(50) });

const endpointView = (row: WebhookEndpointRow): WebhookEndpoint => ({ id: row.id, url: row.url, events: row.events as WebhookEndpoint["events"], createdAt: new Date(row.createdAt).toISOString() });
const messageView = (row: WebhookMessageRow) => ({
  id: row.id,
  endpointId: row.endpointId,
  type: row.type as StatusEventType,
  status: row.status,
  attempts: row.attempts,
  lastError: row.lastError,
  payload: JSON.parse(row.payload) as unknown,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

/**
 * Delivery-status webhooks: endpoints the business app registers (`/v1/webhook-endpoints`, API key)
 * and, for the admin UI, the messages that could not be delivered (`/v1/admin/webhook-messages`).
 */
export function webhookEndpointRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock, statusWebhooks } = deps;

  /** An absolute http(s) URL without credentials, https unless private networks are allowed, whose host the SSRF guard lets through. */
  async function checkUrl(text: string): Promise<URL> {
    const refuse = (message: string) => invalidRequest("the endpoint URL cannot be used", [{ path: "url", message }]);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw refuse("not an absolute URL");
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && statusWebhooks.allowPrivateNetwork)) throw refuse("must be https (http only with HERALD_ALLOW_PRIVATE_NETWORK=1)");
    if (url.username || url.password) throw refuse("must not carry credentials");
    if (url.hash) throw refuse("must not have a fragment");
    try {
      await deps.sendContext.checkHost(url.hostname);
    } catch (error) {
      if (isOutboundError(error)) throw refuse("points at a private or loopback address (set HERALD_ALLOW_PRIVATE_NETWORK=1 to allow)");
      throw error;
    }
    return url;
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/webhook-endpoints",
      summary: "Register an endpoint for delivery-status events; the signing secret is in this answer only",
      description: `Each event is POSTed as \`{type, timestamp, data}\`, signed the Standard Webhooks way (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`) with the returned \`whsec_\` secret; \`webhook-id\` is stable across retries. At most ${MAX_WEBHOOK_ENDPOINTS} endpoints.`,
      security: bearerSecurity,
      request: { body: jsonBody(WebhookEndpointInput) },
      responses: { 201: jsonResponse(WebhookEndpointCreated, "Registered"), ...problems, 409: problems[400] },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const url = await checkUrl(input.url);
      const id = newId("whe");
      const secret = generateWebhookSecret();
      const row: WebhookEndpointRow = { id, url: url.href, events: [...new Set(input.events)], secret: await statusWebhooks.box.seal(secret, id), createdAt: clock.now() };
      if (!(await store.webhookEndpoints.create(row, MAX_WEBHOOK_ENDPOINTS))) {
        throw new ProblemError(409, "too-many-endpoints", "Too many webhook endpoints", `at most ${MAX_WEBHOOK_ENDPOINTS} endpoints; delete one first`);
      }
      statusWebhooks.events.invalidate();
      return c.json({ ...endpointView(row), secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/webhook-endpoints",
      summary: "List status webhook endpoints (without their secrets)",
      security: bearerSecurity,
      responses: { 200: jsonResponse(z.object({ items: z.array(WebhookEndpoint) }), "All endpoints"), ...problems },
    }),
    async (c) => c.json({ items: (await store.webhookEndpoints.list()).map(endpointView) }, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/webhook-endpoints/{id}",
      summary: "Delete an endpoint, with the messages still queued for it",
      security: bearerSecurity,
      request: { params: EndpointParams },
      responses: { 204: { description: "Deleted" }, ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await store.webhookEndpoints.delete(id))) throw notFound("webhook endpoint", id);
      statusWebhooks.events.invalidate();
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/webhook-messages",
      summary: "Status webhook messages by state, newest first (dead letters by default), with counts per state",
      security: bearerSecurity,
      request: { query: MessagesQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(WebhookMessage), counts: z.object({ pending: z.number(), sent: z.number(), dead: z.number() }) }), "Messages"), ...problems },
    }),
    async (c) => {
      const { status, limit } = c.req.valid("query");
      const [rows, counts] = await Promise.all([store.webhookEndpoints.byStatus(status, limit), store.webhookEndpoints.counts()]);
      return c.json({ items: rows.map(messageView), counts }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/webhook-messages/{endpointId}/{id}/replay",
      summary: "Send a dead status webhook message again (same webhook-id)",
      security: bearerSecurity,
      request: { params: MessageParams },
      responses: { 202: { description: "Queued" }, ...problems },
    }),
    async (c) => {
      const { endpointId, id } = c.req.valid("param");
      if (!(await store.webhookEndpoints.replay(endpointId, id, clock.now()))) throw notFound("dead webhook message", `${endpointId}/${id}`);
      deps.wakeOutbox();
      return c.body(null, 202);
    },
  );
}
