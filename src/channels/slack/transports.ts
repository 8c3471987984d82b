/**
 * The two ways Herald posts to Slack, and how each one's answers read as send results.
 * - Incoming webhook: POST JSON to the hook URL; `ok` (text) with 200, else a short error string
 *   with a status (400 `invalid_payload` / `invalid_blocks` / `no_text`, 403 `action_prohibited`,
 *   404 `no_service` / `channel_not_found`, 410 `channel_is_archived`, 429 `rate_limited` with
 *   Retry-After, 500 `rollup_error`).
 * - `chat.postMessage` with a bot token: 200 `{ok: true, channel, ts}`, or 200 `{ok: false, error}`
 *   for almost every failure, and 429 with Retry-After (`ratelimited`) when throttled.
 */
import type { SendContext, SendResult } from "../../core/channels/define.js";
import { parseRetryAfter } from "../../core/net/outbound.js";
import { resultFromError } from "../shared/http-result.js";
import type { SlackMessage } from "./blocks.js";

type Failure = Extract<SendResult, { ok: false }>;

/**
 * Web API errors worth another try: Slack's own transient failures and throttling. Everything else
 * (`channel_not_found`, `not_in_channel`, `is_archived`, `invalid_auth`, `token_revoked`,
 * `missing_scope`, `invalid_blocks`, `msg_too_long`, …) needs a person to act: failed, fallback runs.
 */
const RETRYABLE = new Set(["ratelimited", "rate_limited", "internal_error", "service_unavailable", "request_timeout", "rollup_error", "team_added_to_org"]);

/**
 * Errors after which the message may already be in the channel, so another try could post it twice.
 * Slack documents `fatal_error` as "a catastrophic error. It's possible some aspect of the operation
 * succeeded before the error was raised", and nothing in the answer says which part did. Finding out
 * would need the channel's history (a `channels:history` scope Herald does not ask for), so the send
 * ends here, whatever the HTTP status: a final failure that says why, and the rule's fallback runs.
 */
const MAYBE_POSTED = new Set(["fatal_error"]);

function failure(error: string, status: number, message: string, retryAfter: string | null, now: number): Failure {
  const token = /^[a-z_]{2,64}$/.test(error) ? error : undefined;
  if (token !== undefined && MAYBE_POSTED.has(token)) {
    return {
      ok: false,
      code: `slack_${token}`,
      message: `${token} (HTTP ${status}): Slack says the message may have been posted in part; not retried, so it is never posted twice`,
      retryable: false,
    };
  }
  return {
    ok: false,
    code: token ? `slack_${token}` : `http_${status}`,
    message: (token ? `${token} (HTTP ${status})` : `HTTP ${status}: ${message}`).slice(0, 400),
    retryable: status === 429 || status >= 500 || status === 408 || (token !== undefined && RETRYABLE.has(token)),
    retryAfterMs: parseRetryAfter(retryAfter, now),
  };
}

export interface Transport {
  post(message: SlackMessage, notificationId: string, ctx: SendContext): Promise<SendResult>;
}

/** An incoming webhook: the channel is fixed by the hook; Slack returns no message id. */
export function incomingWebhook(url: string, timeoutMs: number): Transport {
  return {
    async post(message, notificationId, ctx) {
      try {
        const response = await ctx.fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", "x-herald-notification-id": notificationId },
          body: JSON.stringify({ ...message, unfurl_links: false }),
          timeoutMs,
        });
        const body = (await response.text().catch(() => "")).trim();
        if (response.ok) return { ok: true };
        return failure(body, response.status, body || response.statusText, response.headers.get("retry-after"), ctx.clock.now());
      } catch (error) {
        return resultFromError(error);
      }
    },
  };
}

/**
 * `chat.postMessage` to one channel. The notification id travels as message metadata
 * (`herald_notification`), so a bot reading the channel can drop the duplicate an at-least-once
 * retry may cause; the provider message id is `<channel>/<ts>`.
 */
export function chatPostMessage(apiUrl: string, token: string, channel: string, timeoutMs: number): Transport {
  const endpoint = `${apiUrl.replace(/\/+$/, "")}/chat.postMessage`;
  return {
    async post(message, notificationId, ctx) {
      try {
        const response = await ctx.fetch(endpoint, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${token}` },
          body: JSON.stringify({
            channel,
            ...message,
            unfurl_links: false,
            metadata: { event_type: "herald_notification", event_payload: { notification_id: notificationId } },
          }),
          timeoutMs,
        });
        const raw = await response.text().catch(() => "");
        let answer: { ok?: unknown; error?: unknown; channel?: unknown; ts?: unknown } | undefined;
        try {
          answer = JSON.parse(raw);
        } catch {
          answer = undefined;
        }
        const retryAfter = response.headers.get("retry-after");
        if (response.ok && answer?.ok === true) return { ok: true, providerMessageId: typeof answer.ts === "string" ? `${String(answer.channel ?? channel)}/${answer.ts}` : undefined };
        const error = typeof answer?.error === "string" ? answer.error : raw.slice(0, 200);
        return failure(error, response.ok ? 200 : response.status, error || response.statusText, retryAfter, ctx.clock.now());
      } catch (error) {
        return resultFromError(error);
      }
    },
  };
}
