import { and, eq, inArray } from "drizzle-orm";
import type { SubscriberInput } from "../../core/schemas/subscriber.js";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray } from "../bulk.js";
import { deliveries, notifications, subscribers, topicSubscribers } from "../schema.js";

export type SubscriberRow = typeof subscribers.$inferSelect;

export function subscribersRepository(db: HeraldDb, write: (items: BatchItem<"sqlite">[]) => Promise<unknown>) {
  return {
    /** Creates or updates; fields absent from `input` keep their stored value, `null` clears them. */
    async upsert(id: string, input: SubscriberInput, now: number): Promise<{ row: SubscriberRow; created: boolean }> {
      const fields = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
      const existing = await db.select({ id: subscribers.id }).from(subscribers).where(eq(subscribers.id, id)).get();
      const row = await db
        .insert(subscribers)
        .values({ id, ...fields, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: subscribers.id, set: { ...fields, updatedAt: now } })
        .returning()
        .get();
      return { row, created: !existing };
    },
    get(id: string): Promise<SubscriberRow | undefined> {
      return db.select().from(subscribers).where(eq(subscribers.id, id)).get();
    },
    async getMany(ids: string[]): Promise<SubscriberRow[]> {
      const rows: SubscriberRow[] = [];
      for (const part of chunks(ids)) rows.push(...(await db.select().from(subscribers).where(inJsonArray(subscribers.id, part)).all()));
      return rows;
    },
    async topicsOf(id: string): Promise<string[]> {
      const rows = await db.select({ topic: topicSubscribers.topic }).from(topicSubscribers).where(eq(topicSubscribers.subscriberId, id)).all();
      return rows.map((r) => r.topic);
    },
    /**
     * Erases a subscriber's personal data and memberships. Notifications and deliveries stay (ids only,
     * no personal data) so delivery counts and event histories remain true.
     */
    async erase(id: string): Promise<boolean> {
      const existing = await this.get(id);
      if (!existing) return false;
      await write([
        db.delete(topicSubscribers).where(eq(topicSubscribers.subscriberId, id)),
        db.delete(subscribers).where(eq(subscribers.id, id)),
        // Pending work for someone who asked to be forgotten must not go out.
        db
          .update(deliveries)
          .set({ status: "cancelled", lastError: "subscriber erased" })
          .where(
            and(
              inArray(deliveries.status, ["pending", "waiting"]),
              inArray(deliveries.notificationId, db.select({ id: notifications.id }).from(notifications).where(eq(notifications.subscriberId, id))),
            ),
          ),
      ]);
      return true;
    },
    async subscribe(topic: string, subscriberId: string, now: number): Promise<void> {
      await db.insert(topicSubscribers).values({ topic, subscriberId, createdAt: now }).onConflictDoNothing();
    },
    async unsubscribe(topic: string, subscriberId: string): Promise<boolean> {
      const gone = await db
        .delete(topicSubscribers)
        .where(and(eq(topicSubscribers.topic, topic), eq(topicSubscribers.subscriberId, subscriberId)))
        .returning()
        .all();
      return gone.length > 0;
    },
    /** Every subscriber's id: the audience of a broadcast to everyone. */
    async allIds(): Promise<string[]> {
      return (await db.select({ id: subscribers.id }).from(subscribers).all()).map((r) => r.id);
    },
    async members(topic: string): Promise<string[]> {
      const rows = await db.select({ id: topicSubscribers.subscriberId }).from(topicSubscribers).where(eq(topicSubscribers.topic, topic)).all();
      return rows.map((r) => r.id);
    },
  };
}
