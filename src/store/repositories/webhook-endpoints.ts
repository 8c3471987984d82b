import { and, asc, count, desc, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import { jobs, notifications, webhookEndpoints, webhookMessages, type WebhookMessageStatus } from "../schema.js";

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookMessageRow = typeof webhookMessages.$inferSelect;

/** One status event to fan out to every endpoint that asked for its type. */
export interface StatusEventRow {
  id: string;
  type: string;
  /** The JSON body every endpoint gets. */
  payload: string;
}

/** Delivery-status webhook endpoints and the messages queued for them. */
export function webhookEndpointsRepository(db: HeraldDb, write: (items: BatchItem<"sqlite">[]) => Promise<Record<string, unknown>[][]>) {
  return {
    /** Inserts unless `max` endpoints exist already (one statement, so two racing requests cannot both pass). */
    async create(row: WebhookEndpointRow, max: number): Promise<boolean> {
      const inserted = await db.all(sql`INSERT INTO webhook_endpoints (id, url, events, secret, created_at)
        SELECT ${row.id}, ${row.url}, ${JSON.stringify(row.events)}, ${row.secret}, ${row.createdAt}
        WHERE (SELECT count(*) FROM webhook_endpoints) < ${max} RETURNING id`);
      return inserted.length === 1;
    },
    list(): Promise<WebhookEndpointRow[]> {
      return db.select().from(webhookEndpoints).orderBy(asc(webhookEndpoints.createdAt)).all();
    },
    get(id: string): Promise<WebhookEndpointRow | undefined> {
      return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).get();
    },
    /** Deletes the endpoint, its queued messages and their jobs. */
    async delete(id: string): Promise<boolean> {
      const [removed] = await write([
        db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning({ id: webhookEndpoints.id }),
        db.delete(jobs).where(and(eq(jobs.kind, "webhook"), sql`${jobs.ref} LIKE ${`${id}:%`}`)),
        db.delete(webhookMessages).where(eq(webhookMessages.endpointId, id)),
      ]);
      return (removed ?? []).length > 0;
    },
    /** Event types at least one endpoint asked for: emitters skip the rest without a write. */
    async subscribedTypes(): Promise<Set<string>> {
      const rows = await db.all<{ value: string }>(sql`SELECT DISTINCT j.value AS value FROM webhook_endpoints e, json_each(e.events) j`);
      return new Set(rows.map((r) => r.value));
    },
    /**
     * Queues one status event for every endpoint subscribed to its type, with a job each, in the
     * caller's transaction. Which endpoints is decided by the database at commit, so an endpoint
     * deleted meanwhile gets nothing; ids make a repeat (a retried job) insert nothing.
     */
    emitStatements(event: StatusEventRow, now: number): BatchItem<"sqlite">[] {
      const subscribed = sql`FROM webhook_endpoints e WHERE EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = ${event.type})`;
      return [
        db.run(sql`INSERT INTO webhook_messages (id, endpoint_id, type, payload, status, attempts, created_at, updated_at)
          SELECT ${event.id}, e.id, ${event.type}, ${event.payload}, 'pending', 0, ${now}, ${now} ${subscribed} ON CONFLICT DO NOTHING`),
        db.run(sql`INSERT INTO jobs (id, kind, ref, run_at, attempts, created_at)
          SELECT 'webhook:' || e.id || ':' || ${event.id}, 'webhook', e.id || ':' || ${event.id}, ${now}, 0, ${now} ${subscribed} ON CONFLICT DO NOTHING`),
      ];
    },
    /**
     * `emitStatements` for one event per notification of `subscriberId` that each event's `ids`
     * selects (a subquery of notification ids, e.g. those a read-all marks read, and those of them
     * it shows for the first time): each event's id is the notification's id followed by
     * `idSuffix`, its body `payload` with `data.notificationId` and `data.eventId` set to the
     * notification's (json_set keeps every key in its place, so the bytes are those the one-event
     * path stores). Two statements whatever the number of notifications and kinds, each binding
     * a handful of parameters per kind: thousands of events commit with the change they report,
     * within D1's limits. Kinds are stored in the order given.
     */
    emitPerNotificationStatements(events: { type: string; idSuffix: string; payload: string; ids: SQL }[], subscriberId: string, now: number): BatchItem<"sqlite">[] {
      if (events.length === 0) return [];
      const rows = sql.join(
        events.map(
          (e) => sql`SELECT n.id || ${e.idSuffix} AS id, ${e.type} AS type, json_set(${e.payload}, '$.data.notificationId', n.id, '$.data.eventId', n.event_id) AS payload
            FROM notifications n WHERE n.id IN (${e.ids}) AND n.subscriber_id = ${subscriberId}`,
        ),
        sql` UNION ALL `,
      );
      const subscribed = sql`webhook_endpoints e WHERE EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = r.type)`;
      return [
        db.run(sql`INSERT INTO webhook_messages (id, endpoint_id, type, payload, status, attempts, created_at, updated_at)
          SELECT r.id, e.id, r.type, r.payload, 'pending', 0, ${now}, ${now} FROM (${rows}) r, ${subscribed} ON CONFLICT DO NOTHING`),
        db.run(sql`INSERT INTO jobs (id, kind, ref, run_at, attempts, created_at)
          SELECT 'webhook:' || e.id || ':' || r.id, 'webhook', e.id || ':' || r.id, ${now}, 0, ${now} FROM (${rows}) r, ${subscribed} ON CONFLICT DO NOTHING`),
      ];
    },
    /** A notification's event and subscriber, for the data of its status events. */
    notification(id: string): Promise<{ eventId: string; subscriberId: string } | undefined> {
      return db.select({ eventId: notifications.eventId, subscriberId: notifications.subscriberId }).from(notifications).where(eq(notifications.id, id)).get();
    },
    /**
     * Messages with their endpoint, by job ref (`<endpoint id>:<message id>`), in one query per
     * thousand refs: the sender's jobs of one batch share it (absent: endpoint or message gone).
     */
    async withEndpoints(refs: string[]): Promise<Map<string, { endpoint: WebhookEndpointRow; message: WebhookMessageRow }>> {
      const out = new Map<string, { endpoint: WebhookEndpointRow; message: WebhookMessageRow }>();
      for (const part of chunks(refs)) {
        const pairs = JSON.stringify(part.map((ref) => [ref.slice(0, ref.indexOf(":")), ref.slice(ref.indexOf(":") + 1)]));
        const rows = await db
          .select({ endpoint: webhookEndpoints, message: webhookMessages })
          .from(sql`json_each(${pairs}) AS j`)
          .innerJoin(webhookMessages, sql`${webhookMessages.endpointId} = j.value ->> 0 AND ${webhookMessages.id} = j.value ->> 1`)
          .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookMessages.endpointId))
          .all();
        for (const row of rows) out.set(`${row.message.endpointId}:${row.message.id}`, row);
      }
      return out;
    },
    outcomeStatement(endpointId: string, id: string, outcome: { status: WebhookMessageStatus; error: string | null }, now: number): BatchItem<"sqlite"> {
      return db
        .update(webhookMessages)
        .set({ status: outcome.status, lastError: outcome.error, attempts: sql`${webhookMessages.attempts} + 1`, updatedAt: now })
        .where(and(eq(webhookMessages.endpointId, endpointId), eq(webhookMessages.id, id)));
    },
    /** Messages in one state, newest first (the admin's dead letters). */
    byStatus(status: WebhookMessageStatus, limit: number): Promise<WebhookMessageRow[]> {
      return db.select().from(webhookMessages).where(eq(webhookMessages.status, status)).orderBy(desc(webhookMessages.updatedAt)).limit(limit).all();
    },
    async counts(): Promise<Record<WebhookMessageStatus, number>> {
      const rows = await db.select({ status: webhookMessages.status, n: count() }).from(webhookMessages).groupBy(webhookMessages.status).all();
      const out: Record<WebhookMessageStatus, number> = { pending: 0, sent: 0, dead: 0 };
      for (const r of rows) out[r.status] = r.n;
      return out;
    },
    /** Sends a dead message again: pending, with a job due now. False when it is not dead (or gone). */
    async replay(endpointId: string, id: string, now: number): Promise<boolean> {
      const [updated] = await write([
        db
          .update(webhookMessages)
          .set({ status: "pending", attempts: 0, updatedAt: now })
          .where(and(eq(webhookMessages.endpointId, endpointId), eq(webhookMessages.id, id), eq(webhookMessages.status, "dead")))
          .returning({ id: webhookMessages.id }),
        db.run(sql`INSERT INTO jobs (id, kind, ref, run_at, attempts, created_at)
          SELECT ${`webhook:${endpointId}:${id}`}, 'webhook', ${`${endpointId}:${id}`}, ${now}, 0, ${now}
          FROM webhook_messages WHERE endpoint_id = ${endpointId} AND id = ${id} AND status = 'pending' ON CONFLICT DO NOTHING`),
      ]);
      return (updated ?? []).length > 0;
    },
    /** Housekeeping: sent messages older than `sentBefore`, dead ones older than `deadBefore`. */
    async deleteOld(sentBefore: number, deadBefore: number, limit = 5000): Promise<number> {
      let removed = 0;
      for (const [status, before] of [["sent", sentBefore], ["dead", deadBefore]] as const) {
        const rows = await db.all(sql`DELETE FROM webhook_messages WHERE rowid IN (SELECT rowid FROM webhook_messages WHERE status = ${status} AND updated_at < ${before} LIMIT ${limit}) RETURNING id`);
        removed += rows.length;
      }
      return removed;
    },
  };
}
