import { fromBase64Url, randomBytes, toBase64Url, utf8 } from "../encoding.js";

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
   */
  scope?: "receipts" | "unsubscribe";
  /** The channel an `unsubscribe` token turns off. */
  ch?: string;
}

export function generateTokenKey(): string {
  return toBase64Url(randomBytes(32));
}

// Imported once per secret: a push broadcast issues a receipt token per recipient.
const keys = new Map<string, Promise<CryptoKey>>();
function key(secret: string): Promise<CryptoKey> {
  let hit = keys.get(secret);
  if (!hit) {
    hit = crypto.subtle.importKey("raw", fromBase64Url(secret) ?? utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, hit);
  }
  return hit;
}

export async function issueToken(secret: string, claims: TokenClaims): Promise<string> {
  const payload = toBase64Url(utf8(JSON.stringify(claims)));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key(secret), utf8(payload)));
  return `${payload}.${toBase64Url(mac)}`;
}

/** The claims of a valid, unexpired token; undefined for anything else (tampered, expired, malformed). */
export async function verifyToken(secret: string, token: string, nowMs: number): Promise<TokenClaims | undefined> {
  const [payload, mac, extra] = token.split(".");
  if (!payload || !mac || extra !== undefined) return undefined;
  const macBytes = fromBase64Url(mac);
  if (!macBytes || !(await crypto.subtle.verify("HMAC", await key(secret), macBytes, utf8(payload)))) return undefined;
  try {
    const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as TokenClaims;
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number" || claims.exp * 1000 <= nowMs) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}
