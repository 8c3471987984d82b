import { z } from "@hono/zod-openapi";
import { defineChannel } from "../../core/channels/define.js";
import { ACTIONS_MAX, buildSlackMessage } from "./blocks.js";
import { chatPostMessage, incomingWebhook, type Transport } from "./transports.js";

/**
 * `channels.slack` of a template. `title` becomes the Block Kit header, `text` the message (mrkdwn),
 * `actions` URL buttons (the same shape as push and Telegram, with a required `url`). Stored lengths
 * leave room for event data; the channel cuts the header and button texts to Slack's limits
 * (blocks.ts) and splits the text into sections.
 */
export const SlackContent = z.strictObject({
  text: z.string().max(12_000),
  title: z.string().max(500).optional(),
  actions: z
    .array(z.strictObject({ action: z.string().max(64), title: z.string().max(200), url: z.string().max(2048) }))
    .max(ACTIONS_MAX)
    .optional(),
});

/**
 * Slack, through an incoming webhook (`SLACK_WEBHOOK_URL`) or the Web API's `chat.postMessage`
 * with a bot token (`SLACK_BOT_TOKEN` + `SLACK_CHANNEL`; preferred when both are set, as it returns
 * the message's `ts` and carries the notification id as message metadata). Rate limits (429 with
 * Retry-After) are retried after Slack's delay; errors that need a person (unknown or archived
 * channel, bot not in the channel, revoked token) fail the delivery at once and start the rule's
 * fallback, and so does `fatal_error`, after which the message may already be in the channel.
 */
export const slackChannel = defineChannel({
  id: "slack",
  title: "Slack",
  config: {
    webhookUrl: { type: "url", secret: true, env: "SLACK_WEBHOOK_URL", description: "Incoming webhook URL (its path is the secret); or use SLACK_BOT_TOKEN with SLACK_CHANNEL" },
    botToken: {
      type: "string",
      secret: true,
      env: "SLACK_BOT_TOKEN",
      pattern: /xox[a-z]-[A-Za-z0-9-]+/,
      patternHint: "a Slack token (xoxb-…)",
      description: "Bot token for chat.postMessage (scope chat:write); used instead of the webhook when set",
    },
    channel: { type: "string", env: "SLACK_CHANNEL", description: "Channel for chat.postMessage: an ID (C0123456789) or a name the bot is a member of" },
    apiUrl: { type: "url", default: "https://slack.com/api", env: "SLACK_API_URL", description: "Slack Web API base URL" },
    timeoutMs: { type: "integer", min: 1, max: 120_000, default: 10_000, env: "SLACK_TIMEOUT_MS", description: "Per-request timeout, in milliseconds" },
  },
  // chat.postMessage is Tier "special": about one message per second per channel, with bursts;
  // Slack answers 429 with Retry-After beyond that, which the engine honours.
  limits: { bodyMaxLength: 12_000, concurrency: 4 },
  content: SlackContent,
  bodyField: "text",
  providerAnswers: {
    slack_fatal_error:
      "a final failure, never retried, whatever the HTTP status: Slack documents `fatal_error` as possibly raised after part of the post succeeded, so another try could post the message twice. The delivery fails with that reason and the rule's fallback step runs; check the channel before replaying it from the admin.",
  },
  // Button labels and URLs are plain text: a URL must arrive with its `&` unescaped; blocks.ts
  // escapes labels the way Slack wants. `text` and `title` keep the template's HTML escaping (see blocks.ts).
  plainTextFields: ["actions"],
  ui: {
    fields: { actions: { kind: "actions", placeholder: '[{"action": "track", "title": "Track", "url": "https://…"}]' } },
    preview: { layout: "notification", parts: { body: "text" } },
  },
  broadcast: {
    content: (c) => ({
      title: c.title,
      text: c.url ? `${c.body}\n<${c.url}>` : c.body,
      ...(c.actions?.some((a) => a.url) ? { actions: c.actions.flatMap((a) => (a.url ? [{ action: a.action, title: a.title, url: a.url }] : [])) } : {}),
    }),
  },
  missing(config) {
    if (config.botToken) return config.channel ? [] : ["SLACK_CHANNEL"];
    return config.webhookUrl ? [] : ["SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and SLACK_CHANNEL"];
  },
  create(config) {
    const transport: Transport = config.botToken
      ? chatPostMessage(config.apiUrl, config.botToken, config.channel!, config.timeoutMs)
      : incomingWebhook(config.webhookUrl!, config.timeoutMs);
    return {
      send: (message, ctx) => transport.post(buildSlackMessage(message.content), message.notificationId, ctx),
    };
  },
});
