import { sha256 } from "@noble/hashes/sha2.js";
import { and, eq, inArray } from "drizzle-orm";
import { toHex, utf8 } from "../../lib/encoding.js";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray } from "../bulk.js";

/** Rows of one multi-row VALUES insert of suppressions (4 bound values each). */
const ROWS_PER_VALUES_INSERT = 20;
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

/**
 * How a suppression is kept once the person it belonged to is erased: `sha256:<hex>` of the address,
 * trimmed and lower-cased. Keeping the suppression is a legitimate interest (GDPR art. 17(3)(b) and
 * 21(3): an objection to marketing must be honoured after erasure, or the address is mailed again
 * the day someone re-enters it). A hash keeps only what that needs: whoever holds an address can
 * test it against the list, which is the list's purpose; no one can read addresses back from it. Not
 * keyed: the only key Herald could use lives in the same database, so it would add nothing against a
 * stolen copy of it. Hashed with @noble/hashes (synchronous, ~2 µs; WebCrypto's digest is async and
 * costs a thread hop on Node) since every send with an address looks it up.
 */
export function suppressionKey(address: string): string {
  return `sha256:${toHex(sha256(utf8(address.trim().toLowerCase())))}`;
}

/** Addresses a provider said can never be reached on a channel (hard bounces, complaints, opt-outs). */
export function suppressionsRepository(db: HeraldDb) {
  return {
    async add(channel: string, entries: { address: string; reason: string }[], now: number): Promise<void> {
      // Four bound values a row: chunks keep each statement within D1's 100 parameters.
      for (const part of chunks(entries, ROWS_PER_VALUES_INSERT)) {
        await db
          .insert(suppressions)
          .values(part.map((e) => ({ channel, address: e.address, reason: e.reason.slice(0, 500), createdAt: now })))
          .onConflictDoUpdate({ target: [suppressions.channel, suppressions.address], set: { reason: suppressions.reason } });
      }
    },
    /** The suppression reason for this address (as written, or hashed by an erasure), if it has one. */
    async reason(channel: string, address: string): Promise<string | undefined> {
      const row = await db
        .select({ reason: suppressions.reason })
        .from(suppressions)
        .where(and(eq(suppressions.channel, channel), inArray(suppressions.address, [address, suppressionKey(address)])))
        .get();
      return row?.reason;
    },
    async list(channel?: string): Promise<(typeof suppressions.$inferSelect)[]> {
      return channel ? db.select().from(suppressions).where(eq(suppressions.channel, channel)).all() : db.select().from(suppressions).all();
    },
    /** Lifts suppressions of these addresses, also the hashed form an erasure leaves (suppressionKey). */
    async lift(channel: string, address: string): Promise<void> {
      await db.delete(suppressions).where(and(eq(suppressions.channel, channel), inArray(suppressions.address, [address, suppressionKey(address)])));
    },
    async remove(channel: string, addresses: string[]): Promise<void> {
      for (const part of chunks(addresses)) await db.delete(suppressions).where(and(eq(suppressions.channel, channel), inJsonArray(suppressions.address, part)));
    },
  };
}
