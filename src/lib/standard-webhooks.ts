/**
 * Signing the Standard Webhooks way (standardwebhooks.com, spec v1): the receiver checks
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` with the
 * shared secret `whsec_<base64 key>`, and drops a repeated `webhook-id`. A dozen lines on
 * crypto.subtle rather than the reference package (CommonJS, SHA-256 in JavaScript through
 * fast-sha256): core may import no vendor package (src/layers.test.ts), and this runs unchanged on
 * Workers, Deno and Node. The tests verify these signatures with the reference package.
 */
import { fromBase64, randomBytes, toBase64, utf8 } from "./encoding.js";

/** `whsec_` and the base64 of at least 24 random bytes (the spec asks for 24 to 64). */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/;

/** A fresh secret: 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${toBase64(randomBytes(32))}`;
}

/** The HMAC key inside a `whsec_…` secret; throws on anything else (a config check catches it first). */
export async function webhookSigningKey(secret: string): Promise<CryptoKey> {
  const raw = WEBHOOK_SECRET_PATTERN.test(secret) ? fromBase64(secret.slice("whsec_".length)) : undefined;
  if (!raw) throw new Error("a webhook secret is whsec_ followed by base64");
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/**
 * The three headers of one signed message. `id` is the message's stable id (the same on every retry,
 * so a receiver de-duplicates by it); `timestampSeconds` is when this attempt is sent.
 *
 * @example
 * const headers = await signWebhook(await webhookSigningKey(secret), "ntf_1", Math.floor(Date.now() / 1000), body);
 * await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
 */
export async function signWebhook(key: CryptoKey, id: string, timestampSeconds: number, body: string): Promise<Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>> {
  const timestamp = String(timestampSeconds);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(`${id}.${timestamp}.${body}`)));
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${toBase64(mac)}` };
}
