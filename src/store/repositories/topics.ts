import { and, asc, desc, eq, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { topicMessages, topics, topicSubscribers } from "../schema.js";

export type TopicRow = typeof topics.$inferSelect;
export type TopicMessageRow = typeof topicMessages.$inferSelect;

/** Topics as rooms: settings, membership checks and message history. */
export function topicsRepository(db: HeraldDb) {
  /** Messages older than a message of the room: earlier in time, or in its millisecond and stored before it; undefined when the room has no such message. */
  async function olderThanMessage(key: string, messageId: string): Promise<SQL | undefined> {
    const from = await db
      .select({ at: topicMessages.createdAt, row: sql<number>`${topicMessages}.rowid` })
      .from(topicMessages)
      .where(and(eq(topicMessages.id, messageId), eq(topicMessages.topic, key)))
      .get();
    // The bound on created_at alone keeps the walk on the (topic, created_at) index.
    return from && and(lte(topicMessages.createdAt, from.at), or(lt(topicMessages.createdAt, from.at), sql`${topicMessages}.rowid < ${from.row}`));
  }
  return {
    async put(key: string, input: { name?: string | null; allowMemberMessages?: boolean }, now: number): Promise<TopicRow> {
      const fields = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
      return db
        .insert(topics)
        .values({ key, ...fields, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: topics.key, set: { ...fields, updatedAt: now } })
        .returning()
        .get();
    },
    get(key: string): Promise<TopicRow | undefined> {
      return db.select().from(topics).where(eq(topics.key, key)).get();
    },
    async isMember(key: string, subscriberId: string): Promise<boolean> {
      const row = await db
        .select({ t: topicSubscribers.topic })
        .from(topicSubscribers)
        .where(and(eq(topicSubscribers.topic, key), eq(topicSubscribers.subscriberId, subscriberId)))
        .get();
      return row !== undefined;
    },
    /** Rooms a subscriber belongs to, with their settings where set. */
    async of(subscriberId: string): Promise<{ key: string; name: string | null; allowMessages: boolean }[]> {
      const rows = await db
        .select({ key: topicSubscribers.topic, name: topics.name, allow: topics.allowMemberMessages })
        .from(topicSubscribers)
        .leftJoin(topics, eq(topics.key, topicSubscribers.topic))
        .where(eq(topicSubscribers.subscriberId, subscriberId))
        .orderBy(asc(topicSubscribers.topic))
        .all();
      return rows.map((r) => ({ key: r.key, name: r.name ?? null, allowMessages: r.allow ?? false }));
    },
    /** Inserts a message unless its id exists; its result has a row only when it was inserted. */
    insertMessageStatement(row: typeof topicMessages.$inferInsert): BatchItem<"sqlite"> {
      return db.insert(topicMessages).values(row).onConflictDoNothing().returning({ id: topicMessages.id });
    },
    getMessage(id: string): Promise<TopicMessageRow | undefined> {
      return db.select().from(topicMessages).where(eq(topicMessages.id, id)).get();
    },
    /**
     * The newest `limit` messages before a point, oldest first. The point is a time (ms), or a
     * message of the room: messages of one millisecond (system messages posted one after another)
     * keep the order they were stored in, and paging from a message continues inside its
     * millisecond where paging by its time would skip the rest of it. Undefined when the message
     * is not one of the room's.
     */
    async history(key: string, before: number | { messageId: string }, limit: number): Promise<TopicMessageRow[] | undefined> {
      const older = typeof before === "number" ? lt(topicMessages.createdAt, before) : await olderThanMessage(key, before.messageId);
      if (!older) return undefined;
      const rows = await db
        .select()
        .from(topicMessages)
        .where(and(eq(topicMessages.topic, key), older))
        .orderBy(desc(topicMessages.createdAt), desc(sql`${topicMessages}.rowid`))
        .limit(limit)
        .all();
      return rows.reverse();
    },
  };
}
