import { and, asc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray } from "../bulk.js";
import { deliveries, notifications, subscriberAddresses, subscribers, topicSubscribers } from "../schema.js";
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
      const rows: SubscriberRow[] = [];
      for (const part of chunks(ids)) rows.push(...(await db.select().from(subscribers).where(inJsonArray(subscribers.id, part)).all()));
      return rows;
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
    /**
     * Where to cut the next `page` members (after `after`, in id order) into parts of `every`: the
     * id ending each part, the last one included, read in one query that returns page/every rows.
     * `topic` null reads every subscriber (a broadcast to everyone). `full`: the page was full, so
     * more may follow the last bound.
     */
    async audienceBounds(topic: string | null, after: string, page: number, every: number): Promise<{ bounds: string[]; full: boolean }> {
      // Integers written into the SQL: bound from D1 they arrive as reals, and rn % 100.0 is not a number to compare.
      const limit = sql.raw(String(Math.floor(page)));
      const step = sql.raw(String(Math.floor(every)));
      const source = topic === null ? sql`SELECT id FROM subscribers WHERE id > ${after} ORDER BY id LIMIT ${limit}` : sql`SELECT subscriber_id AS id FROM topic_subscribers WHERE topic = ${topic} AND subscriber_id > ${after} ORDER BY subscriber_id LIMIT ${limit}`;
      const rows = await db.all<{ id: string; total: number }>(
        sql`SELECT id, total FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn, count(*) OVER () AS total FROM (${source})) WHERE rn % ${step} = 0 OR rn = total ORDER BY rn`,
      );
      return { bounds: rows.map((r) => r.id), full: rows.length > 0 && Number(rows[0]!.total) >= page };
    },
    /** Up to `limit` members with after < id <= upto (upto undefined: no end), in id order; `topic` null: every subscriber. */
    async audienceRange(topic: string | null, after: string, upto: string | undefined, limit: number): Promise<string[]> {
      if (topic === null) {
        const rows = await db
          .select({ id: subscribers.id })
          .from(subscribers)
          .where(and(gt(subscribers.id, after), upto === undefined ? undefined : lte(subscribers.id, upto)))
          .orderBy(asc(subscribers.id))
          .limit(limit)
          .all();
        return rows.map((r) => r.id);
      }
      const rows = await db
        .select({ id: topicSubscribers.subscriberId })
        .from(topicSubscribers)
        .where(and(eq(topicSubscribers.topic, topic), gt(topicSubscribers.subscriberId, after), upto === undefined ? undefined : lte(topicSubscribers.subscriberId, upto)))
        .orderBy(asc(topicSubscribers.subscriberId))
        .limit(limit)
        .all();
      return rows.map((r) => r.id);
    },
    async members(topic: string): Promise<string[]> {
      const rows = await db.select({ id: topicSubscribers.subscriberId }).from(topicSubscribers).where(eq(topicSubscribers.topic, topic)).all();
      return rows.map((r) => r.id);
    },
  };
}
