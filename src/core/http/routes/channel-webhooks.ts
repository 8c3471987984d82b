import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { notFound, ProblemError } from "../../errors.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { problems } from "../openapi.js";

const REFUSALS: Record<number, string> = { 400: "Malformed request", 401: "Authentication required", 403: "Forbidden", 404: "Not found", 405: "Method not allowed" };

/**
 * `POST /v1/channels/{id}/webhook`: providers calling back (SMS status, email bounces). No API key:
 * the channel verifies its caller (e.g. `X-Twilio-Signature`). What the channel reports is applied
 * here, so channels stay free of storage.
 */
export function channelWebhookRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  // The body is the provider's own format, read by the channel: documented, not validated here.
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/channels/{id}/webhook",
    summary: "Provider callbacks (SMS status, email bounces), verified by the channel (e.g. X-Twilio-Signature)",
    request: { params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "sms" }) }) },
    responses: { 200: { description: "Applied" }, ...problems },
  });
  app.post("/v1/channels/:id/webhook", async (c) => {
    const id = c.req.param("id");
    const channel = deps.channels.get(id);
    const hook = channel?.instance?.webhook;
    if (!channel?.instance || !hook) throw notFound("channel webhook", id);
    const requestUrl = new URL(c.req.url);
    // Signatures cover the URL the provider called: behind a proxy that is the public one.
    const url = `${deps.publicUrl()}${requestUrl.pathname}${requestUrl.search}`;
    const result = await hook.call(channel.instance, { url, method: c.req.method, headers: c.req.raw.headers, body: await c.req.text() }, deps.sendContext);
    await deps.applyProviderReports(id, result);
    // A refusal leaves as a problem document like any other; what a provider gets on success is the channel's.
    if (result.status >= 400) throw new ProblemError(result.status, "webhook-refused", REFUSALS[result.status] ?? "Webhook refused", result.body || `the ${id} channel refused this call`);
    return new Response(result.body ?? null, { status: result.status, headers: result.contentType ? { "content-type": result.contentType } : {} });
  });
}
