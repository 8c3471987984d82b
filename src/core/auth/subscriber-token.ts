import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { fromBase64Url, randomBytes, timingSafeEqualBytes, toBase64Url, utf8 } from "../../lib/encoding.js";

/**
 * Tokens the browser SDK presents: `<payload>.<mac>`, both base64url, the payload `{sub, exp}` and the
 * MAC an HMAC-SHA256 with a server key. Stateless, so Workers and Node verify them alike.
 */
export interface TokenClaims {
  sub: string;
  exp: number;
  /**
   * Narrows what the token may do. `receipts`: only report seen/clicked and re-register push (the
   * service worker's token). `unsubscribe`: only turn channel `ch` off (the link in an email).
   * `admin-device`: not a subscriber's at all; the admin login's device cookie (admin/login-limit.ts).
   */
  scope?: "receipts" | "unsubscribe" | "admin-device";
  /** The channel an `unsubscribe` token turns off. */
  ch?: string;
  /**
   * Issued at (epoch milliseconds). A token is valid only for the subscriber created at or before
   * it (subscriber-access.ts): erasing a subscriber, or erasing and creating the same id again,
   * ends every token issued before. Tokens made before Herald wrote `iat` have none.
   */
  iat?: number;
}

export function generateTokenKey(): string {
  return toBase64Url(randomBytes(32));
}

// One keyed HMAC per secret, cloned per token. Synchronous on purpose: WebCrypto's async sign costs
// about 60 µs per call in Node against 6 µs here, and a push broadcast issues a receipt token per
// recipient (bench/push).
const keyed = new Map<string, ReturnType<typeof hmac.create>>();
function mac(secret: string, payload: string): Uint8Array {
  let base = keyed.get(secret);
  if (!base) keyed.set(secret, (base = hmac.create(sha256, fromBase64Url(secret) ?? utf8(secret))));
  return base.clone().update(utf8(payload)).digest();
}

export async function issueToken(secret: string, claims: TokenClaims): Promise<string> {
  const payload = toBase64Url(utf8(JSON.stringify(claims)));
  return `${payload}.${toBase64Url(mac(secret, payload))}`;
}

/** The claims of a valid, unexpired token; undefined for anything else (tampered, expired, malformed). */
export async function verifyToken(secret: string, token: string, nowMs: number): Promise<TokenClaims | undefined> {
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return undefined;
  const given = fromBase64Url(signature);
  if (!given || !timingSafeEqualBytes(given, mac(secret, payload))) return undefined;
  try {
    const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as TokenClaims;
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number" || claims.exp * 1000 <= nowMs) return undefined;
    if (claims.iat !== undefined && typeof claims.iat !== "number") return undefined;
    return claims;
  } catch {
    return undefined;
  }
}
