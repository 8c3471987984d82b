import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { invalidRequest, notFound } from "../../errors.js";
import { checkPushSubscription } from "../../push/subscription.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { jsonBody, jsonResponse, problems } from "../openapi.js";

const security = [{ subscriberToken: [] }];
const B64 = z.string().max(200);
const PushSubscriptionJson = z
  .object({
    endpoint: z.string().max(2048),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({ p256dh: B64, auth: B64 }),
  })
  .openapi("PushSubscription");
const Registered = z.object({ endpoint: z.string(), createdAt: z.string() }).openapi("PushSubscriptionRegistered");
const Clicked = z.object({ id: z.string(), clickedAt: z.string() }).openapi("Clicked");

/** Web push: the VAPID public key (public), the browser's subscriptions and clicks (subscriber token). */
export function pushRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/push/vapid-public-key",
      summary: "The applicationServerKey for PushManager.subscribe",
      responses: { 200: jsonResponse(z.object({ publicKey: z.string() }), "Base64url P-256 public key") },
    }),
    (c) => c.json({ publicKey: deps.push.publicKey }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/me/push-subscriptions",
      summary: "Register this browser's PushSubscription.toJSON() (moves it here if another subscriber had it)",
      security,
      request: { body: jsonBody(PushSubscriptionJson) },
      responses: { 201: jsonResponse(Registered, "Registered"), ...problems },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const errors = checkPushSubscription(input, deps.push.policy);
      if (errors.length > 0) throw invalidRequest("the push subscription cannot be used", errors);
      const row = await store.pushSubscriptions.upsert(
        { endpoint: input.endpoint, subscriberId: c.get("subscriberId"), p256dh: input.keys.p256dh, auth: input.keys.auth, expirationTime: input.expirationTime ?? null },
        clock.now(),
      );
      return c.json({ endpoint: row.endpoint, createdAt: new Date(row.createdAt).toISOString() }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/me/push-subscriptions",
      summary: "Forget this browser's subscription",
      security,
      request: { body: jsonBody(z.object({ endpoint: z.string().max(2048) })) },
      responses: { 204: { description: "Removed" }, ...problems },
    }),
    async (c) => {
      const { endpoint } = c.req.valid("json");
      if (!(await store.pushSubscriptions.removeOwn(c.get("subscriberId"), endpoint))) throw notFound("push subscription", endpoint);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/me/notifications/{id}/clicked",
      summary: "Record a click on a notification (body or action button); also marks it seen",
      security,
      request: {
        params: z.object({ id: z.string().min(1).max(128).openapi({ param: { name: "id", in: "path" } }) }),
        body: { content: { "application/json": { schema: z.object({ action: z.string().max(64).nullable().optional() }) } }, required: false },
      },
      responses: { 200: jsonResponse(Clicked, "Recorded (the first click counts)"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = (c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {}) as { action?: string | null };
      const now = clock.now();
      const clicked = await store.pushSubscriptions.click(c.get("subscriberId"), id, body?.action ?? null, now);
      if (!clicked) throw notFound("notification", id);
      // A click on what was not seen yet is its first sight too, reported before the click.
      await deps.statusWebhooks.events.engagement(clicked.seenAt === now ? ["seen", "clicked"] : ["clicked"], c.get("subscriberId"), id, "push", { action: body?.action ?? null });
      return c.json({ id, clickedAt: new Date(clicked.clickedAt).toISOString() }, 200);
    },
  );
}
