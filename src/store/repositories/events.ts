import { asc, eq, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import type { EventDocument } from "../documents.js";
import { inJsonArray, inJsonArrayParam, insertJsonRows } from "../bulk.js";
import { deliveries, events, jobs, notifications } from "../schema.js";

export interface AcceptedEvent {
  id: string;
  type: string;
  body: EventDocument;
  receivedAt: number;
  /** Set when the event was planned as it was accepted; null leaves it to a plan job. */
  plannedAt: number | null;
}

export type EventRow = typeof events.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;

export function planJobId(eventId: string): string {
  return `plan:${eventId}`;
}

export function eventsRepository(db: HeraldDb) {
  // The idempotency check of every group commit: built once.
  const existingQuery = db.select({ id: events.id }).from(events).where(inJsonArrayParam(events.id, "ids")).prepare();

  return {
    /**
     * Statements that make events durable together with the job that plans them. A known id is
     * ignored (ON CONFLICT DO NOTHING): that is the idempotency guarantee, enforced by the primary key.
     */
    acceptStatements(accepted: AcceptedEvent[]): BatchItem<"sqlite">[] {
      const eventRows = accepted.map((e) => ({ id: e.id, type: e.type, body: e.body, receivedAt: e.receivedAt, plannedAt: e.plannedAt }));
      const jobRows = accepted
        .filter((e) => e.plannedAt === null)
        .map((e) => ({ id: planJobId(e.id), kind: "plan" as const, ref: e.id, runAt: e.receivedAt, createdAt: e.receivedAt }));
      return [
        ...chunks(eventRows).map((rows) => db.run(insertJsonRows(events, rows, { onConflictDoNothing: true }))),
        ...chunks(jobRows).map((rows) => db.run(insertJsonRows(jobs, rows, { onConflictDoNothing: true }))),
      ];
    },
    get(id: string): Promise<EventRow | undefined> {
      return db.select().from(events).where(eq(events.id, id)).get();
    },
    /** Which of these event ids are already stored (the idempotency check of a group commit). */
    async existing(ids: string[]): Promise<Set<string>> {
      const found = new Set<string>();
      for (const part of chunks(ids)) {
        for (const r of await existingQuery.all({ ids: JSON.stringify(part) })) found.add(r.id);
      }
      return found;
    },
    async getMany(ids: string[]): Promise<EventRow[]> {
      const rows: EventRow[] = [];
      for (const part of chunks(ids)) rows.push(...(await db.select().from(events).where(inJsonArray(events.id, part)).all()));
      return rows;
    },
    /** The event's notifications, each with its deliveries. */
    async history(eventId: string): Promise<{ notification: NotificationRow; deliveries: DeliveryRow[] }[]> {
      const ns = await db.select().from(notifications).where(eq(notifications.eventId, eventId)).orderBy(asc(notifications.createdAt), asc(notifications.id)).all();
      if (ns.length === 0) return [];
      const ds = await db
        .select()
        .from(deliveries)
        .where(inArray(deliveries.notificationId, ns.map((n) => n.id)))
        .orderBy(asc(deliveries.step))
        .all();
      return ns.map((notification) => ({ notification, deliveries: ds.filter((d) => d.notificationId === notification.id) }));
    },
  };
}
