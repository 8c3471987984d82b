import { z } from "@hono/zod-openapi";
import { defineChannel, type SendResult } from "../../core/channels/define.js";
import { parseRetryAfter } from "../../core/net/outbound.js";
import { resultFromError } from "../shared/http-result.js";
import { BUTTONS_PER_ROW, buildDiscordPayload, CONTENT_MAX } from "./message.js";

/**
 * `channels.discord` of a template: the message text (Discord markdown) and up to five link
 * buttons (the same shape as push and Telegram, with a required `url`). The stored text may be
 * longer than Discord's 2,000 characters to leave room for event data; what is sent is cut to 2,000.
 */
export const DiscordContent = z.strictObject({
  text: z.string().max(4000),
  actions: z
    .array(z.strictObject({ action: z.string().max(64), title: z.string().max(200), url: z.string().max(2048) }))
    .max(BUTTONS_PER_ROW)
    .optional(),
});

/**
 * How a Discord answer reads: 200 (with `?wait=true`, the message; its id is the provider id) or
 * 204 sent; 429 retried after Discord's `retry_after` (JSON, seconds with a fraction; the
 * Retry-After and X-RateLimit-Reset-After headers when the body has none); 5xx and 408 retried;
 * every other 4xx final: 404 Unknown Webhook (10015) and 401 Invalid Webhook Token (50027) mean
 * the webhook was deleted or its URL is wrong, and 400 (50035 Invalid Form Body, 50006 empty
 * message) will not change on retry. Final failures start the rule's fallback step.
 */
async function resultOf(response: Response, now: number): Promise<SendResult> {
  const raw = await response.text().catch(() => "");
  let body: { id?: unknown; message?: unknown; code?: unknown; retry_after?: unknown; global?: unknown } | undefined;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return { ok: true, providerMessageId: typeof body?.id === "string" ? body.id : undefined };
  const status = response.status;
  const said = typeof body?.message === "string" ? `${body.message}${typeof body.code === "number" ? ` (${body.code})` : ""}` : raw.slice(0, 200);
  const retryAfterMs =
    typeof body?.retry_after === "number" && Number.isFinite(body.retry_after) && body.retry_after >= 0
      ? Math.ceil(body.retry_after * 1000)
      : (parseRetryAfter(response.headers.get("retry-after"), now) ?? resetAfter(response.headers.get("x-ratelimit-reset-after")));
  return {
    ok: false,
    code: `http_${status}`,
    message: `${status}${said ? `: ${said}` : ` ${response.statusText}`}${status === 429 && body?.global === true ? " (global rate limit)" : ""}`,
    retryable: status === 429 || status === 408 || status >= 500,
    retryAfterMs,
  };
}

function resetAfter(value: string | null): number | undefined {
  const seconds = value === null ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
}

/**
 * Discord through a channel webhook (Execute Webhook): `POST <webhook URL>?wait=true` so Discord
 * answers with the message (its id recorded as the provider message id), `with_components=true`
 * so link buttons are kept. See message.ts for the body, mentions and buttons.
 */
export const discordChannel = defineChannel({
  id: "discord",
  title: "Discord",
  config: {
    webhookUrl: { type: "url", required: true, secret: true, env: "DISCORD_WEBHOOK_URL", description: "Channel webhook URL, https://discord.com/api/webhooks/ID/TOKEN (the token is the secret)" },
    username: {
      type: "string",
      env: "DISCORD_USERNAME",
      // Discord refuses webhook names containing "discord" or "clyde" and longer than 80 characters.
      pattern: /(?![\s\S]*(?:discord|clyde))[\s\S]{1,80}/i,
      patternHint: "1 to 80 characters without “discord” or “clyde”",
      description: "Name shown for the messages, instead of the webhook's own",
    },
    avatarUrl: { type: "url", env: "DISCORD_AVATAR_URL", description: "Avatar shown for the messages, instead of the webhook's own" },
    actions: { type: "string", choices: ["buttons", "links"], default: "buttons", env: "DISCORD_ACTIONS", description: "Template actions as link buttons, or as markdown links in an embed" },
    timeoutMs: { type: "integer", min: 1, max: 120_000, default: 10_000, env: "DISCORD_TIMEOUT_MS", description: "Per-request timeout, in milliseconds" },
  },
  // Discord allows about 5 requests per 2 s per webhook (X-RateLimit-* headers); 429s beyond that are retried.
  limits: { bodyMaxLength: CONTENT_MAX, concurrency: 2 },
  content: DiscordContent,
  bodyField: "text",
  // Discord shows text as it is: an HTML entity would arrive as "&amp;". Mentions are defused by
  // allowed_mentions instead (message.ts).
  plainTextFields: ["text", "actions"],
  ui: {
    fields: { actions: { kind: "actions", placeholder: '[{"action": "track", "title": "Track", "url": "https://…"}]' } },
    preview: { layout: "notification", parts: { body: "text" } },
  },
  broadcast: {
    content: (c) => ({
      text: `**${c.title}**\n${c.body}${c.url ? `\n${c.url}` : ""}`,
      ...(c.actions?.some((a) => a.url) ? { actions: c.actions.flatMap((a) => (a.url ? [{ action: a.action, title: a.title, url: a.url }] : [])).slice(0, BUTTONS_PER_ROW) } : {}),
    }),
  },
  create(config) {
    const target = new URL(config.webhookUrl);
    target.searchParams.set("wait", "true");
    target.searchParams.set("with_components", "true");
    const url = target.toString();
    return {
      async send(message, ctx) {
        const payload = buildDiscordPayload(message.content, { actions: config.actions, username: config.username, avatarUrl: config.avatarUrl });
        if (!payload.content && !payload.components && !payload.embeds) return { ok: false, code: "empty_message", message: "the rendered message has no text and no actions", retryable: false };
        try {
          const response = await ctx.fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", "x-herald-notification-id": message.notificationId },
            body: JSON.stringify(payload),
            timeoutMs: config.timeoutMs,
          });
          return await resultOf(response, ctx.clock.now());
        } catch (error) {
          return resultFromError(error);
        }
      },
    };
  },
});
