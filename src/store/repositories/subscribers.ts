import { and, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { subscriberAddresses, subscribers, topicSubscribers } from "../schema.js";
import { copiesStatement, erasureStatements, MESSAGES_STATEMENT, wroteMessages } from "./erasure.js";

export type SubscriberRow = typeof subscribers.$inferSelect;
/** What an upsert may set: fields given overwrite, fields left out stay, `null` clears. */
export type SubscriberFields = Partial<Pick<typeof subscribers.$inferInsert, "name" | "email" | "phone" | "locale" | "timezone" | "data">>;

export function subscribersRepository(db: HeraldDb, write: (items: BatchItem<"sqlite">[]) => Promise<Record<string, unknown>[][]>) {
  // Built once: it runs on every /v1/me call (core/auth/subscriber-access.ts).
  const createdAtQuery = db.select({ createdAt: subscribers.createdAt }).from(subscribers).where(eq(subscribers.id, sql.placeholder("id"))).prepare();
  return {
    /** Creates or updates; fields absent from `input` keep their stored value, `null` clears them. */
    async upsert(id: string, input: SubscriberFields, now: number): Promise<{ row: SubscriberRow; created: boolean }> {
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
    /** When the subscriber was created; undefined when there is none. Checked on every subscriber-token call. */
    async createdAt(id: string): Promise<number | undefined> {
      return (await createdAtQuery.get({ id }))?.createdAt;
    },
    get(id: string): Promise<SubscriberRow | undefined> {
      return db.select().from(subscribers).where(eq(subscribers.id, id)).get();
    },
    async getMany(ids: string[]): Promise<SubscriberRow[]> {
      if (ids.length === 0) return [];
      return db.select().from(subscribers).where(inArray(subscribers.id, ids)).all();
    },
    async topicsOf(id: string): Promise<string[]> {
      const rows = await db.select({ topic: topicSubscribers.topic }).from(topicSubscribers).where(eq(topicSubscribers.subscriberId, id)).all();
      return rows.map((r) => r.topic);
    },
    /**
     * Erases a subscriber (erasure.ts lists what goes and what stays), in one atomic batch. Returns
     * the erased row, or undefined when there was none.
     */
    async erase(id: string, pseudonym: string, now: number): Promise<SubscriberRow | undefined> {
      const existing = await this.get(id);
      if (!existing) return undefined;
      const copies = await wroteMessages(db, id);
      const addresses = (await db.select({ address: subscriberAddresses.address }).from(subscriberAddresses).where(eq(subscriberAddresses.subscriberId, id)).all()).map((r) => r.address);
      const results = await write(erasureStatements(db, { ...existing, addresses }, pseudonym, now, { copies }));
      // A message posted between the look and the batch: its copies are renamed now.
      if (!copies && (results[MESSAGES_STATEMENT]?.length ?? 0) > 0) await write([copiesStatement(db, id, pseudonym)]);
      return existing;
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
