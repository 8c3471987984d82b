import { sql } from "drizzle-orm";
import type { HeraldDb } from "../db.js";
import { type InboxRow, withMessageText } from "./inbox.js";
import type { SubscriberRow } from "./subscribers.js";

/** Columns an audience may be filtered on besides `data.<path>`. */
export const AUDIENCE_COLUMNS = ["locale", "timezone", "name", "email", "phone"] as const;

/** An audience as the store reads it (`field` already checked against AUDIENCE_COLUMNS or `data.<path>`). */
export type AudienceSource = { topic: string } | { all: true } | { field: string; value: string | number | boolean };

export interface AudienceMember {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
}

/** The ids of an audience, as a subquery. */
function audienceIds(audience: AudienceSource) {
  if ("topic" in audience) return sql`SELECT subscriber_id AS id FROM topic_subscribers WHERE topic = ${audience.topic}`;
  if ("all" in audience) return sql`SELECT id FROM subscribers`;
  return sql`SELECT id FROM subscribers WHERE ${fieldColumn(audience.field)} = ${typeof audience.value === "boolean" ? Number(audience.value) : audience.value}`;
}

function fieldColumn(field: string) {
  return (AUDIENCE_COLUMNS as readonly string[]).includes(field) ? sql.identifier(field) : sql`json_extract(data, ${`$.${field.slice("data.".length)}`})`;
}

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Reads for the admin UI's subscriber pages, and audiences chosen by a field value. */
export function subscriberSearchRepository(db: HeraldDb) {
  return {
    /** Subscribers whose id, name, email or phone contains `q` (all when empty), by id. */
    async search(q: string, limit: number, offset: number): Promise<SubscriberRow[]> {
      const rows = await db.all<Record<string, unknown>>(
        q
          ? sql`SELECT * FROM subscribers WHERE id LIKE ${likePattern(q)} ESCAPE '\\' OR name LIKE ${likePattern(q)} ESCAPE '\\'
              OR email LIKE ${likePattern(q)} ESCAPE '\\' OR phone LIKE ${likePattern(q)} ESCAPE '\\' ORDER BY id LIMIT ${limit} OFFSET ${offset}`
          : sql`SELECT * FROM subscribers ORDER BY id LIMIT ${limit} OFFSET ${offset}`,
      );
      return rows.map(toSubscriber);
    },
    /** How many `search(q)` finds in all (every subscriber when `q` is empty). */
    async count(q = ""): Promise<number> {
      const [row] = await db.all<{ n: number }>(
        q
          ? sql`SELECT count(*) AS n FROM subscribers WHERE id LIKE ${likePattern(q)} ESCAPE '\\' OR name LIKE ${likePattern(q)} ESCAPE '\\'
              OR email LIKE ${likePattern(q)} ESCAPE '\\' OR phone LIKE ${likePattern(q)} ESCAPE '\\'`
          : sql`SELECT count(*) AS n FROM subscribers`,
      );
      return Number(row?.n ?? 0);
    },
    /** The newest items of a subscriber's inbox. */
    async inbox(subscriberId: string, limit: number): Promise<InboxRow[]> {
      const rows = await db.all<Record<string, unknown>>(sql`SELECT * FROM inbox WHERE subscriber_id = ${subscriberId} ORDER BY seq DESC LIMIT ${limit}`);
      return withMessageText(db, rows.map((r) => ({
        subscriberId: r.subscriber_id,
        seq: r.seq,
        id: r.id,
        type: r.type,
        topic: r.topic,
        title: r.title,
        body: r.body,
        url: r.url,
        data: typeof r.data === "string" ? JSON.parse(r.data) : null,
        senderId: r.sender_id,
        senderName: r.sender_name,
        clientMessageId: r.client_message_id,
        createdAt: r.created_at,
        deliveredAt: r.delivered_at,
        seenAt: r.seen_at,
        readAt: r.read_at,
      })) as InboxRow[]);
    },
    /** The subscriber's newest deliveries with their event, newest notification first. */
    async deliveries(subscriberId: string, limit: number) {
      return db.all<{ id: string; eventId: string; eventType: string; channel: string; template: string; status: string; attempts: number; lastError: string | null; createdAt: number; updatedAt: number; seenAt: number | null; readAt: number | null }>(
        sql`SELECT d.id AS id, n.event_id AS eventId, e.type AS eventType, d.channel AS channel, d.template AS template, d.status AS status,
            d.attempts AS attempts, d.last_error AS lastError, n.created_at AS createdAt, d.updated_at AS updatedAt, n.seen_at AS seenAt, n.read_at AS readAt
          FROM notifications n JOIN deliveries d ON d.notification_id = n.id LEFT JOIN events e ON e.id = n.event_id
          WHERE n.subscriber_id = ${subscriberId} ORDER BY n.created_at DESC, d.step LIMIT ${limit}`,
      );
    },
    /** How many subscribers an audience holds: a topic's members, everyone, or those whose field equals a value. */
    async audienceCount(audience: AudienceSource): Promise<number> {
      const [row] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM (${audienceIds(audience)})`);
      return Number(row?.n ?? 0);
    },
    /** The next `limit` subscribers of an audience after the id `after`, in id order, with what their addresses need. */
    async audiencePage(audience: AudienceSource, after: string, limit: number): Promise<AudienceMember[]> {
      return db.all<AudienceMember>(
        sql`SELECT s.id AS id, s.name AS name, s.email AS email, s.phone AS phone, s.locale AS locale
          FROM (${audienceIds(audience)}) AS a JOIN subscribers s ON s.id = a.id WHERE a.id > ${after} ORDER BY a.id LIMIT ${limit}`,
      );
    },
    /**
     * Ids of subscribers whose field equals `value`: a column (`locale`, …) or `data.<path>` of their
     * data. `field` is checked against AUDIENCE_COLUMNS or the `data.` form before it gets here.
     */
    async idsWhere(field: string, value: string | number | boolean, limit: number): Promise<string[]> {
      const rows = await db.all<{ id: string }>(sql`${audienceIds({ field, value })} ORDER BY id LIMIT ${limit}`);
      return rows.map((r) => r.id);
    },
  };
}

function toSubscriber(r: Record<string, unknown>): SubscriberRow {
  return {
    id: r.id as string,
    name: (r.name as string | null) ?? null,
    email: (r.email as string | null) ?? null,
    phone: (r.phone as string | null) ?? null,
    locale: (r.locale as string | null) ?? null,
    timezone: (r.timezone as string | null) ?? null,
    data: typeof r.data === "string" ? JSON.parse(r.data) : null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
