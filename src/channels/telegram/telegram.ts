import { z } from "@hono/zod-openapi";
import { defineChannel, type SendContext, type SendResult } from "../../core/channels/define.js";
import { errorMessage } from "../../core/errors.js";
import { callBotApi } from "./bot-api.js";
import { escapeHtml, parseTelegramHtml, splitTelegramHtml } from "./html.js";
import { handleTelegramWebhook } from "./webhook.js";

/** Telegram's limit on a message's text, counted after entities are decoded (Bot API sendMessage). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** A URL button: Telegram opens `url` (http, https or tg:) when it is tapped. */
const Action = z.strictObject({ action: z.string().max(64), title: z.string().max(200), url: z.string().max(2048) });

/**
 * `channels.telegram` of a template. `text` is Telegram HTML (b, i, u, s, a, code, pre, blockquote,
 * tg-spoiler…): placeholders are HTML-escaped as everywhere, which is exactly what Telegram's HTML
 * mode needs. `actions` become an inline keyboard of URL buttons, one per row (the shape push uses).
 */
export const TelegramContent = z.strictObject({
  // Up to `TELEGRAM_MAX_PARTS` messages of 4,096 characters each are split from it (see below).
  text: z.string().max(40_000),
  actions: z.array(Action).max(8).optional(),
});

/** A chat id: a user's (positive) or a group's (negative), or a public channel's @username. */
const ChatId = z.string().regex(/^(-?[1-9]\d{0,19}|@[A-Za-z][A-Za-z0-9_]{3,31})$/, "a Telegram chat id such as 123456789 (or @channelusername)");

/** Static template text with its placeholders stood in for, so Telegram's HTML rules can be checked when it is saved. */
function withoutPlaceholders(text: string): string {
  return text.replace(/\{\{\{[\s\S]*?\}\}\}|\{\{[\s\S]*?\}\}/g, "x");
}

/**
 * Telegram through the Bot API `sendMessage` with `parse_mode: "HTML"`.
 *
 * Length policy (TELEGRAM_OVER_LIMIT): a text over 4,096 counted characters is `split` by default
 * into parts cut at a line break or space, each valid HTML on its own, the buttons on the last,
 * at most TELEGRAM_MAX_PARTS (else refused as `too_long`); `refuse` refuses any text over the limit.
 * Split by default because order and support messages that run long are still worth reading; the
 * cost is that a retry after a part failed resends the parts before it (the Bot API has no
 * idempotency key), so a provider hiccup mid-way can repeat a part.
 *
 * The subscriber's chat id is their `telegram` field, recorded by the linking flow (deep link
 * `t.me/<bot>?start=<token>` and the webhook, see webhook.ts) or set by the business app, and
 * updated when a group chat becomes a supergroup (Telegram answers with the new id).
 */
