import { randomBytes, sha256Hex, timingSafeEqual, toBase64Url } from "../../lib/encoding.js";

/** A new server API key: 32 random bytes, prefixed so it is recognisable in a leaked-secrets scan. */
export function generateApiKey(): string {
  return `hk_${toBase64Url(randomBytes(32))}`;
}

/** Only the SHA-256 of a key is kept; a high-entropy key needs no slow hash. */
export const hashApiKey = sha256Hex;

export async function apiKeyMatches(presented: string, storedHash: string): Promise<boolean> {
  return timingSafeEqual(await hashApiKey(presented), storedHash);
}
