import { z } from "@hono/zod-openapi";
import { defineChannel } from "../../core/channels/define.js";
import { resultFromError, resultFromResponse } from "../shared/http-result.js";

/** `channels.mattermost` of a template: the post, and optional overrides of the hook's name, icon and channel. */
export const MattermostContent = z.strictObject({
  text: z.string().max(16_383),
  username: z.string().max(64).optional(),
  icon_url: z.string().max(2048).optional(),
  channel: z.string().max(64).optional(),
});

/**
 * Mattermost incoming webhook: POST JSON `{text, username?, icon_url?, channel?}` to the hook URL.
 * The notification id travels as `props.herald_notification_id` and in `Idempotency-Key`, so a
 * receiver (or a bot reading the channel) can drop the duplicate an at-least-once retry may cause.
 */
export const mattermostChannel = defineChannel({
  id: "mattermost",
  title: "Mattermost",
  config: {
    webhookUrl: { type: "url", required: true, secret: true, env: "MATTERMOST_WEBHOOK_URL", description: "Incoming webhook URL (its path is the secret)" },
    username: { type: "string", env: "MATTERMOST_USERNAME", description: "Default display name, when the webhook allows overriding it" },
    iconUrl: { type: "url", env: "MATTERMOST_ICON_URL", description: "Default avatar URL" },
    timeoutMs: { type: "integer", min: 1, default: 10_000, env: "MATTERMOST_TIMEOUT_MS", description: "Per-request timeout, in milliseconds" },
  },
  // Mattermost's post limit is 16,383 characters (server setting MaxPostSize default).
  limits: { bodyMaxLength: 16_383, concurrency: 8 },
  content: MattermostContent,
  ui: { preview: { layout: "message", parts: { body: "text" } } },
  broadcast: { content: (c) => ({ text: `**${c.title}**\n\n${c.body}${c.url ? `\n${c.url}` : ""}` }) },
  bodyField: "text",
  create(config) {
    return {
      async send(message, ctx) {
        const { text, username, icon_url, channel } = message.content;
        const payload = {
          text,
          ...((username ?? config.username) ? { username: username ?? config.username } : {}),
          ...((icon_url ?? config.iconUrl) ? { icon_url: icon_url ?? config.iconUrl } : {}),
          ...(channel ? { channel } : {}),
          props: { herald_notification_id: message.notificationId },
        };
        try {
          const response = await ctx.fetch(config.webhookUrl, {
            method: "POST",
            headers: { "content-type": "application/json", "idempotency-key": message.notificationId, "x-herald-notification-id": message.notificationId },
            body: JSON.stringify(payload),
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
