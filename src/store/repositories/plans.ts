import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunkRows, type HeraldDb, type StoreLimits } from "../db.js";
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
export function plansRepository(db: HeraldDb, limits: StoreLimits) {
  return {
    commitStatements(eventId: string, work: PlannedWork, now: number): BatchItem<"sqlite">[] {
      return [
        ...chunkRows(work.notifications, limits).map((rows) => db.insert(notifications).values(rows).onConflictDoNothing()),
        ...chunkRows(work.deliveries, limits).map((rows) => db.insert(deliveries).values(rows).onConflictDoNothing()),
        ...chunkRows(work.jobs, limits).map((rows) => db.insert(jobs).values(rows).onConflictDoNothing()),
        db.update(events).set({ plannedAt: now }).where(eq(events.id, eventId)),
      ];
    },
  };
}
