import { and, asc, count, eq, gt, inArray, isNull, ne, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { inbox, type InboxItemType } from "../schema.js";

export type InboxRow = typeof inbox.$inferSelect;

export interface InboxAppend {
  subscriberId: string;
  id: string;
  type: InboxItemType;
  topic?: string | null;
  title?: string | null;
  body?: string | null;
  url?: string | null;
  data?: Record<string, unknown> | null;
  senderId?: string | null;
  senderName?: string | null;
  clientMessageId?: string | null;
  createdAt: number;
}

/** Each subscriber's stream: items with a per-subscriber `seq` that only grows. */
export function inboxRepository(db: HeraldDb) {
  return {
    /**
     * Appends items; the seq is computed inside the INSERT (SQLite runs one writer at a time, so two
     * appends never get the same seq). An item already in that inbox is left as it is (retries).
     */
    appendStatements(items: InboxAppend[]): BatchItem<"sqlite">[] {
      return items.map((i) =>
        db.run(sql`INSERT INTO inbox (subscriber_id, seq, id, type, topic, title, body, url, data, sender_id, sender_name, client_message_id, created_at)
          SELECT ${i.subscriberId}, COALESCE(MAX(seq), 0) + 1, ${i.id}, ${i.type}, ${i.topic ?? null}, ${i.title ?? null}, ${i.body ?? null}, ${i.url ?? null},
            ${i.data ? JSON.stringify(i.data) : null}, ${i.senderId ?? null}, ${i.senderName ?? null}, ${i.clientMessageId ?? null}, ${i.createdAt}
          FROM inbox WHERE subscriber_id = ${i.subscriberId}
          ON CONFLICT DO NOTHING`),
      );
    },
    /** The stored rows for (subscriber, item id) pairs, to learn the seq each append got. */
    async find(pairs: { subscriberId: string; id: string }[]): Promise<InboxRow[]> {
      if (pairs.length === 0) return [];
      const ids = [...new Set(pairs.map((p) => p.id))];
      const rows = await db.select().from(inbox).where(inArray(inbox.id, ids)).all();
      const wanted = new Set(pairs.map((p) => `${p.subscriberId}\u0000${p.id}`));
      return rows.filter((r) => wanted.has(`${r.subscriberId}\u0000${r.id}`));
    },
    async page(subscriberId: string, after: number, limit: number): Promise<InboxRow[]> {
      return db.select().from(inbox).where(and(eq(inbox.subscriberId, subscriberId), gt(inbox.seq, after))).orderBy(asc(inbox.seq)).limit(limit).all();
    },
    async get(subscriberId: string, id: string): Promise<InboxRow | undefined> {
      return db.select().from(inbox).where(and(eq(inbox.subscriberId, subscriberId), eq(inbox.id, id))).get();
    },
    /** Sets seen (and, for read, also seen) once; returns the row as it is afterwards. */
    async mark(subscriberId: string, id: string, what: "seen" | "read", now: number): Promise<InboxRow | undefined> {
      const set = what === "read" ? { readAt: sql`COALESCE(${inbox.readAt}, ${now})`, seenAt: sql`COALESCE(${inbox.seenAt}, ${now})` } : { seenAt: sql`COALESCE(${inbox.seenAt}, ${now})` };
      return db.update(inbox).set(set).where(and(eq(inbox.subscriberId, subscriberId), eq(inbox.id, id))).returning().get();
    },
    async markAllRead(subscriberId: string, now: number): Promise<InboxRow[]> {
      return db
        .update(inbox)
        .set({ readAt: now, seenAt: sql`COALESCE(${inbox.seenAt}, ${now})` })
        .where(and(eq(inbox.subscriberId, subscriberId), isNull(inbox.readAt)))
        .returning()
        .all();
    },
    /** Items not read, not counting the subscriber's own room messages. */
    async unreadCount(subscriberId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(inbox)
        .where(and(eq(inbox.subscriberId, subscriberId), isNull(inbox.readAt), or(isNull(inbox.senderId), ne(inbox.senderId, subscriberId))))
        .all();
      return row?.n ?? 0;
    },
    /** Marks rows delivered (reached a connection); returns those that were not delivered before. */
    async markDelivered(subscriberId: string, seqs: number[], now: number): Promise<InboxRow[]> {
      if (seqs.length === 0) return [];
      return db
        .update(inbox)
        .set({ deliveredAt: now })
        .where(and(eq(inbox.subscriberId, subscriberId), inArray(inbox.seq, seqs), isNull(inbox.deliveredAt)))
        .returning()
        .all();
    },
  };
}
