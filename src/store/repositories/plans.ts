import { and, eq, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray, insertJsonRows } from "../bulk.js";
import { deliveries, events, jobs, notifications } from "../schema.js";
import { planJobId } from "./events.js";

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
        insertJsonRows(table, rows, { onConflictDoNothing: true }).map((statement) => db.run(statement));
      return [...insert(notifications, work.notifications), ...insert(deliveries, work.deliveries), ...insert(jobs, work.jobs)];
    },
    /**
     * Marks an event planned once none of its planning jobs is left (its root plan job and its
     * parts). It runs after the commit's job removals (JobOutcome.afterRemoval), so parts finished
     * in the same commit, by this handler or another one sharing the commit, are gone by then:
     * planned in parts, the event is planned when its last part commits, whichever part that is.
     */
    markPlannedWhenDoneStatement(eventId: string, now: number): BatchItem<"sqlite"> {
      const root = planJobId(eventId);
      return db
        .update(events)
        .set({ plannedAt: now })
        .where(and(eq(events.id, eventId), isNull(events.plannedAt), sql`NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.id = ${root} OR (jobs.id >= ${`${root}#`} AND jobs.id < ${`${root}$`}))`));
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
