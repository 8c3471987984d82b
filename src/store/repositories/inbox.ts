import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray, jsonArrays } from "../bulk.js";
import { inbox, type InboxItemType, topicMessages } from "../schema.js";

export type InboxRow = typeof inbox.$inferSelect;
/** What delivery indicators need of a row: narrow, because a fan-out marks thousands at once. */
export type DeliveredRow = Pick<InboxRow, "subscriberId" | "id" | "type" | "topic" | "senderId" | "clientMessageId">;

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

/** Unread, not counting the subscriber's own room messages; matches the partial index inbox_unread. */

/** An item as `appendSql` reads it (short keys: thousands go into one JSON value). */
function appendRow(i: InboxAppend) {
  return {
    s: i.subscriberId,
    i: i.id,
    t: i.type,
    topic: i.topic ?? null,
    title: i.title ?? null,
    body: i.body ?? null,
    url: i.url ?? null,
    data: i.data ?? null,
    sid: i.senderId ?? null,
    sname: i.senderName ?? null,
    cid: i.clientMessageId ?? null,
    at: i.createdAt,
  };
}

/**
 * Many appends in one statement: `rows` (a JSON array of `appendRow`s) is its one parameter, and
 * the seq is computed per subscriber in SQL. A stream retention emptied goes on after its floor (inbox_seq_floor); COALESCE reads the floor
 * only then, so the usual append pays nothing for it.
 */
function appendSql(rows: string) {
  return sql`INSERT INTO inbox (subscriber_id, seq, id, type, topic, title, body, url, data, sender_id, sender_name, client_message_id, created_at)
    SELECT value ->> 's', COALESCE((SELECT MAX(seq) FROM inbox AS prior WHERE prior.subscriber_id = value ->> 's'), (SELECT seq FROM inbox_seq_floor AS f WHERE f.subscriber_id = value ->> 's'), 0) + 1,
      value ->> 'i', value ->> 't', value ->> 'topic', value ->> 'title', value ->> 'body', value ->> 'url',
      CASE WHEN json_type(value, '$.data') = 'null' THEN NULL ELSE json(value -> 'data') END,
      value ->> 'sid', value ->> 'sname', value ->> 'cid', value ->> 'at'
    FROM json_each(${rows}) WHERE true
    ON CONFLICT DO NOTHING
    RETURNING subscriber_id AS s, id AS i, seq`;
}

/**
 * Members per row, at most, of `appendToMembersStatements`' answer (grouped by rowid, which numbers
 * topic_subscribers' rows). Each row's values are JSON text; D1 refuses values over 2 MB, and 5,000
 * members with 128-character ids stay under 0.7 MB.
 */
const MEMBERS_PER_ROW = 5000;

/** Members' copies of a room message: in each member's stream the seq it got, and their unread count after it. */
export interface MemberCopies {
  subscriberIds: string[];
  seqs: number[];
  unread: number[];
}

type MessageText = Pick<InboxRow, "body" | "data" | "senderName" | "clientMessageId">;

/** The text of room messages, by id (one query per chunk of ids). */
async function messageTexts(db: HeraldDb, ids: string[]): Promise<Map<string, MessageText>> {
  const texts = new Map<string, MessageText>();
  for (const part of chunks([...new Set(ids)])) {
    const found = await db
      .select({ id: topicMessages.id, body: topicMessages.body, data: topicMessages.data, senderName: topicMessages.senderName, clientMessageId: topicMessages.clientMessageId })
      .from(topicMessages)
      .where(inJsonArray(topicMessages.id, part))
      .all();
    for (const { id, ...text } of found) texts.set(id, { ...text, data: text.data ?? null });
  }
  return texts;
}

/** Fills in the text of room-message rows stored as narrow copies (appendToMembersStatements). */
export async function withMessageText<T extends Pick<InboxRow, "id" | "type" | "body">>(db: HeraldDb, rows: T[]): Promise<T[]> {
  const bare = rows.filter((r) => r.type === "message" && r.body === null);
  if (bare.length === 0) return rows;
  const texts = await messageTexts(db, bare.map((r) => r.id));
  for (const row of bare) Object.assign(row, texts.get(row.id));
  return rows;
}

