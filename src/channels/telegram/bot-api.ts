import type { SendContext, SendResult } from "../../core/channels/define.js";
import { parseRetryAfter } from "../../core/net/outbound.js";
import { resultFromError } from "../shared/http-result.js";

/** A Bot API answer: `{ok: true, result}` or `{ok: false, error_code, description, parameters?}`. */
interface BotAnswer {
  ok: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/**
 * What makes an address permanently unreachable: the user blocked the bot, deleted their account,
 * never pressed Start, or the chat is gone. Herald suppresses the chat id and runs the fallback; the
 * user linking again (/start) lifts the suppression.
 */
function undeliverable(status: number, description: string): boolean {
  if (status === 403) return true;
  return status === 400 && /chat not found|user not found|PEER_ID_INVALID|group chat was (upgraded|deactivated)/i.test(description);
}

/**
 * Calls one Bot API method (`POST <api>/bot<token>/<method>`, JSON) and reads the answer the way the
 * Bot API documents it: `ok` and `result`, or `error_code`, `description` and `parameters.retry_after`
 * (seconds; preferred over a Retry-After header). 429 and 5xx are retried, 403 and a missing chat are
 * undeliverable, other 4xx final. `migrateTo`: `parameters.migrate_to_chat_id`, the supergroup a
 * group chat became (its new chat id, as text: up to 52 significant bits, exact in a double).
 */
export async function callBotApi(
  base: { apiUrl: string; botToken: string; timeoutMs: number },
  method: string,
  body: Record<string, unknown>,
  ctx: SendContext,
): Promise<{ ok: true; result: unknown } | { ok: false; failure: Extract<SendResult, { ok: false }>; migrateTo?: string }> {
  let response: Response;
  try {
    response = await ctx.fetch(`${base.apiUrl.replace(/\/+$/, "")}/bot${base.botToken}/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      timeoutMs: base.timeoutMs,
    });
  } catch (error) {
    return { ok: false, failure: resultFromError(error) as Extract<SendResult, { ok: false }> };
  }
  const text = await response.text().catch(() => "");
  let answer: BotAnswer | undefined;
  try {
    answer = JSON.parse(text) as BotAnswer;
  } catch {
    answer = undefined;
  }
  if (response.ok && answer?.ok === true) return { ok: true, result: answer.result };
  const status = answer?.error_code ?? response.status;
  const description = (answer?.description ?? text.slice(0, 300)) || response.statusText;
  const retryAfterMs =
    typeof answer?.parameters?.retry_after === "number" ? answer.parameters.retry_after * 1000 : parseRetryAfter(response.headers.get("retry-after"), ctx.clock.now());
  const retryable = status === 429 || status >= 500 || status === 408 || (response.ok && answer?.ok !== true);
  const migrateTo = answer?.parameters?.migrate_to_chat_id;
  return {
    ok: false,
    ...(typeof migrateTo === "number" && Number.isSafeInteger(migrateTo) ? { migrateTo: String(migrateTo) } : {}),
    failure: {
      ok: false,
      code: `http_${status}`,
      message: `${status} ${description}`.trim(),
      retryable,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(undeliverable(status, description) ? { undeliverable: true } : {}),
    },
  };
}
