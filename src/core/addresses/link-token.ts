import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { fromBase64Url, randomBytes, timingSafeEqualBytes, toBase64Url, utf8 } from "../../lib/encoding.js";

/**
 * Address-link tokens: what a deep link carries so a subscriber can prove an address (Telegram's
 * `t.me/<bot>?start=<token>`). Telegram allows 64 characters of `[A-Za-z0-9_-]` there, and a
 * subscriber id may be 128, so the token cannot hold the id: it holds a random nonce (stored with
 * the subscriber it was issued for), its expiry, and a MAC binding both to the channel and that
 * subscriber. 12 + 4 + 16 bytes = 43 base64url characters.
 */
const NONCE_BYTES = 12;
const MAC_BYTES = 16;
const TOKEN_BYTES = NONCE_BYTES + 4 + MAC_BYTES;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface LinkToken {
  token: string;
  /** base64url of the nonce: the stored row's key. */
  nonce: string;
  /** Epoch milliseconds (whole seconds). */
  expiresAt: number;
}

function mac(secret: string, channel: string, nonce: Uint8Array, expSeconds: number, subscriberId: string): Uint8Array {
  const key = fromBase64Url(secret) ?? utf8(secret);
  const message = utf8(`herald-address-link\u0000${channel}\u0000${toBase64Url(nonce)}\u0000${expSeconds}\u0000${subscriberId}`);
  return hmac(sha256, key, message).subarray(0, MAC_BYTES);
}

/** A fresh token for `subscriberId` on `channel`, valid `ttlSeconds` from `nowMs`. */
export function issueLinkToken(secret: string, channel: string, subscriberId: string, nowMs: number, ttlSeconds: number): LinkToken {
  const nonce = randomBytes(NONCE_BYTES);
  const exp = Math.floor(nowMs / 1000) + ttlSeconds;
  const bytes = new Uint8Array(TOKEN_BYTES);
  bytes.set(nonce, 0);
  new DataView(bytes.buffer).setUint32(NONCE_BYTES, exp);
  bytes.set(mac(secret, channel, nonce, exp, subscriberId), NONCE_BYTES + 4);
  return { token: toBase64Url(bytes), nonce: toBase64Url(nonce), expiresAt: exp * 1000 };
}

/** The parts of a well-formed token, or undefined (wrong length or alphabet). Not yet verified. */
export function parseLinkToken(token: string): { nonce: string; expiresAt: number; check(secret: string, channel: string, subscriberId: string): boolean } | undefined {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const bytes = fromBase64Url(token);
  if (!bytes || bytes.length !== TOKEN_BYTES) return undefined;
  const nonce = bytes.subarray(0, NONCE_BYTES);
  const exp = new DataView(bytes.buffer, bytes.byteOffset).getUint32(NONCE_BYTES);
  const given = bytes.subarray(NONCE_BYTES + 4);
  return {
    nonce: toBase64Url(nonce),
    expiresAt: exp * 1000,
    check: (secret, channel, subscriberId) => timingSafeEqualBytes(given, mac(secret, channel, nonce, exp, subscriberId)),
  };
}