/** Receipts name the sender's client message id, which narrow copies leave in topic_messages: filled in here. */
export async function withSenderMessageIds(db: HeraldDb, rows: DeliveredRow[]): Promise<DeliveredRow[]> {
  const bare = rows.filter((r) => r.type === "message" && r.senderId !== null && r.clientMessageId === null);
  if (bare.length === 0) return rows;
  const texts = await messageTexts(db, bare.map((r) => r.id));
  for (const row of bare) row.clientMessageId = texts.get(row.id)?.clientMessageId ?? null;
  return rows;
}

/** Each subscriber's stream: items with a per-subscriber `seq` that only grows. */
export function inboxRepository(db: HeraldDb) {
  return {
    /**
     * Appends items; the seq is computed inside the INSERT (SQLite runs one writer at a time, so two
     * appends never get the same seq). An item already in that inbox is left as it is (retries).
     * Each statement RETURNs `{s, i, seq}` for the rows it added.
     */
    appendStatements(items: InboxAppend[]): BatchItem<"sqlite">[] {
      // One statement per round, each subscriber at most once per round: rows inserted by a
      // statement are not visible to its own MAX(seq) subquery, so two items for one subscriber need two rounds.
      const rounds: InboxAppend[][] = [];
      const seen = new Map<string, number>();
      for (const item of items) {
        const round = seen.get(item.subscriberId) ?? 0;
        seen.set(item.subscriberId, round + 1);
        (rounds[round] ??= []).push(item);
      }
      return rounds.flatMap((round) => jsonArrays(round.map(appendRow)).map((rows) => db.run(appendSql(rows))));
    },
    /**
     * A room message appended to the stream of every member of its topic, as a narrow copy: only
     * what order, unread counts and receipts need (seq, id, topic, sender). The text stays in
     * topic_messages, stored once, and is filled in when rows are read (withMessageText).
     *
     * The INSERT reads the members itself, and the SELECT after it reports, in the same
     * transaction, each member's seq and new unread count (read them with `memberCopies`). Reading
     * 10,000 members into JavaScript first, binding them back, taking a row object per member from
     * RETURNING and counting unread in another query took as long as the insert (bench/realtime).
     * A repeat that raced the first post adds nothing and reports nothing; if members joined in
     * between, theirs are added and every copy is reported (connections skip seqs they have sent).
     */
    appendToMembersStatements(copy: Pick<InboxAppend, "id" | "senderId" | "createdAt"> & { topic: string }): BatchItem<"sqlite">[] {
      return [
        db.run(sql`INSERT INTO inbox (subscriber_id, seq, id, type, topic, sender_id, created_at)
          SELECT ts.subscriber_id, COALESCE((SELECT MAX(seq) FROM inbox AS prior WHERE prior.subscriber_id = ts.subscriber_id), (SELECT seq FROM inbox_seq_floor AS f WHERE f.subscriber_id = ts.subscriber_id), 0) + 1,
            ${copy.id}, 'message', ${copy.topic}, ${copy.senderId ?? null}, ${copy.createdAt}
          FROM topic_subscribers AS ts WHERE ts.topic = ${copy.topic}
          ON CONFLICT DO NOTHING`),
        // changes(): rows the INSERT just above added (triggers' writes are not counted). Three JSON
        // arrays a row, not a row per member: the driver's row objects cost more than the query.
        // MEMBERS_PER_ROW is written into the SQL: bound, it arrives as a real and nothing groups.
        db.run(sql`SELECT json_group_array(ts.subscriber_id) AS subscriber_ids, json_group_array(i.seq) AS seqs, json_group_array(COALESCE(c.n, 0)) AS unread
          FROM topic_subscribers AS ts
          JOIN inbox AS i ON i.subscriber_id = ts.subscriber_id AND i.id = ${copy.id}
          LEFT JOIN inbox_unread_counts AS c ON c.subscriber_id = ts.subscriber_id
          WHERE ts.topic = ${copy.topic} AND changes() > 0
          GROUP BY ts.rowid / ${sql.raw(String(MEMBERS_PER_ROW))}`),
      ];
    },
    /** The members' copies reported by the last of `appendToMembersStatements`, from its rows. */
    memberCopies(rows: Record<string, unknown>[]): MemberCopies {
      const copies: MemberCopies = { subscriberIds: [], seqs: [], unread: [] };
      for (const row of rows) {
        copies.subscriberIds.push(...(JSON.parse(String(row.subscriber_ids)) as string[]));
        copies.seqs.push(...(JSON.parse(String(row.seqs)) as number[]));
        copies.unread.push(...(JSON.parse(String(row.unread)) as number[]));
      }
      return copies;
    },
    async page(subscriberId: string, after: number, limit: number): Promise<InboxRow[]> {
      return withMessageText(db, await db.select().from(inbox).where(and(eq(inbox.subscriberId, subscriberId), gt(inbox.seq, after))).orderBy(asc(inbox.seq)).limit(limit).all());
    },
    async get(subscriberId: string, id: string): Promise<InboxRow | undefined> {
      const row = await db.select().from(inbox).where(and(eq(inbox.subscriberId, subscriberId), eq(inbox.id, id))).get();
      return row && (await withMessageText(db, [row]))[0];
    },
    /** Sets seen (and, for read, also seen) once; returns the row as it is afterwards. */
    async mark(subscriberId: string, id: string, what: "seen" | "read", now: number): Promise<InboxRow | undefined> {
      const set = what === "read" ? { readAt: sql`COALESCE(${inbox.readAt}, ${now})`, seenAt: sql`COALESCE(${inbox.seenAt}, ${now})` } : { seenAt: sql`COALESCE(${inbox.seenAt}, ${now})` };
      const row = await db.update(inbox).set(set).where(and(eq(inbox.subscriberId, subscriberId), eq(inbox.id, id))).returning().get();
      return row && (await withMessageText(db, [row]))[0];
    },
    /** Unread counts of many subscribers in one query (those with none are absent). */
    async unreadCounts(subscriberIds: string[]): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      for (const part of chunks(subscriberIds)) {
        // Kept by triggers on inbox (0006_unread_counts.sql): a lookup, however long the backlog.
        const rows = await db.all<{ id: string; n: number }>(
          sql`SELECT subscriber_id AS id, n FROM inbox_unread_counts WHERE subscriber_id IN (SELECT value FROM json_each(${JSON.stringify(part)}))`,
        );
        for (const r of rows) out.set(r.id, Number(r.n));
      }
      return out;
    },
    /** Marks (subscriber, seq) pairs delivered in one statement; returns the rows that were not delivered before. */
    async markDeliveredMany(pairs: { subscriberId: string; seq: number }[], now: number): Promise<DeliveredRow[]> {
      const out: DeliveredRow[] = [];
      for (const part of chunks(pairs)) {
        const json = JSON.stringify(part.map((p) => [p.subscriberId, p.seq]));
        // UPDATE … FROM joins on the whole primary key; a row-value IN (subquery) searched by
        // subscriber alone and walked their whole history (slower as the inbox grows).
        const rows = await db.all<{ subscriber_id: string; id: string; type: InboxItemType; topic: string | null; sender_id: string | null; client_message_id: string | null }>(
          sql`UPDATE inbox SET delivered_at = ${now}
              FROM (SELECT value ->> 0 AS s, value ->> 1 AS q FROM json_each(${json})) AS p
              WHERE inbox.subscriber_id = p.s AND inbox.seq = p.q AND inbox.delivered_at IS NULL
              RETURNING inbox.subscriber_id, inbox.id, inbox.type, inbox.topic, inbox.sender_id, inbox.client_message_id`,
        );
        for (const r of rows) out.push({ subscriberId: r.subscriber_id, id: r.id, type: r.type, topic: r.topic, senderId: r.sender_id, clientMessageId: r.client_message_id });
      }
      return withSenderMessageIds(db, out);
    },
    /** Items not read, not counting the subscriber's own room messages. */
    async unreadCount(subscriberId: string): Promise<number> {
      return (await this.unreadCounts([subscriberId])).get(subscriberId) ?? 0;
    },
  };
}
