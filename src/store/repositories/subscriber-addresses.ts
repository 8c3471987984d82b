import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { HeraldDb } from "../db.js";
import { addressLinks, subscriberAddresses } from "../schema.js";

/**
 * Addresses channels declare (`address: {field}` in a channel declaration: a Telegram chat id),
 * kept apart from the subscriber's fixed columns so a new channel needs no migration, and the
 * outstanding links that let a subscriber prove one (a deep link's start token).
 */
export function subscriberAddressesRepository(db: HeraldDb) {
  return {
    /** A subscriber's declared addresses, by field. */
    async of(subscriberId: string): Promise<Record<string, string>> {
      const rows = await db.select({ field: subscriberAddresses.field, address: subscriberAddresses.address }).from(subscriberAddresses).where(eq(subscriberAddresses.subscriberId, subscriberId)).all();
      return Object.fromEntries(rows.map((r) => [r.field, r.address]));
    },
    /** Sets (a string) or clears (`null`) some of a subscriber's addresses; fields not named stay. */
    async set(subscriberId: string, values: Record<string, string | null>, now: number): Promise<void> {
      const entries = Object.entries(values);
      const cleared = entries.filter(([, v]) => v === null).map(([k]) => k);
      const kept = entries.filter((e): e is [string, string] => typeof e[1] === "string");
      if (cleared.length > 0) await db.delete(subscriberAddresses).where(and(eq(subscriberAddresses.subscriberId, subscriberId), inArray(subscriberAddresses.field, cleared)));
      if (kept.length > 0) {
        await db
          .insert(subscriberAddresses)
          .values(kept.map(([field, address]) => ({ subscriberId, field, address, updatedAt: now })))
          .onConflictDoUpdate({ target: [subscriberAddresses.subscriberId, subscriberAddresses.field], set: { address: sql`excluded.address`, updatedAt: now } });
      }
    },
    /**
     * Replaces `from` with `to` in `field` for every subscriber who has `from` there (one statement,
     * by the (field, address) index); the subscribers moved.
     */
    async move(field: string, from: string, to: string, now: number): Promise<string[]> {
      const rows = await db
        .update(subscriberAddresses)
        .set({ address: to, updatedAt: now })
        .where(and(eq(subscriberAddresses.field, field), eq(subscriberAddresses.address, from)))
        .returning({ subscriberId: subscriberAddresses.subscriberId })
        .all();
      return rows.map((r) => r.subscriberId);
    },
    /** Records a link's nonce for a subscriber on a channel, replacing the one issued before (one outstanding link each). */
    async putLink(channel: string, subscriberId: string, nonce: string, expiresAt: number): Promise<void> {
      await db
        .insert(addressLinks)
        .values({ nonce, channel, subscriberId, expiresAt })
        .onConflictDoUpdate({ target: [addressLinks.subscriberId, addressLinks.channel], set: { nonce, expiresAt } });
    },
    /** The subscriber a link was issued for, without using it up. */
    async peekLink(channel: string, nonce: string): Promise<{ subscriberId: string; expiresAt: number } | undefined> {
      const row = await db
        .select({ subscriberId: addressLinks.subscriberId, expiresAt: addressLinks.expiresAt })
        .from(addressLinks)
        .where(and(eq(addressLinks.nonce, nonce), eq(addressLinks.channel, channel)))
        .get();
      return row ?? undefined;
    },
    /** Takes (deletes) a link: single use. Undefined when there is none for this channel. */
    async takeLink(channel: string, nonce: string): Promise<{ subscriberId: string; expiresAt: number } | undefined> {
      const row = await db
        .delete(addressLinks)
        .where(and(eq(addressLinks.nonce, nonce), eq(addressLinks.channel, channel)))
        .returning({ subscriberId: addressLinks.subscriberId, expiresAt: addressLinks.expiresAt })
        .get();
      return row ?? undefined;
    },
    /** Forgets links past their expiry (housekeeping). */
    async deleteExpiredLinks(now: number): Promise<void> {
      await db.delete(addressLinks).where(lte(addressLinks.expiresAt, now));
    },
  };
}
