import { and, asc, count, eq, inArray, isNull, lte, min, ne, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray } from "../bulk.js";
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
  // The claim runs on every wake-up of the outbox; building its SQL once saves ~0.4 ms each time.
  const now = sql.placeholder("now");
  const claimStatement = db
    .update(jobs)
    .set({ leaseOwner: sql`${sql.placeholder("owner")}`, leaseUntil: sql`${sql.placeholder("until")}`, attempts: sql`${jobs.attempts} + 1` })
    .where(
      inArray(
        jobs.id,
        db
          .select({ id: jobs.id })
          .from(jobs)
          .where(and(lte(jobs.runAt, now), or(isNull(jobs.leaseUntil), lte(jobs.leaseUntil, now))))
          .orderBy(asc(jobs.runAt))
          .limit(sql.placeholder("limit")),
      ),
    )
    .returning({ id: jobs.id, kind: jobs.kind, ref: jobs.ref, runAt: jobs.runAt, attempts: jobs.attempts })
    .prepare();

  // A read first: most wake-ups find nothing new, and a read commits nothing to the WAL.
  const anyDue = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(lte(jobs.runAt, now), or(isNull(jobs.leaseUntil), lte(jobs.leaseUntil, now))))
    .limit(1)
    .prepare();

  return {
    /**
     * Leases up to `limit` due jobs to `owner` in one statement, so two workers never hold the same
     * job. A job whose lease ran out (its worker died) is due again.
     */
    async claim(owner: string, at: number, leaseMs: number, limit: number): Promise<ClaimedJob[]> {
      if ((await anyDue.all({ now: at })).length === 0) return [];
      const rows = (await claimStatement.all({ owner, until: at + leaseMs, now: at, limit })) as ClaimedJob[];
      return rows.sort((a, b) => a.runAt - b.runAt);
    },
    /** Removes finished jobs, but only while this owner still holds them (a lost lease means another worker took over). */
    deleteStatements(ids: string[], owner: string): BatchItem<"sqlite">[] {
      return chunks(ids).map((part) => db.delete(jobs).where(and(inJsonArray(jobs.id, part), eq(jobs.leaseOwner, owner))));
    },
    rescheduleStatement(id: string, runAt: number): BatchItem<"sqlite"> {
      return db.update(jobs).set({ runAt, leaseOwner: null, leaseUntil: null }).where(eq(jobs.id, id));
    },
    insertStatement(row: typeof jobs.$inferInsert): BatchItem<"sqlite"> {
      return db.insert(jobs).values(row).onConflictDoNothing();
    },
    /**
     * Hands jobs back: frees this owner's leases on them so any worker (this process after a
     * restart, another on a shared database) may claim them at once instead of after the lease.
     */
    async release(ids: string[], owner: string): Promise<number> {
      let released = 0;
      for (const part of chunks(ids)) {
        const rows = await db.update(jobs).set({ leaseOwner: null, leaseUntil: null }).where(and(inJsonArray(jobs.id, part), eq(jobs.leaseOwner, owner))).returning({ id: jobs.id }).all();
        released += rows.length;
      }
      return released;
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
  };
}
