import { z } from "@hono/zod-openapi";
import { defineChannel } from "../../core/channels/define.js";
import { signWebhook, webhookSigningKey, WEBHOOK_SECRET_PATTERN } from "../../lib/standard-webhooks.js";
import { utf8 } from "../../lib/encoding.js";
import { resultFromError, resultFromResponse } from "../shared/http-result.js";

/** Largest JSON body sent: receivers commonly cap requests near 1 MB; a notification is far smaller. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * `channels.webhook` of a template. `url` is a template (`https://crm.example/hooks/{{subscriber.id}}`,
 * `{{subscriber.data.webhookUrl}}` for a per-subscriber target, or `/hooks/orders` against
 * `WEBHOOK_BASE_URL`). `body` is JSON (an object or an
 * array) whose strings are templates: each string renders on its own, as plain text, and the result
 * is serialised with JSON.stringify, so a quote or a backslash in the data can never break the
 * JSON. Numbers, booleans and null are sent as written; placeholders always render to strings.
 */
export const WebhookContent = z.strictObject({
  url: z.string().min(1).max(2048),
  body: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]),
});

/**
 * A generic outbound HTTP channel for business systems: POSTs the rendered JSON body to the rendered
 * URL, signed the Standard Webhooks way. `webhook-id` is the notification id, the same on every
 * retry, so the receiver drops repeats. The URL passes the SSRF guard like every other call.
 */
export const webhookChannel = defineChannel({
  id: "webhook",
  title: "Webhook",
  config: {
    secret: {
      type: "string",
      required: true,
      secret: true,
      env: "WEBHOOK_SECRET",
      pattern: WEBHOOK_SECRET_PATTERN,
      patternHint: "whsec_ followed by the base64 of at least 24 random bytes",
      description: "Standard Webhooks signing secret shared with the receivers",
    },
    baseUrl: { type: "url", env: "WEBHOOK_BASE_URL", description: "Base URL that relative template URLs (`/hooks/orders`) resolve against" },
    timeoutMs: { type: "integer", min: 1, max: 120_000, default: 10_000, env: "WEBHOOK_TIMEOUT_MS", description: "Per-request timeout, in milliseconds" },
  },
  limits: { concurrency: 8 },
  content: WebhookContent,
  // A webhook body is data, not HTML: no placeholder is HTML-escaped (JSON.stringify escapes for JSON).
  plainTextFields: ["url", "body"],
  ui: { fields: { url: { kind: "url" }, body: { kind: "json" } } },
  // No `broadcast`: an ad-hoc broadcast has no target URL to send to.
  create(config) {
    const key = webhookSigningKey(config.secret);
    return {
      async send(message, ctx) {
        let url: URL;
        try {
          url = new URL(message.content.url, config.baseUrl);
          if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not http(s)");
        } catch {
          return { ok: false, code: "invalid_url", message: "the rendered webhook URL is not an http(s) URL", retryable: false };
        }
        const body = JSON.stringify(message.content.body);
        if (utf8(body).length > MAX_BODY_BYTES) {
          return { ok: false, code: "payload_too_large", message: `the rendered body exceeds ${MAX_BODY_BYTES} bytes`, retryable: false };
        }
        try {
          const signed = await signWebhook(await key, message.notificationId, Math.floor(ctx.clock.now() / 1000), body);
          const response = await ctx.fetch(url.href, {
            method: "POST",
            headers: { "content-type": "application/json", ...signed },
            body,
            timeoutMs: config.timeoutMs,
          });
          return await resultFromResponse(response, ctx.clock.now());
        } catch (error) {
          return resultFromError(error);
        }
      },
    };
  },
});
