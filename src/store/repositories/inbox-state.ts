import { and, asc, desc, eq, gt, isNotNull, isNull, lt, lte, ne, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { getTableColumns } from "drizzle-orm";
import { chunks, type HeraldDb } from "../db.js";
import { inbox, inboxArchive, type InboxItemType, topicMessageReceipts } from "../schema.js";
import { type DeliveredRow, type InboxRow, withMessageText, withSenderMessageIds } from "./inbox.js";

/** An inbox row with its archive mark. */
export type ListedRow = InboxRow & { archivedAt: number | null };

export interface ListFilter {
  /** Oldest first, after this seq. */
  after?: number;
  /** Newest first, before this seq (infinite scroll back through the inbox). */
  before?: number;
  limit: number;
  type?: InboxItemType;
  /** true: only unread (one's own room messages never are); false: only read. */
  unread?: boolean;
  /** true: only archived; false: only not archived; absent: both. */
  archived?: boolean;
}

/** Unread the way 0006's counter counts it: not read, and not one's own room message. */
const unreadRow = and(isNull(inbox.readAt), or(isNull(inbox.senderId), ne(inbox.senderId, inbox.subscriberId)));

/** One subscriber's items with after < seq <= end: a range of the primary key. */
const inPage = (subscriberId: string, after: number, end: number) => and(eq(inbox.subscriberId, subscriberId), gt(inbox.seq, after), lte(inbox.seq, end));

/** What a browser inbox needs beyond the stream: filtered pages, archive, unread again, counts per room, room receipts. */
export function inboxStateRepository(db: HeraldDb) {
  const archivedJoin = and(eq(inboxArchive.subscriberId, inbox.subscriberId), eq(inboxArchive.id, inbox.id));
  return {
    /**
     * One page of a subscriber's items, filtered. Walks the stream by seq (the primary key), so a
     * filter that matches little reads further; `limit` bounds what is returned, not what is read.
     */
    async list(subscriberId: string, filter: ListFilter): Promise<ListedRow[]> {
      const where: (SQL | undefined)[] = [eq(inbox.subscriberId, subscriberId)];
      const newestFirst = filter.before !== undefined;
      if (newestFirst) where.push(lt(inbox.seq, filter.before!));
      else where.push(gt(inbox.seq, filter.after ?? 0));
      if (filter.type) where.push(eq(inbox.type, filter.type));
      if (filter.unread === true) where.push(unreadRow);
      if (filter.unread === false) where.push(isNotNull(inbox.readAt));
      if (filter.archived === true) where.push(isNotNull(inboxArchive.id));
      if (filter.archived === false) where.push(isNull(inboxArchive.id));
      const rows = await db
        .select({ ...getTableColumns(inbox), archivedAt: inboxArchive.archivedAt })
        .from(inbox)
        .leftJoin(inboxArchive, archivedJoin)
        .where(and(...where))
        .orderBy(newestFirst ? desc(inbox.seq) : asc(inbox.seq))
        .limit(filter.limit)
        .all();
      return withMessageText(db, rows as ListedRow[]);
    },
    /** The newest seq of a subscriber's stream (0 when empty): where a live stream starts after a first page. */
    async head(subscriberId: string): Promise<number> {
      const row = await db.select({ seq: sql<number | null>`MAX(${inbox.seq})` }).from(inbox).where(eq(inbox.subscriberId, subscriberId)).get();
      return Number(row?.seq ?? 0);
    },
    async archivedAt(subscriberId: string, id: string): Promise<number | null> {
      const row = await db.select({ at: inboxArchive.archivedAt }).from(inboxArchive).where(and(eq(inboxArchive.subscriberId, subscriberId), eq(inboxArchive.id, id))).get();
      return row?.at ?? null;
    },
    /** Archives an item of the stream (once: the first time stays); false when it is not there. */
    async archive(subscriberId: string, id: string, now: number): Promise<number | null> {
      await db.run(sql`INSERT INTO inbox_archive (subscriber_id, id, archived_at)
        SELECT subscriber_id, id, ${now} FROM inbox WHERE subscriber_id = ${subscriberId} AND id = ${id}
        ON CONFLICT DO NOTHING`);
      return this.archivedAt(subscriberId, id);
    },
    async unarchive(subscriberId: string, id: string): Promise<void> {
      await db.delete(inboxArchive).where(and(eq(inboxArchive.subscriberId, subscriberId), eq(inboxArchive.id, id)));
    },
    /** Clears read (seen stays); the row as it is afterwards, undefined when absent. */
    async markUnread(subscriberId: string, id: string): Promise<InboxRow | undefined> {
      const row = await db.update(inbox).set({ readAt: null }).where(and(eq(inbox.subscriberId, subscriberId), eq(inbox.id, id))).returning().get();
      return row && (await withMessageText(db, [row]))[0];
    },
    /**
     * Where the next page of a read-all ends: the seq of the `size`-th unread item (of `type`, if
     * given) with after < seq <= upto, or of the last one when there are fewer; undefined when none is left.
     */
    async unreadPageEnd(subscriberId: string, after: number, upto: number, size: number, type?: InboxItemType): Promise<number | undefined> {
      const page = db
        .select({ seq: inbox.seq })
        .from(inbox)
        .where(and(inPage(subscriberId, after, upto), unreadRow, type ? eq(inbox.type, type) : undefined))
        .orderBy(asc(inbox.seq))
        .limit(size);
      const row = await db.get<{ end: number | null }>(sql`SELECT max(seq) AS "end" FROM (${page})`);
      return row?.end === null || row?.end === undefined ? undefined : Number(row.end);
    },
    /**
     * The unread notifications of a page (only those not seen either, with `unseen`), as a subquery
     * of their ids, for statements that must run in the same batch before `markReadStatement`
     * (which makes them read and seen).
     */
    unreadNotificationsIn(subscriberId: string, after: number, end: number, unseen = false): SQL {
      return sql`SELECT ${inbox.id} FROM ${inbox} WHERE ${and(inPage(subscriberId, after, end), unreadRow, eq(inbox.type, "notification"), unseen ? isNull(inbox.seenAt) : undefined)}`;
    },
    /** Marks the unread items (of `type`, if given) with after < seq <= end read; its rows are what `readRows` takes. */
    markReadStatement(subscriberId: string, after: number, end: number, now: number, type?: InboxItemType): BatchItem<"sqlite"> {
      return db.run(sql`UPDATE inbox SET read_at = ${now}, seen_at = COALESCE(seen_at, ${now})
        WHERE ${and(inPage(subscriberId, after, end), unreadRow, type ? eq(inbox.type, type) : undefined)}
        RETURNING subscriber_id, id, type, topic, sender_id, client_message_id`);
    },
    /** The rows `markReadStatement` returned, as receipts need them. */
    readRows(rows: Record<string, unknown>[]): Promise<DeliveredRow[]> {
      return withSenderMessageIds(
        db,
        rows.map((r) => ({
          subscriberId: String(r.subscriber_id),
          id: String(r.id),
          type: r.type as InboxItemType,
          topic: (r.topic as string | null) ?? null,
          senderId: (r.sender_id as string | null) ?? null,
          clientMessageId: (r.client_message_id as string | null) ?? null,
        })),
      );
    },
    /**
     * Unread notifications and unread messages per room, in one pass over the subscriber's unread
     * rows (the partial index inbox_unread), so it costs what the backlog of unread costs, not the history.
     */
    async unreadBreakdown(subscriberId: string): Promise<{ notifications: number; rooms: Record<string, number> }> {
      const rows = await db
        .select({ type: inbox.type, topic: inbox.topic, n: sql<number>`count(*)` })
        .from(inbox)
        .where(and(eq(inbox.subscriberId, subscriberId), unreadRow))
        .groupBy(inbox.type, inbox.topic)
        .all();
      const out = { notifications: 0, rooms: {} as Record<string, number> };
      for (const r of rows) {
        if (r.type === "notification") out.notifications += Number(r.n);
        else if (r.topic !== null) out.rooms[r.topic] = (out.rooms[r.topic] ?? 0) + Number(r.n);
      }
      return out;
    },
    /**
     * Records that room messages reached (or were read by) a member other than their sender: the
     * first time stays. One statement per thousand ids, the ids as one JSON parameter.
     */
    receiptStatements(ids: string[], status: "delivered" | "read", now: number): BatchItem<"sqlite">[] {
      return chunks([...new Set(ids)]).map((part) =>
        db.run(
          status === "read"
            ? sql`INSERT INTO topic_message_receipts (id, delivered_at, read_at) SELECT value, ${now}, ${now} FROM json_each(${JSON.stringify(part)}) WHERE true
                ON CONFLICT (id) DO UPDATE SET delivered_at = COALESCE(delivered_at, excluded.delivered_at), read_at = COALESCE(read_at, excluded.read_at)`
            : sql`INSERT INTO topic_message_receipts (id, delivered_at) SELECT value, ${now} FROM json_each(${JSON.stringify(part)}) WHERE true
                ON CONFLICT (id) DO UPDATE SET delivered_at = COALESCE(delivered_at, excluded.delivered_at)`,
        ),
      );
    },
    /** Receipts of these room messages, by id (those with none are absent). */
    async receipts(ids: string[]): Promise<Map<string, { deliveredAt: number | null; readAt: number | null }>> {
      const out = new Map<string, { deliveredAt: number | null; readAt: number | null }>();
      for (const part of chunks([...new Set(ids)])) {
        const rows = await db
          .select()
          .from(topicMessageReceipts)
          .where(sql`${topicMessageReceipts.id} IN (SELECT value FROM json_each(${JSON.stringify(part)}))`)
          .all();
        for (const r of rows) out.set(r.id, { deliveredAt: r.deliveredAt, readAt: r.readAt });
      }
      return out;
    },
  };
}
