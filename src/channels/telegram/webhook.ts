import type { AddressServices, WebhookRequest, WebhookResult } from "../../core/channels/define.js";
import { errorMessage } from "../../core/errors.js";
import { silentLogger, type Logger } from "../../core/logger.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { timingSafeEqualBytes, utf8 } from "../../lib/encoding.js";

/** What the bot answers in the chat after `/start <token>`, per outcome. */
const REPLIES = {
  linked: "Done: notifications will arrive in this chat.",
  expired: "This link has expired. Ask for a new one where you found it.",
  invalid: "This link is not valid (or was already used). Ask for a new one where you found it.",
} as const;

/** The parts of a Telegram Update this webhook reads. */
interface Update {
  update_id?: number;
  message?: { text?: string; chat?: { id?: number | string; type?: string }; migrate_to_chat_id?: number };
  my_chat_member?: { chat?: { id?: number | string; type?: string }; new_chat_member?: { status?: string } };
}

/**
 * The bot's webhook (registered with `setWebhook` and `secret_token`): every call must carry
 * `X-Telegram-Bot-Api-Secret-Token` equal to TELEGRAM_WEBHOOK_SECRET (compared in constant time;
 * 401 when absent, 403 when wrong, and every call refused while no secret is configured).
 * - `/start <token>` in a private chat: the deep link Herald issued (`POST /v1/subscribers/{id}/links/telegram`)
 *   was followed; the token is redeemed and the chat id recorded as the subscriber's `telegram`.
 *   The answer carries a `sendMessage` for Telegram to perform (a webhook reply), so the user sees
 *   the outcome without another outbound call.
 * - `my_chat_member` with status `kicked`: the user blocked the bot; the chat id is suppressed at once.
 * - A message with `migrate_to_chat_id` (the group became a supergroup): subscribers with the
 *   group's old id get the new one, as a send meeting the same move does (telegram.ts).
 * Anything else is acknowledged (200) so Telegram does not redeliver it.
 */
export async function handleTelegramWebhook(request: WebhookRequest, secret: string | undefined, addresses: AddressServices, logger: Logger = silentLogger): Promise<WebhookResult> {
  const given = request.headers.get("x-telegram-bot-api-secret-token");
  if (!given) return { status: 401, body: "the X-Telegram-Bot-Api-Secret-Token header is missing" };
  // Digests compared, so neither the secret's bytes nor its length show in the time taken.
  if (!secret || !timingSafeEqualBytes(sha256(utf8(given)), sha256(utf8(secret)))) return { status: 403, body: "the X-Telegram-Bot-Api-Secret-Token header does not match" };
  let update: Update;
  try {
    update = JSON.parse(request.body) as Update;
  } catch {
    return { status: 400, body: "the body is not a JSON Update" };
  }
  if (!update || typeof update !== "object") return { status: 400, body: "the body is not a JSON Update" };

  const blocked = update.my_chat_member;
  if (blocked?.new_chat_member?.status === "kicked" && blocked.chat?.id !== undefined) {
    return { status: 200, undeliverable: [{ address: String(blocked.chat.id), reason: "telegram: the user blocked the bot" }] };
  }

  const message = update.message;
  const migrateTo = message?.migrate_to_chat_id;
  if (typeof migrateTo === "number" && Number.isSafeInteger(migrateTo) && message?.chat?.id !== undefined) {
    const from = String(message.chat.id);
    const to = String(migrateTo);
    try {
      const outcome = await addresses.moved("telegram", from, to);
      logger.log("info", "telegram group became a supergroup: addresses updated", { from, to, subscribers: outcome.ok ? outcome.subscribers : 0 });
    } catch (error) {
      // Answered 500 so Telegram delivers the update again.
      logger.log("error", "telegram group became a supergroup: the new chat id could not be recorded", { from, to, error: errorMessage(error) });
      return { status: 500, body: "could not record the chat's new id" };
    }
    return { status: 200 };
  }
  const start = /^\/start(?:@[A-Za-z0-9_]+)?\s+([A-Za-z0-9_-]{1,64})\s*$/.exec(message?.text ?? "");
  if (!start || message?.chat?.id === undefined || message.chat.type !== "private") return { status: 200 };
  const chatId = String(message.chat.id);
  const outcome = await addresses.link("telegram", start[1]!, chatId);
  const reply = outcome.ok ? REPLIES.linked : outcome.reason === "expired" ? REPLIES.expired : REPLIES.invalid;
  return {
    status: 200,
    contentType: "application/json",
    body: JSON.stringify({ method: "sendMessage", chat_id: message.chat.id, text: reply }),
  };
}
