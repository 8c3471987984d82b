import { and, eq, inArray } from "drizzle-orm";
import type { HeraldDb } from "../db.js";
import { subscriberPreferences, suppressions } from "../schema.js";

/** One preferences document per subscriber; validated by the caller (core/preferences.ts). */
export function preferencesRepository(db: HeraldDb) {
  return {
    async get(subscriberId: string): Promise<unknown | undefined> {
      const row = await db.select({ body: subscriberPreferences.body }).from(subscriberPreferences).where(eq(subscriberPreferences.subscriberId, subscriberId)).get();
      return row?.body;
    },
    async put(subscriberId: string, body: unknown, now: number): Promise<void> {
      await db
        .insert(subscriberPreferences)
        .values({ subscriberId, body, updatedAt: now })
        .onConflictDoUpdate({ target: subscriberPreferences.subscriberId, set: { body, updatedAt: now } });
    },
    async remove(subscriberId: string): Promise<void> {
      await db.delete(subscriberPreferences).where(eq(subscriberPreferences.subscriberId, subscriberId));
    },
  };
}

/** Addresses a provider said can never be reached on a channel (hard bounces, complaints, opt-outs). */
export function suppressionsRepository(db: HeraldDb) {
  return {
    async add(channel: string, entries: { address: string; reason: string }[], now: number): Promise<void> {
      if (entries.length === 0) return;
      await db
        .insert(suppressions)
        .values(entries.map((e) => ({ channel, address: e.address, reason: e.reason.slice(0, 500), createdAt: now })))
        .onConflictDoUpdate({ target: [suppressions.channel, suppressions.address], set: { reason: suppressions.reason } });
    },
    /** The suppression reason for this address, if it has one. */
    async reason(channel: string, address: string): Promise<string | undefined> {
      const row = await db.select({ reason: suppressions.reason }).from(suppressions).where(and(eq(suppressions.channel, channel), eq(suppressions.address, address))).get();
      return row?.reason;
    },
    async list(channel?: string): Promise<(typeof suppressions.$inferSelect)[]> {
      return channel ? db.select().from(suppressions).where(eq(suppressions.channel, channel)).all() : db.select().from(suppressions).all();
    },
    async remove(channel: string, addresses: string[]): Promise<void> {
      if (addresses.length > 0) await db.delete(suppressions).where(and(eq(suppressions.channel, channel), inArray(suppressions.address, addresses)));
    },
  };
}
