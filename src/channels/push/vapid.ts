import webPush from "web-push";

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
 */
export function vapidHeaderCache(identity: () => VapidIdentity) {
  const cache = new Map<string, { header: string; expiresAt: number; minted: number }>();
  let minted = 0;
  return {
    /** The header for messages to endpoints of this origin (the JWT's audience). */
    headerFor(audience: string, nowMs: number): string {
      const now = Math.floor(nowMs / 1000);
      const hit = cache.get(audience);
      if (hit && hit.expiresAt - RENEW_BEFORE_S > now) return hit.header;
      const { publicKey, privateKey, subject } = identity();
      const expiresAt = now + VAPID_JWT_LIFETIME_S;
      const header = webPush.getVapidHeaders(audience, subject, publicKey, privateKey, "aes128gcm", expiresAt).Authorization;
      cache.set(audience, { header, expiresAt, minted: ++minted });
      return header;
    },
    /** How many JWTs were signed so far (for tests and benches). */
    minted: () => minted,
  };
}
