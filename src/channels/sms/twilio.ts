/**
 * Twilio Programmable Messaging over its documented REST API (no SDK: it does not run on Workers):
 * `POST {apiUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, HTTP Basic auth with
 * the account SID and auth token; 201 with the Message resource (`sid`, `status`). Status callbacks
 * come back signed with `X-Twilio-Signature`.
 */
import type { SendResult, WebhookResult } from "../../core/channels/define.js";
import { parseRetryAfter } from "../../core/net/outbound.js";
import { resultFromError } from "../shared/http-result.js";
import type { SmsProvider } from "./provider.js";
import { twilioSignatureVerifier } from "./twilio-signature.js";

export interface TwilioOptions {
  accountSid: string;
  /** Secret: signs status callbacks too. */
  authToken: string;
  /** Sender number or alphanumeric id; either this or `messagingServiceSid`. */
  from?: string;
  messagingServiceSid?: string;
  /** Default `https://api.twilio.com`. */
  apiUrl: string;
  /**
   * Where Twilio posts delivery status; omitted when absent. Asked per send: the public URL may only be
   * known once the server listens (an ephemeral port).
   */
  statusCallback?: () => string;
  timeoutMs: number;
}

/**
 * Twilio error codes that mean this recipient cannot be reached by SMS at all, so retrying is useless
 * and the next channel should take over: invalid or non-mobile numbers, opted-out (STOP) recipients,
 * unknown or landline handsets, numbers blocked from receiving.
 */
export const PERMANENT_RECIPIENT_CODES = new Set([
  21211, // invalid 'To' phone number
  21217, // phone number does not appear to be valid
  21401, // invalid phone number
  21407, // this phone number type does not support SMS
  21421, // PhoneNumber is invalid
  21610, // attempt to send to unsubscribed recipient (replied STOP)
  21612, // the 'To' phone number is not currently reachable via SMS
  21614, // 'To' number is not a valid mobile number
  30004, // message blocked (recipient blocked the sender, do-not-contact list)
  30005, // unknown destination handset
  30006, // landline or unreachable carrier
]);

interface TwilioProblem {
  code?: number;
  message?: string;
  more_info?: string;
  status?: number;
}

export function createTwilioProvider(options: TwilioOptions): SmsProvider {
  const endpoint = `${options.apiUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${btoa(`${options.accountSid}:${options.authToken}`)}`;
  const verifier = twilioSignatureVerifier(options.authToken);

  return {
    id: "twilio",
    async send({ to, text, notificationId }, ctx) {
      const form = new URLSearchParams({ To: to, Body: text });
      // A Messaging Service picks the sender from its pool; `From`, when also set, pins one of them.
      if (options.messagingServiceSid) form.set("MessagingServiceSid", options.messagingServiceSid);
      if (options.from) form.set("From", options.from);
      if (options.statusCallback) form.set("StatusCallback", options.statusCallback());
      try {
        const response = await ctx.fetch(endpoint, {
          method: "POST",
          headers: {
            authorization,
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
            // Twilio ignores it; it lets a proxy or a recorded trace tie the request to the notification.
            "x-herald-notification-id": notificationId,
          },
          body: form.toString(),
          timeoutMs: options.timeoutMs,
        });
        return await twilioResult(response, ctx.clock.now());
      } catch (error) {
        return resultFromError(error);
      }
    },

    async webhook(request) {
      if (request.method !== "POST") return { status: 405, body: "POST only", contentType: "text/plain" };
      // Refuse before reading anything: an unsigned or forged callback must not change a delivery.
      if (!(await verifier.verify(request.url, request.body, request.headers.get("x-twilio-signature")))) {
        return { status: 403, body: "invalid X-Twilio-Signature", contentType: "text/plain" };
      }
      return statusReport(new URLSearchParams(request.body));
    },
  };
}

/** Reads Twilio's answer: the Message resource on success, its error document `{code, message, more_info, status}` otherwise. */
export async function twilioResult(response: Response, now: number): Promise<SendResult> {
  const raw = await response.text().catch(() => "");
  let json: (TwilioProblem & { sid?: string; status?: unknown }) | undefined;
  try {
    json = raw ? JSON.parse(raw) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return { ok: true, providerMessageId: typeof json?.sid === "string" ? json.sid : undefined };

  const status = response.status;
  const twilioCode = typeof json?.code === "number" ? json.code : undefined;
  const detail = twilioCode !== undefined ? `Twilio error ${twilioCode}: ${json?.message ?? ""}${json?.more_info ? ` (${json.more_info})` : ""}` : raw.slice(0, 300);
  const base = `${status} ${response.statusText || ""}`.trim();
  if (status === 401 || status === 403) {
    return { ok: false, code: `http_${status}`, message: `${base}: Twilio refused the credentials (TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN). ${detail}`.trim(), retryable: false };
  }
  const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
  return {
    ok: false,
    code: `http_${status}`,
    message: detail ? `${base}: ${detail}` : base,
    retryable,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), now),
    ...(!retryable && twilioCode !== undefined && PERMANENT_RECIPIENT_CODES.has(twilioCode) ? { undeliverable: true } : {}),
  };
}

/**
 * A status callback as delivery reports. Only final states matter: `delivered`, and `undelivered` /
 * `failed` (which start the rule's fallback step); `queued`, `sent` and the rest are acknowledged.
 */
export function statusReport(params: URLSearchParams): WebhookResult {
  const sid = params.get("MessageSid") ?? params.get("SmsSid");
  const status = params.get("MessageStatus") ?? params.get("SmsStatus");
  if (!sid || !status) return { status: 400, body: "MessageSid and MessageStatus are required", contentType: "text/plain" };
  if (status === "delivered") return { status: 204, reports: [{ providerMessageId: sid, status: "delivered" }] };
  if (status !== "undelivered" && status !== "failed") return { status: 204 };

  const errorCode = Number(params.get("ErrorCode") ?? NaN);
  const reason = Number.isFinite(errorCode) ? `Twilio ${status}, error ${errorCode}` : `Twilio ${status}`;
  const to = params.get("To");
  const permanent = Number.isFinite(errorCode) && PERMANENT_RECIPIENT_CODES.has(errorCode);
  return {
    status: 204,
    reports: [{ providerMessageId: sid, status: "failed", reason }],
    ...(permanent && to ? { undeliverable: [{ address: to, reason }] } : {}),
  };
}
