import { importVapidKey, signVapidJwt, vapidAuthorization } from "../../lib/vapid-jwt.js";

/** VAPID JWTs live 12 h (RFC 8292 allows 24 h) and are renewed an hour before they run out. */
export const VAPID_JWT_LIFETIME_S = 12 * 3600;
const RENEW_BEFORE_S = 3600;

export interface VapidIdentity {
  publicKey: string;
  privateKey: string;
  subject: string;
}

/**
 * `Authorization: vapid t=…, k=…` per push-service origin, signed once and reused for its lifetime.
 * `web-push`'s `generateRequestDetails` would sign a fresh ES256 JWT for every message; at broadcast
 * rates that signature is a cost of its own, and push services accept the same token repeatedly.
 * Concurrent sends to one origin share one signature (the pending one is cached), and the imported
 * key is kept while the identity's key pair stays the same.
 */
export function vapidHeaderCache(identity: () => VapidIdentity) {
  const cache = new Map<string, { header: Promise<string>; expiresAt: number }>();
  let key: { publicKey: string; privateKey: string; key: Promise<CryptoKey> } | undefined;
  let minted = 0;
  const signingKey = (publicKey: string, privateKey: string) => {
    if (key?.publicKey !== publicKey || key.privateKey !== privateKey) key = { publicKey, privateKey, key: importVapidKey(publicKey, privateKey) };
    return key.key;
  };
  return {
    /** The header for messages to endpoints of this origin (the JWT's audience). */
    headerFor(audience: string, nowMs: number): Promise<string> {
      const now = Math.floor(nowMs / 1000);
      const hit = cache.get(audience);
      if (hit && hit.expiresAt - RENEW_BEFORE_S > now) return hit.header;
      const { publicKey, privateKey, subject } = identity();
      const expiresAt = now + VAPID_JWT_LIFETIME_S;
      minted++;
      const header = signingKey(publicKey, privateKey)
        .then((k) => signVapidJwt(k, { aud: audience, exp: expiresAt, sub: subject }))
        .then((jwt) => vapidAuthorization(jwt, publicKey));
      const entry = { header, expiresAt };
      cache.set(audience, entry);
      // A failed signature is not kept: the next message tries again.
      header.catch(() => {
        if (cache.get(audience) === entry) cache.delete(audience);
        if (key?.publicKey === publicKey) key = undefined;
      });
      return header;
    },
    /** How many JWTs were signed so far (for tests and benches). */
    minted: () => minted,
  };
}
