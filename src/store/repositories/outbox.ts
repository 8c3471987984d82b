import { and, asc, count, eq, inArray, isNull, lte, min, ne, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { jobs } from "../schema.js";
import type { JobKind } from "../schema.js";

export interface ClaimedJob {
  id: string;
  kind: JobKind;
  ref: string;
  runAt: number;
  attempts: number;
}

/** The durable outbox: jobs with a due time, an attempt count and a lease. */
export function outboxRepository(db: HeraldDb) {
  return {
    /**
     * Leases up to `limit` due jobs to `owner` in one statement, so two workers never hold the same
     * job. A job whose lease ran out (its worker died) is due again.
     */
    async claim(owner: string, now: number, leaseMs: number, limit: number): Promise<ClaimedJob[]> {
      const due = db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(lte(jobs.runAt, now), or(isNull(jobs.leaseUntil), lte(jobs.leaseUntil, now))))
        .orderBy(asc(jobs.runAt))
        .limit(limit);
      const rows = await db
        .update(jobs)
        .set({ leaseOwner: owner, leaseUntil: now + leaseMs, attempts: sql`${jobs.attempts} + 1` })
        .where(inArray(jobs.id, due))
        .returning({ id: jobs.id, kind: jobs.kind, ref: jobs.ref, runAt: jobs.runAt, attempts: jobs.attempts })
        .all();
      return rows.sort((a, b) => a.runAt - b.runAt);
    },
    deleteStatement(id: string, owner: string): BatchItem<"sqlite"> {
      return db.delete(jobs).where(and(eq(jobs.id, id), eq(jobs.leaseOwner, owner)));
    },
    rescheduleStatement(id: string, runAt: number): BatchItem<"sqlite"> {
      return db.update(jobs).set({ runAt, leaseOwner: null, leaseUntil: null }).where(eq(jobs.id, id));
    },
    insertStatement(row: typeof jobs.$inferInsert): BatchItem<"sqlite"> {
      return db.insert(jobs).values(row).onConflictDoNothing();
    },
    /**
     * Frees leases held by other owners. Only safe when this process is the database's sole user
     * (the embedded file): then any other owner is a process that died, and its jobs can run now
     * instead of after the lease runs out.
     */
    async releaseForeignLeases(owner: string): Promise<number> {
      const rows = await db.update(jobs).set({ leaseOwner: null, leaseUntil: null }).where(ne(jobs.leaseOwner, owner)).returning({ id: jobs.id }).all();
      return rows.length;
    },
    /** Queue depth and the run time of the oldest due job, for metrics. */
    async depth(now: number): Promise<{ total: number; due: number; oldestDueAt: number | null }> {
      const [all] = await db.select({ n: count() }).from(jobs).all();
      const [due] = await db.select({ n: count(), oldest: min(jobs.runAt) }).from(jobs).where(lte(jobs.runAt, now)).all();
      return { total: all?.n ?? 0, due: due?.n ?? 0, oldestDueAt: due?.oldest ?? null };
    },
    async nextRunAt(): Promise<number | null> {
      const [row] = await db.select({ at: min(jobs.runAt) }).from(jobs).all();
      return row?.at ?? null;
    },
  };
}
