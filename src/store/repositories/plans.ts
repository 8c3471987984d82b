import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray, insertJsonRows } from "../bulk.js";
import { deliveries, events, jobs, notifications } from "../schema.js";

export interface PlannedWork {
  notifications: (typeof notifications.$inferInsert)[];
  deliveries: (typeof deliveries.$inferInsert)[];
  jobs: (typeof jobs.$inferInsert)[];
}

/**
 * Writes what the planner decided for one event. Ids are derived from (event, rule, subscriber, step),
 * so running the same plan again inserts nothing new: planning is idempotent.
 */
export function plansRepository(db: HeraldDb) {
  return {
    /** Statements that store planned notifications, deliveries and their jobs. */
    insertStatements(work: PlannedWork): BatchItem<"sqlite">[] {
      const insert = (table: typeof notifications | typeof deliveries | typeof jobs, rows: Record<string, unknown>[]) =>
        chunks(rows).map((part) => db.run(insertJsonRows(table, part, { onConflictDoNothing: true })));
      return [...insert(notifications, work.notifications), ...insert(deliveries, work.deliveries), ...insert(jobs, work.jobs)];
    },
    /** Statements that store the plans of events accepted earlier and mark those events planned. */
    commitStatements(eventIds: string[], work: PlannedWork, now: number): BatchItem<"sqlite">[] {
      return [
        ...this.insertStatements(work),
        ...chunks(eventIds).map((ids) => db.update(events).set({ plannedAt: now }).where(inJsonArray(events.id, ids))),
      ];
    },
  };
}
