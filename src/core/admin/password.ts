import { fromHex, randomBytes, timingSafeEqual, toBase64Url, toHex, utf8 } from "../../lib/encoding.js";

/** PBKDF2-SHA256 rounds: the most Cloudflare Workers' WebCrypto allows, so one hash works on every runtime. */
export const PBKDF2_ITERATIONS = 100_000;

/** A new admin password: 18 random bytes, typeable (base64url). */
export function generateAdminPassword(): string {
  return toBase64Url(randomBytes(18));
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
  return toHex(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
}

/**
 * Hashes a password for storage as `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`.
 * @example await verifyPassword("secret", await hashPassword("secret")) // true
 */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = randomBytes(16);
  return `pbkdf2-sha256$${iterations}$${toHex(salt)}$${await derive(password, salt, iterations)}`;
}

/** Checks a password against a stored hash; the final comparison takes the same time wherever the digests differ. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, rounds, saltHex, hash] = stored.split("$");
  const salt = saltHex === undefined ? undefined : fromHex(saltHex);
  const iterations = Number(rounds);
  if (scheme !== "pbkdf2-sha256" || !salt || !hash || !Number.isInteger(iterations) || iterations < 1) return false;
  return timingSafeEqual(await derive(password, salt, iterations), hash);
}
