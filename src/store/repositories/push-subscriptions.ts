import { and, eq, sql } from "drizzle-orm";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray } from "../bulk.js";
import { notificationClicks, notifications, pushSubscriptions } from "../schema.js";

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

/** Browsers' push subscriptions (several per subscriber, one row per endpoint) and notification clicks. */
export function pushSubscriptionsRepository(db: HeraldDb) {
  return {
    /** Stores or moves a subscription: the endpoint names the browser, the latest registration owns it. */
    async upsert(row: { endpoint: string; subscriberId: string; p256dh: string; auth: string; expirationTime: number | null }, now: number): Promise<PushSubscriptionRow> {
      const { endpoint, ...fields } = row;
      return db
        .insert(pushSubscriptions)
        .values({ endpoint, ...fields, createdAt: now })
        .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: { ...fields, createdAt: now, lastSuccessAt: null } })
        .returning()
        .get();
    },
    /** Removes a subscription only if it belongs to this subscriber; true when one was removed. */
    async removeOwn(subscriberId: string, endpoint: string): Promise<boolean> {
      const rows = await db
        .delete(pushSubscriptions)
        .where(and(eq(pushSubscriptions.endpoint, endpoint), eq(pushSubscriptions.subscriberId, subscriberId)))
        .returning({ endpoint: pushSubscriptions.endpoint })
        .all();
      return rows.length > 0;
    },
    async remove(endpoint: string): Promise<void> {
      await db.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, endpoint));
    },
    /** The subscriptions of many subscribers in one query (each subscriber present, with none or more). */
    async ofMany(subscriberIds: string[]): Promise<Map<string, PushSubscriptionRow[]>> {
      const out = new Map<string, PushSubscriptionRow[]>(subscriberIds.map((id) => [id, []]));
      for (const part of chunks(subscriberIds)) {
        for (const row of await db.select().from(pushSubscriptions).where(inJsonArray(pushSubscriptions.subscriberId, part)).all()) out.get(row.subscriberId)?.push(row);
      }
      return out;
    },
    of(subscriberId: string): Promise<PushSubscriptionRow[]> {
      return db.select().from(pushSubscriptions).where(eq(pushSubscriptions.subscriberId, subscriberId)).all();
    },
    async succeeded(endpoints: string[], now: number): Promise<void> {
      for (const part of chunks(endpoints)) await db.update(pushSubscriptions).set({ lastSuccessAt: now }).where(inJsonArray(pushSubscriptions.endpoint, part));
    },
    /**
     * Records the first click on one of the subscriber's notifications (a click is also a sighting,
     * so seen_at is set if it was not). Undefined when the notification is not theirs.
     */
    /**
     * Records the first click on one of the subscriber's notifications, which also marks it seen.
     * Undefined when the notification is not theirs; `seenAt` is its seen time now (`now` when this click was its first sight).
     */
    async click(subscriberId: string, notificationId: string, action: string | null, now: number): Promise<{ clickedAt: number; seenAt: number } | undefined> {
      const owned = await db
        .update(notifications)
        .set({ seenAt: sql`COALESCE(${notifications.seenAt}, ${now})` })
        .where(and(eq(notifications.id, notificationId), eq(notifications.subscriberId, subscriberId)))
        .returning({ seenAt: notifications.seenAt })
        .get();
      if (!owned) return undefined;
      await db.insert(notificationClicks).values({ notificationId, subscriberId, action, clickedAt: now }).onConflictDoNothing();
      const row = await db.select().from(notificationClicks).where(eq(notificationClicks.notificationId, notificationId)).get();
      return { clickedAt: row!.clickedAt, seenAt: owned.seenAt! };
    },
    /**
     * Marks one of the subscriber's notifications seen or read directly, for notifications that
     * reached them only by push (no inbox row). Undefined when the notification is not theirs.
     */
    async markNotification(subscriberId: string, notificationId: string, what: "seen" | "read", now: number): Promise<{ seenAt: number | null; readAt: number | null } | undefined> {
      const set = what === "seen" ? { seenAt: sql`COALESCE(${notifications.seenAt}, ${now})` } : { seenAt: sql`COALESCE(${notifications.seenAt}, ${now})`, readAt: sql`COALESCE(${notifications.readAt}, ${now})` };
      return db
        .update(notifications)
        .set(set)
        .where(and(eq(notifications.id, notificationId), eq(notifications.subscriberId, subscriberId)))
        .returning({ seenAt: notifications.seenAt, readAt: notifications.readAt })
        .get();
    },
    async clickOf(notificationId: string): Promise<typeof notificationClicks.$inferSelect | undefined> {
      return db.select().from(notificationClicks).where(eq(notificationClicks.notificationId, notificationId)).get();
    },
  };
}
