import type { Store } from "../../store/index.js";
import { type TokenClaims, verifyToken } from "./subscriber-token.js";

/**
 * Whether a verified token still speaks for a subscriber who exists: the subscriber named by `sub`
 * must exist and must have been created no later than the token was issued (`iat`). Tokens are
 * stateless HMACs, so this one lookup is what ends them: erasing a subscriber deletes the row (every
 * token of theirs is refused), and a subscriber created again under the same id has a newer
 * `created_at` than any token issued to the erased one. The erasure makes sure of that last part by
 * answering only once the clock has left the millisecond it committed in (core/erasure.ts).
 *
 * One primary-key read of one column, prepared once: ~20 µs on an embedded libSQL file (the HMAC
 * check before it: ~8 µs; bench/erasure.ts). Not cached: a cache per process or isolate would let an erased
 * subscriber's token live on in every process that did not perform the erasure.
 *
 * Tokens without `iat` (issued before Herald wrote it; full tokens live 30 days at most, unsubscribe
 * links 400) are accepted while their subscriber exists, so a subscriber created again under the
 * same id is not protected from those until they expire.
 */
export async function tokenStillValid(store: Pick<Store, "subscribers">, claims: Pick<TokenClaims, "sub" | "iat">): Promise<boolean> {
  const createdAt = await store.subscribers.createdAt(claims.sub);
  if (createdAt === undefined) return false;
  return claims.iat === undefined || claims.iat >= createdAt;
}

/** The claims of a token that is signed, unexpired, and still speaks for an existing subscriber. */
export async function authenticateSubscriber(store: Pick<Store, "subscribers">, tokenKey: string, token: string, nowMs: number): Promise<TokenClaims | undefined> {
  const claims = await verifyToken(tokenKey, token, nowMs);
  if (!claims || !(await tokenStillValid(store, claims))) return undefined;
  return claims;
}
