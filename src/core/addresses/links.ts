import type { Store } from "../../store/index.js";
import type { Clock } from "../clock.js";
import type { AddressServices } from "../channels/services.js";
import { issueLinkToken, parseLinkToken } from "./link-token.js";

/** Default life of an address link: long enough to open the app and tap Start, short enough to be worthless when leaked. */
export const DEFAULT_LINK_TTL_SECONDS = 15 * 60;

/**
 * Declared addresses as channels record them. Address links: issued for a subscriber by the API key
 * (`POST /v1/subscribers/{id}/links/{channel}`), redeemed by the channel's webhook when the provider
 * reports the user followed it (Telegram's
 * `/start <token>`). Redeeming records the address under the channel's declared field and lifts a
 * suppression of it: someone who blocked the bot and links again wants messages again. Moves: the
 * provider reports that an address now lives elsewhere (a Telegram group upgraded to a supergroup).
 */
export function createAddressLinks(deps: { store: Store; clock: Clock; secret: string; fieldOf(channelId: string): { field: string; check(address: string): boolean } | undefined }) {
  const { store, clock, secret } = deps;
  return {
    /** A token for the channel's deep link; replaces the subscriber's previous one on that channel. */
    async issue(channelId: string, subscriberId: string, ttlSeconds = DEFAULT_LINK_TTL_SECONDS): Promise<{ token: string; expiresAt: number }> {
      const issued = issueLinkToken(secret, channelId, subscriberId, clock.now(), ttlSeconds);
      await store.subscriberAddresses.putLink(channelId, subscriberId, issued.nonce, issued.expiresAt);
      return { token: issued.token, expiresAt: issued.expiresAt };
    },
    service: {
      async link(channelId, token, address) {
        const declared = deps.fieldOf(channelId);
        if (!declared) return { ok: false, reason: "invalid" };
        if (!declared.check(address)) return { ok: false, reason: "invalid_address" };
        const parsed = parseLinkToken(token);
        if (!parsed) return { ok: false, reason: "invalid" };
        // Expiry is in the signed token: a stale one is refused without touching the store.
        if (parsed.expiresAt <= clock.now()) return { ok: false, reason: "expired" };
        // Checked before it is used up: a forged token naming a real nonce must not spend the real one.
        const issued = await store.subscriberAddresses.peekLink(channelId, parsed.nonce);
        if (!issued || !parsed.check(secret, channelId, issued.subscriberId)) return { ok: false, reason: "invalid" };
        const row = await store.subscriberAddresses.takeLink(channelId, parsed.nonce);
        // Taken by a concurrent redemption of the same token: single use.
        if (!row || row.subscriberId !== issued.subscriberId) return { ok: false, reason: "invalid" };
        if (row.expiresAt <= clock.now()) return { ok: false, reason: "expired" };
        // The subscriber may have been erased since (erasure deletes their links, but a race is cheap to close).
        if ((await store.subscribers.createdAt(row.subscriberId)) === undefined) return { ok: false, reason: "invalid" };
        await store.subscriberAddresses.set(row.subscriberId, { [declared.field]: address }, clock.now());
        await store.suppressions.lift(channelId, address);
        return { ok: true, subscriberId: row.subscriberId };
      },
      async moved(channelId, from, to) {
        const declared = deps.fieldOf(channelId);
        if (!declared || !declared.check(to)) return { ok: false, reason: "invalid_address" };
        if (from === to) return { ok: true, subscribers: 0 };
        const moved = await store.subscriberAddresses.move(declared.field, from, to, clock.now());
        return { ok: true, subscribers: moved.length };
      },
    } satisfies AddressServices,
  };
}
