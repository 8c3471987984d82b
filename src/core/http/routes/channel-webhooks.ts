import type { OpenAPIHono } from "@hono/zod-openapi";
import { notFound } from "../../errors.js";
import type { AppEnv, HttpDeps } from "../deps.js";

/**
 * `POST /v1/channels/{id}/webhook`: providers calling back (SMS status, email bounces). No API key:
 * the channel verifies its caller (e.g. `X-Twilio-Signature`). What the channel reports is applied
 * here, so channels stay free of storage.
 */
export function channelWebhookRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
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
    return new Response(result.body ?? null, { status: result.status, headers: result.contentType ? { "content-type": result.contentType } : {} });
  });
}
