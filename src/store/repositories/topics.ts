import { and, asc, desc, eq, lt, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { topicMessages, topics, topicSubscribers } from "../schema.js";

export type TopicRow = typeof topics.$inferSelect;
export type TopicMessageRow = typeof topicMessages.$inferSelect;

/** Topics as rooms: settings, membership checks and message history. */
export function topicsRepository(db: HeraldDb) {
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
     * The newest `limit` messages before `before` (ms), oldest first. Messages of the same
     * millisecond (system messages posted one after another) keep the order they were stored in.
     */
    async history(key: string, before: number, limit: number): Promise<TopicMessageRow[]> {
      const rows = await db
        .select()
        .from(topicMessages)
        .where(and(eq(topicMessages.topic, key), lt(topicMessages.createdAt, before)))
        .orderBy(desc(topicMessages.createdAt), desc(sql`${topicMessages}.rowid`))
        .limit(limit)
        .all();
      return rows.reverse();
    },
  };
}
