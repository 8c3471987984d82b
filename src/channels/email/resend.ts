import type { SendContext, SendResult, WebhookRequest, WebhookResult } from "../../core/channels/define.js";
import { resultFromError, resultFromResponse } from "../shared/http-result.js";
import type { EmailProvider, EmailProviderConfig, OutgoingEmail } from "./provider.js";

export interface ResendProviderConfig extends EmailProviderConfig {
  /** `https://api.resend.com`, or any server speaking the same API. */
  apiUrl: string;
  apiKey: string;
}

/**
 * Resend's documented HTTP API (`POST /emails`, Bearer key, JSON `{from, to, subject, html, text,
 * headers, tags}` → `200 {id}`; errors `{statusCode, name, message}`). Plain fetch, so it runs on
 * Workers, where SMTP is out of reach. The notification id goes in `Idempotency-Key`, which Resend
 * honours for 24 hours: a retried send after a lost answer is not sent twice.
 */
export function resendProvider(config: ResendProviderConfig): EmailProvider {
  const endpoint = `${config.apiUrl.replace(/\/+$/, "")}/emails`;
  return {
    name: "resend",
    async send(email: OutgoingEmail, ctx: SendContext): Promise<SendResult> {
      const body = {
        from: email.from,
        to: [email.to],
        subject: email.subject,
        html: email.html,
        text: email.text,
        ...(email.replyTo ? { reply_to: email.replyTo } : {}),
        headers: { ...email.headers, "Message-ID": email.messageId },
        // Tag values allow only ASCII letters, digits, "_" and "-".
        tags: [{ name: "herald_notification_id", value: email.notificationId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 256) }],
      };
      try {
        const response = await ctx.fetch(endpoint, {
          method: "POST",
          headers: { authorization: `Bearer ${config.apiKey}`, "content-type": "application/json", "idempotency-key": email.notificationId.slice(0, 256) },
          body: JSON.stringify(body),
          timeoutMs: config.timeoutMs,
        });
        return await resultFromResponse(response, ctx.clock.now(), (text) => {
          try {
            const id = (JSON.parse(text) as { id?: unknown }).id;
            return typeof id === "string" ? id : undefined;
          } catch {
            return undefined;
          }
        });
      } catch (error) {
        return resultFromError(error);
      }
    },
  };
}

/** Resend signs webhooks the Svix way ("Standard Webhooks"); older than this is a replay. */
const TOLERANCE_MS = 5 * 60_000;

interface ResendEvent {
  type?: string;
  data?: { email_id?: string; to?: string[] | string; bounce?: { type?: string; subType?: string; message?: string }; failed?: { reason?: string } };
}

/**
 * Reads a Resend webhook: verifies `svix-id`, `svix-timestamp` and `svix-signature` (base64
 * HMAC-SHA256 of `<id>.<timestamp>.<raw body>` under the base64 secret after `whsec_`), then turns
 * `email.delivered`, `email.bounced` (permanent), `email.complained` and `email.failed` into reports
 * and suppressions. Other events are acknowledged and ignored.
 */
export async function resendWebhook(request: WebhookRequest, secret: string | undefined, ctx: SendContext): Promise<WebhookResult> {
  if (!secret) return { status: 404, body: "email webhooks are not configured (EMAIL_WEBHOOK_SECRET)" };
  if (request.method !== "POST") return { status: 405 };
  const id = request.headers.get("svix-id") ?? request.headers.get("webhook-id");
  const timestamp = request.headers.get("svix-timestamp") ?? request.headers.get("webhook-timestamp");
  const signatures = request.headers.get("svix-signature") ?? request.headers.get("webhook-signature");
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return { status: 401, body: "missing signature headers" };
  if (Math.abs(ctx.clock.now() - Number(timestamp) * 1000) > TOLERANCE_MS) return { status: 401, body: "stale timestamp" };
  const expected = await svixSignature(secret, `${id}.${timestamp}.${request.body}`);
  const given = signatures.split(" ").map((s) => s.split(",")).filter(([v]) => v === "v1").map(([, sig]) => sig ?? "");
  if (!given.some((sig) => constantTimeEqual(sig, expected))) return { status: 401, body: "bad signature" };

  let event: ResendEvent;
  try {
    event = JSON.parse(request.body) as ResendEvent;
  } catch {
    return { status: 400, body: "body is not JSON" };
  }
  const emailId = event.data?.email_id;
  const recipients = ([] as string[]).concat(event.data?.to ?? []).filter((a): a is string => typeof a === "string");
  const result: WebhookResult = { status: 200, body: "ok", contentType: "text/plain" };
  switch (event.type) {
    case "email.delivered":
      if (emailId) result.reports = [{ providerMessageId: emailId, status: "delivered" }];
      break;
    case "email.bounced": {
      const bounce = event.data?.bounce;
      const reason = `bounce: ${[bounce?.type, bounce?.subType, bounce?.message].filter(Boolean).join(" / ") || "permanent"}`;
      // Resend sends email.bounced for permanent rejections; a transient one is the provider's to retry.
      if (bounce?.type && !/^permanent$/i.test(bounce.type)) break;
      result.undeliverable = recipients.map((address) => ({ address, reason }));
      if (emailId) result.reports = [{ providerMessageId: emailId, status: "failed", reason }];
      break;
    }
    case "email.complained":
      result.undeliverable = recipients.map((address) => ({ address, reason: "complaint" }));
      break;
    case "email.failed":
      if (emailId) result.reports = [{ providerMessageId: emailId, status: "failed", reason: event.data?.failed?.reason ?? "failed" }];
      break;
    default:
      break;
  }
  return result;
}

/** `v1` signature of the Standard Webhooks scheme, with Web Crypto so it runs on every runtime. */
export async function svixSignature(secret: string, signedContent: string): Promise<string> {
  const keyBytes = base64Decode(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(signedContent)));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64Decode(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
