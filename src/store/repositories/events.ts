import { asc, eq, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { EventInput } from "../../core/schemas/event.js";
import { chunkRows, type HeraldDb, type StoreLimits } from "../db.js";
import { deliveries, events, jobs, notifications } from "../schema.js";

export interface AcceptedEvent {
  id: string;
  type: string;
  body: Omit<EventInput, "id">;
  receivedAt: number;
}

export type EventRow = typeof events.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;

export function planJobId(eventId: string): string {
  return `plan:${eventId}`;
}

export function eventsRepository(db: HeraldDb, limits: StoreLimits) {
  return {
    /**
     * Statements that make events durable together with the job that plans them. A known id is
     * ignored (ON CONFLICT DO NOTHING): that is the idempotency guarantee, enforced by the primary key.
     */
    acceptStatements(accepted: AcceptedEvent[]): BatchItem<"sqlite">[] {
      const eventRows = accepted.map((e) => ({ id: e.id, type: e.type, body: e.body, receivedAt: e.receivedAt }));
      const jobRows = accepted.map((e) => ({ id: planJobId(e.id), kind: "plan" as const, ref: e.id, runAt: e.receivedAt, createdAt: e.receivedAt }));
      return [
        ...chunkRows(eventRows, limits).map((rows) => db.insert(events).values(rows).onConflictDoNothing()),
        // A plan job for an event that already existed is skipped as well, so a duplicate never plans twice.
        ...chunkRows(jobRows, limits).map((rows) =>
          db
            .insert(jobs)
            .values(rows)
            .onConflictDoNothing(),
        ),
      ];
    },
    get(id: string): Promise<EventRow | undefined> {
      return db.select().from(events).where(eq(events.id, id)).get();
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
