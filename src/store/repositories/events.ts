import { and, asc, count, eq, gt, or } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import type { EventDocument } from "../documents.js";
import { inJsonArray, inJsonArrayParam, insertJsonRows } from "../bulk.js";
import { deliveries, deliveryAttempts, events, jobs, notificationClicks, notifications } from "../schema.js";

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
export type AttemptRow = typeof deliveryAttempts.$inferSelect;
export type ClickRow = typeof notificationClicks.$inferSelect;

/** Most notifications `history` returns at once: an event with more is read page by page. */
export const MAX_HISTORY_PAGE = 1000;

/** Where a page of an event's notifications ends: the last one's creation time and id. */
export interface HistoryCursor {
  createdAt: number;
  id: string;
}

export interface HistoryPage {
  items: { notification: NotificationRow; click: ClickRow | null; deliveries: (DeliveryRow & { attemptLog: AttemptRow[] })[] }[];
  /** Where the next page starts; null on the last page. */
  next: HistoryCursor | null;
}

export function planJobId(eventId: string): string {
  return `plan:${eventId}`;
}

/**
 * A part of an event's planning (core/plan-parts.ts): `plan:<event>#<rule>#<kind>#<start>`. `#` is
 * not allowed in event or rule ids, so an event's parts are exactly the ids between
 * `plan:<event>#` and `plan:<event>$`, whatever other events are called.
 */
export function planPartJobId(eventId: string, ruleId: string, kind: string, start: string): string {
  return `${planJobId(eventId)}#${ruleId}#${kind}#${start}`;
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
        ...insertJsonRows(events, eventRows, { onConflictDoNothing: true }).map((statement) => db.run(statement)),
        ...insertJsonRows(jobs, jobRows, { onConflictDoNothing: true }).map((statement) => db.run(statement)),
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
    /**
     * One page of the event's notifications (ordered by creation, then id), each with its
     * deliveries: two queries whatever the page size, each binding a handful of parameters (D1 allows
     * 100 a statement). `after` is the `next` cursor of the page before.
     */
    async history(eventId: string, page: { limit?: number; after?: HistoryCursor } = {}): Promise<HistoryPage> {
      const limit = page.limit ?? MAX_HISTORY_PAGE;
      const after = page.after;
      const rows = await db
        .select({ notification: notifications, click: notificationClicks })
        .from(notifications)
        .leftJoin(notificationClicks, eq(notificationClicks.notificationId, notifications.id))
        .where(
          and(
            eq(notifications.eventId, eventId),
            after ? or(gt(notifications.createdAt, after.createdAt), and(eq(notifications.createdAt, after.createdAt), gt(notifications.id, after.id))) : undefined,
          ),
        )
        .orderBy(asc(notifications.createdAt), asc(notifications.id))
        .limit(limit + 1)
        .all();
      const more = rows.length > limit;
      if (more) rows.length = limit;
      const last = rows.at(-1)?.notification;
      const next = more && last ? { createdAt: last.createdAt, id: last.id } : null;
      if (rows.length === 0) return { items: [], next };
      const ds: DeliveryRow[] = [];
      for (const part of chunks(rows.map((r) => r.notification.id))) {
        ds.push(...(await db.select().from(deliveries).where(inJsonArray(deliveries.notificationId, part)).orderBy(asc(deliveries.step)).all()));
      }
      // Each delivery's sends (the timeline): one more query a page, by the attempts' primary key.
      const attempts = new Map<string, AttemptRow[]>();
      for (const part of chunks(ds.map((d) => d.id))) {
        for (const a of await db.select().from(deliveryAttempts).where(inJsonArray(deliveryAttempts.deliveryId, part)).orderBy(asc(deliveryAttempts.deliveryId), asc(deliveryAttempts.n)).all()) {
          let list = attempts.get(a.deliveryId);
          if (!list) attempts.set(a.deliveryId, (list = []));
          list.push(a);
        }
      }
      const byNotification = new Map<string, (DeliveryRow & { attemptLog: AttemptRow[] })[]>();
      for (const d of ds) {
        let list = byNotification.get(d.notificationId);
        if (!list) byNotification.set(d.notificationId, (list = []));
        list.push({ ...d, attemptLog: attempts.get(d.id) ?? [] });
      }
      return { items: rows.map(({ notification, click }) => ({ notification, click, deliveries: byNotification.get(notification.id) ?? [] })), next };
    },
    /** How many notifications the event has (all pages). */
    async notificationCount(eventId: string): Promise<number> {
      const [row] = await db.select({ n: count() }).from(notifications).where(eq(notifications.eventId, eventId)).all();
      return row?.n ?? 0;
    },
  };
}
