import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { verifyToken } from "../../auth/subscriber-token.js";
import { tokenStillValid } from "../../auth/subscriber-access.js";
import { notFound, ProblemError } from "../../errors.js";
import { applyPreferencesPatch, Preferences, PreferencesPatch } from "../../preferences.js";
import { ExternalId } from "../../schemas/common.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { newId } from "../../ids.js";
import { unsubscribedEvents } from "../../status-webhooks/events.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";

const SubscriberParams = z.object({ id: ExternalId.openapi({ param: { name: "id", in: "path" }, example: "customer-42" }) });
const TokenParams = z.object({ token: z.string().min(10).max(2048).openapi({ param: { name: "token", in: "path" } }) });

/**
 * Preferences: the subscriber's own (`/v1/me/preferences`, subscriber token), the server-side
 * equivalent (`/v1/subscribers/{id}/preferences`, API key), and signed one-click unsubscribe links
 * (RFC 8058) that need no login.
 */
export function preferenceRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;

  const read = async (subscriberId: string): Promise<Preferences> => {
    const body = await store.preferences.get(subscriberId);
    const parsed = Preferences.safeParse(body ?? {});
    // A document written by an older version that no longer validates is replaced, not trusted.
    return parsed.success ? parsed.data : {};
  };
  const patch = async (subscriberId: string, change: PreferencesPatch, via: string): Promise<Preferences> => {
    const before = await read(subscriberId);
    const next = applyPreferencesPatch(before, change);
    const now = clock.now();
    await store.preferences.put(subscriberId, next, now);
    await deps.statusWebhooks.events.emit(unsubscribedEvents(subscriberId, before, next, now, newId("pref"), via));
    return next;
  };
  const requireSubscriber = async (id: string) => {
    if (!(await store.subscribers.get(id))) throw notFound("subscriber", id);
  };

  const meSecurity = [{ subscriberToken: [] }];
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/me/preferences",
      summary: "Your channel, category and quiet-hours preferences",
      security: meSecurity,
      responses: { 200: jsonResponse(Preferences, "Preferences (empty: everything allowed)"), ...problems },
    }),
    async (c) => c.json(await read(c.get("subscriberId")), 200),
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/me/preferences",
      summary: "Change your preferences (JSON merge patch: null removes a key); applies to messages not yet sent",
      security: meSecurity,
      request: { body: jsonBody(PreferencesPatch) },
      responses: { 200: jsonResponse(Preferences, "The preferences now"), ...problems },
    }),
    async (c) => c.json(await patch(c.get("subscriberId"), c.req.valid("json"), "subscriber"), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/subscribers/{id}/preferences",
      summary: "A subscriber's preferences",
      security: bearerSecurity,
      request: { params: SubscriberParams },
      responses: { 200: jsonResponse(Preferences, "Preferences"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireSubscriber(id);
      return c.json(await read(id), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/subscribers/{id}/preferences",
      summary: "Change a subscriber's preferences (JSON merge patch)",
      security: bearerSecurity,
      request: { params: SubscriberParams, body: jsonBody(PreferencesPatch) },
      responses: { 200: jsonResponse(Preferences, "The preferences now"), ...problems },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await requireSubscriber(id);
      return c.json(await patch(id, c.req.valid("json"), "api"), 200);
    },
  );

  const verifyLink = async (token: string) => {
    const claims = await verifyToken(deps.secrets.tokenKey, token, clock.now());
    if (!claims || claims.scope !== "unsubscribe" || !claims.ch) {
      throw new ProblemError(404, "unsubscribe-link-invalid", "Unknown unsubscribe link", "this unsubscribe link is not valid or has expired");
    }
    return { subscriberId: claims.sub, channel: claims.ch, claims };
  };

  // GET only shows a confirmation: mail scanners fetch links, and must not unsubscribe anyone.
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/unsubscribe/{token}",
      summary: "The page behind an email's unsubscribe link (confirms with a POST)",
      request: { params: TokenParams },
      responses: { 200: { content: { "text/html": { schema: z.string() } }, description: "A confirmation page" }, 404: problems[404] },
    }),
    async (c) => {
      const { token } = c.req.valid("param");
      const { channel } = await verifyLink(token);
      return c.html(page("Unsubscribe", `<p>Stop receiving ${escapeHtml(channel)} messages from us?</p><form method="post"><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>`), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/unsubscribe/{token}",
      summary: "One-click unsubscribe (RFC 8058): turns the channel off for non-critical messages",
      request: { params: TokenParams },
      responses: { 200: { content: { "text/html": { schema: z.string() } }, description: "Unsubscribed" }, 404: problems[404] },
    }),
    async (c) => {
      const { token } = c.req.valid("param");
      const { subscriberId, channel, claims } = await verifyLink(token);
      // An erased subscriber's link still answers 200 (there is nothing left to send to) and changes
      // nothing, not even for someone created later under the same id (auth/subscriber-access.ts).
      if (await tokenStillValid(store, claims)) await patch(subscriberId, { channels: { [channel]: false } }, "unsubscribe-link");
      deps.logger.log("info", "unsubscribed by link", { subscriber: subscriberId, channel });
      return c.html(page("Unsubscribed", `<p>You will no longer receive ${escapeHtml(channel)} messages from us, except those about your orders and account.</p>`), 200);
    },
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>${title}</h1>${body}</body></html>`;
}