export const telegramChannel = defineChannel({
  id: "telegram",
  title: "Telegram",
  config: {
    botToken: {
      type: "string",
      required: true,
      secret: true,
      pattern: /\d{1,20}:[A-Za-z0-9_-]{20,}/,
      patternHint: "a bot token from @BotFather, like 123456:ABC-DEF…",
      env: "TELEGRAM_BOT_TOKEN",
      description: "Bot token from @BotFather",
    },
    apiUrl: { type: "url", default: "https://api.telegram.org", env: "TELEGRAM_API_URL", description: "Bot API base URL (a local Bot API server, or a test peer)" },
    botUsername: {
      type: "string",
      pattern: /[A-Za-z][A-Za-z0-9_]{3,31}/,
      patternHint: "the bot's username without @",
      env: "TELEGRAM_BOT_USERNAME",
      description: "The bot's username, for t.me deep links; unset: asked of the Bot API (getMe) once",
    },
    webhookSecret: {
      type: "string",
      secret: true,
      pattern: /[A-Za-z0-9_-]{16,256}/,
      patternHint: "16 to 256 characters of A-Z a-z 0-9 _ -",
      env: "TELEGRAM_WEBHOOK_SECRET",
      description: "The secret_token given to setWebhook; the webhook refuses every call without it in X-Telegram-Bot-Api-Secret-Token",
    },
    overLimit: { type: "string", choices: ["split", "refuse"], default: "split", env: "TELEGRAM_OVER_LIMIT", description: "A text over 4,096 characters: split it into several messages, or refuse it (final failure too_long)" },
    maxParts: { type: "integer", min: 1, max: 10, default: 4, env: "TELEGRAM_MAX_PARTS", description: "Most messages one text is split into; longer texts are refused" },
    timeoutMs: { type: "integer", min: 1, default: 10_000, env: "TELEGRAM_TIMEOUT_MS", description: "Per-request timeout, in milliseconds" },
  },
  // Telegram allows about 30 messages a second per bot; 429s beyond that carry retry_after.
  limits: { concurrency: 8 },
  content: TelegramContent,
  bodyField: "text",
  // Button titles and URLs are not HTML: "Tom & Jerry" must not arrive as "Tom &amp; Jerry".
  plainTextFields: ["actions"],
  addressField: { field: "telegram", schema: ChatId, description: "Telegram chat id" },
  providerAnswers: {
    migrate_to_chat_id:
      'a group that became a supergroup (400 "group chat was upgraded to a supergroup chat" with `parameters.migrate_to_chat_id`): the message is sent again at once, in the same attempt, to the new chat id, and every subscriber whose `telegram` was the old id gets the new one, so later sends go there directly (logged: "telegram group became a supergroup"). The webhook records the same move from the group\'s migration message.',
  },
  needs: ["addresses"],
  ui: {
    fields: { actions: { kind: "actions", placeholder: '[{"action": "track", "title": "Track", "url": "https://…"}]' } },
    // The notification layout draws the buttons under the text, formatted as Telegram formats it
    // (its tags, with the spelling alternatives it documents); details count what Telegram counts.
    preview: {
      layout: "notification",
      parts: { body: "text" },
      html: { body: ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote", "tg-spoiler", "span.tg-spoiler"] },
      details: { en: "{characters} characters, {messages} message(s)", ru: "символов: {characters}, сообщений: {messages}" },
    },
  },
  broadcast: {
    content: (c) => ({
      text: `<b>${escapeHtml(c.title)}</b>\n${escapeHtml(c.body)}${c.url ? `\n${escapeHtml(c.url)}` : ""}`,
      ...(c.actions?.some((a) => a.url) ? { actions: c.actions.filter((a) => a.url).map((a) => ({ action: a.action, title: a.title, url: a.url! })) } : {}),
    }),
  },
  compile(content) {
    // Placeholders render escaped, so only the template's own markup can break Telegram's rules:
    // refuse it when saved, not at every send. Block helpers can open a tag in one branch and close
    // it in another, so with them only the tags and entities are checked here; the send checks the rest.
    const checked = parseTelegramHtml(withoutPlaceholders(content.text));
    const blocks = /\{\{[#^]/.test(content.text);
    if (!checked.ok && !(blocks && /not closed|unexpected end tag/.test(checked.message))) return { ok: false, problems: [{ path: "text", message: `Telegram HTML: ${checked.message}` }] };
    return { ok: true, content };
  },
  describe: (rendered) => {
    if (typeof rendered.text !== "string") return {};
    const parsed = parseTelegramHtml(rendered.text);
    return parsed.ok ? { characters: parsed.length, messages: Math.max(1, Math.ceil(parsed.length / TELEGRAM_TEXT_LIMIT)) } : { invalid: parsed.message };
  },
  create(config, services) {
    const api = { apiUrl: config.apiUrl, botToken: config.botToken, timeoutMs: config.timeoutMs };
    let username: Promise<string> | undefined = config.botUsername ? Promise.resolve(config.botUsername) : undefined;

    /**
     * A group chat moved to a supergroup: every subscriber with the old id gets the new one, so later
     * sends go there without the detour. A store that cannot record it now does not stop this send:
     * the next one meets the same answer and tries again.
     */
    async function recordMove(from: string, to: string, notificationId: string, ctx: SendContext): Promise<void> {
      try {
        const outcome = await services.addresses.moved("telegram", from, to);
        if (outcome.ok) ctx.logger.log("info", "telegram group became a supergroup: sent to its new chat id, addresses updated", { notification: notificationId, from, to, subscribers: outcome.subscribers });
        else ctx.logger.log("warn", "telegram group became a supergroup: its new chat id is not a valid address, not recorded", { notification: notificationId, from, to });
      } catch (error) {
        ctx.logger.log("error", "telegram group became a supergroup: the new chat id could not be recorded", { notification: notificationId, from, to, error: errorMessage(error) });
      }
    }

    return {
      async send(message, ctx): Promise<SendResult> {
        const chatId = message.address;
        if (!chatId) return { ok: false, code: "no_address", message: "the subscriber has no Telegram chat id", retryable: false, undeliverable: true };
        const parsed = parseTelegramHtml(message.content.text);
        if (!parsed.ok) return { ok: false, code: "invalid_html", message: `the rendered text is not Telegram HTML: ${parsed.message}`, retryable: false };
        if (parsed.length === 0 || message.content.text.trim() === "") return { ok: false, code: "empty_message", message: "the rendered Telegram text is empty", retryable: false };
        let parts = [message.content.text];
        if (parsed.length > TELEGRAM_TEXT_LIMIT) {
          if (config.overLimit === "refuse") return { ok: false, code: "too_long", message: `${parsed.length} characters, over Telegram's ${TELEGRAM_TEXT_LIMIT} (TELEGRAM_OVER_LIMIT=refuse)`, retryable: false };
          parts = splitTelegramHtml(parsed.tokens, TELEGRAM_TEXT_LIMIT);
          if (parts.length > config.maxParts) return { ok: false, code: "too_long", message: `${parsed.length} characters would take ${parts.length} messages, over TELEGRAM_MAX_PARTS (${config.maxParts})`, retryable: false };
        }
        const actions = message.content.actions ?? [];
        const badUrl = actions.find((a) => !/^(https?:\/\/[^\s]+|tg:\/\/[^\s]+)$/i.test(a.url));
        if (badUrl) return { ok: false, code: "invalid_button_url", message: `button "${badUrl.action}" has a URL Telegram cannot open (http, https or tg only)`, retryable: false };
        const keyboard = actions.length > 0 ? { inline_keyboard: actions.map((a) => [{ text: a.title, url: a.url }]) } : undefined;

        let first: string | undefined;
        let to = chatId;
        let moved = false;
        for (const [index, text] of parts.entries()) {
          const last = index === parts.length - 1;
          const sendPart = () => callBotApi(api, "sendMessage", { chat_id: to, text, parse_mode: "HTML", ...(last && keyboard ? { reply_markup: keyboard } : {}) }, ctx);
          let answer = await sendPart();
          // The group became a supergroup: the old id is dead for good and Telegram names the new one.
          // Sent there at once, in this attempt, and once only (a second move in one send is not followed).
          if (!answer.ok && answer.migrateTo && !moved && answer.migrateTo !== to) {
            moved = true;
            const from = to;
            to = answer.migrateTo;
            await recordMove(from, to, message.notificationId, ctx);
            answer = await sendPart();
          }
          if (!answer.ok) return parts.length > 1 ? { ...answer.failure, message: `part ${index + 1} of ${parts.length}: ${answer.failure.message}` } : answer.failure;
          const id = (answer.result as { message_id?: number } | undefined)?.message_id;
          first ??= id !== undefined ? `${to}:${id}` : undefined;
        }
        return { ok: true, providerMessageId: first };
      },

      webhook: (request, ctx) => handleTelegramWebhook(request, config.webhookSecret, services.addresses, ctx.logger),

      async linkUrl(token, ctx) {
        username ??= callBotApi(api, "getMe", {}, ctx).then((answer) => {
          const name = answer.ok ? (answer.result as { username?: string } | undefined)?.username : undefined;
          if (!name) throw new Error(answer.ok ? "getMe returned no username" : answer.failure.message);
          return name;
        });
        // A failed getMe is asked again next time, not remembered.
        const name = await username.catch((error: unknown) => {
          username = undefined;
          throw error;
        });
        return `https://t.me/${name}?start=${token}`;
      },
    };
  },
});
