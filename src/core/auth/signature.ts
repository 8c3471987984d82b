import { sha256 } from "@noble/hashes/sha2.js";
import { fromHex, toHex, utf8 } from "../../lib/encoding.js";

/** Oldest signature accepted, and how far in the future a clock may be. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `mac`: the hex value that matched, which names this signed request (signedEventId). */
export type SignatureCheck = { ok: true; mac: string } | { ok: false; reason: string };

async function hmacKey(secret: string, usage: KeyUsage): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, as a sender computes it. */
export async function signPayload(secret: string, rawBody: string, unixSeconds: number): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, "sign"), utf8(`${unixSeconds}.${rawBody}`));
  return `t=${unixSeconds},v1=${toHex(mac)}`;
}

/**
 * Checks an `X-Herald-Signature` header. Several `v1=` values are allowed (secret rotation). The MAC
 * is checked with `crypto.subtle.verify`, which compares in constant time.
 */
export async function verifySignature(secret: string, header: string, rawBody: string, nowSeconds: number): Promise<SignatureCheck> {
  const parts = header.split(",").map((p) => p.trim().split("="));
  const t = parts.find(([k]) => k === "t")?.[1];
  const macs = parts.filter(([k]) => k === "v1").map(([, v]) => v ?? "");
  if (!t || !/^\d+$/.test(t) || macs.length === 0) return { ok: false, reason: "expected t=<unix seconds>,v1=<hex>" };
  const age = nowSeconds - Number(t);
  if (age > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: "the signature is older than 5 minutes" };
  if (age < -SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: "the signature's timestamp is in the future" };
  const key = await hmacKey(secret, "verify");
  const data = utf8(`${t}.${rawBody}`);
  for (const mac of macs) {
    const bytes = fromHex(mac);
    if (bytes && bytes.length === 32 && (await crypto.subtle.verify("HMAC", key, bytes, data))) return { ok: true, mac: mac.toLowerCase() };
  }
  return { ok: false, reason: "the signature does not match the body" };
}

/**
 * The event id of a signed `POST /v1/events` whose body names none: derived from the MAC that
 * matched, so the same signed request sent again (a replay within the 5 minutes, or a retry) is the
 * same event, which the id makes a repeat. A hash of the MAC rather than the MAC itself: event ids
 * are shown to API clients. Two identical bodies signed in the same second are one event; a sender
 * that means two gives each an `id`.
 */
export function signedEventId(mac: string): string {
  return `sig_${toHex(sha256(utf8(`herald-signed-event\u0000${mac}`))).slice(0, 32)}`;
}
