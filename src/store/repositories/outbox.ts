import { and, asc, count, eq, gt, inArray, isNotNull, isNull, lte, min, ne, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { chunks, type HeraldDb } from "../db.js";
import { inJsonArray } from "../bulk.js";
import { jobs } from "../schema.js";
import type { JobKind } from "../schema.js";

/** The lease owner of jobs whose queue message is on its way (Workers). */
export const QUEUE_OWNER = "queue";

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
    /**
     * Workers: hands up to `limit` free jobs due by `horizon` to the queues. They are leased to
     * QUEUE_OWNER until `graceMs` after they are due, so neither another dispatch nor the cron's
     * sweep sends them again while their message is on its way; a message that never arrives
     * leaves a lease that runs out, and the sweep frees the job.
     */
    async claimForQueue(now: number, horizon: number, graceMs: number, limit: number): Promise<{ id: string; kind: JobKind; runAt: number }[]> {
      return db
        .update(jobs)
        .set({ leaseOwner: QUEUE_OWNER, leaseUntil: sql`max(${jobs.runAt}, ${now}) + ${graceMs}` })
        .where(inArray(jobs.id, db.select({ id: jobs.id }).from(jobs).where(and(isNull(jobs.leaseOwner), lte(jobs.runAt, horizon))).orderBy(asc(jobs.runAt)).limit(limit)))
        .returning({ id: jobs.id, kind: jobs.kind, runAt: jobs.runAt })
        .all();
    },
    /**
     * Workers: the queue consumer takes the jobs its messages name, if they are due (within `slackMs`)
     * and held by no one else: waiting for their message, free, or left by a holder whose lease ran
     * out. A second delivery of the same message finds the job taken or gone and runs nothing.
     */
    async claimQueued(ids: string[], owner: string, now: number, leaseMs: number, slackMs: number): Promise<ClaimedJob[]> {
      if (ids.length === 0) return [];
      const rows = (await db
        .update(jobs)
        .set({ leaseOwner: owner, leaseUntil: now + leaseMs, attempts: sql`${jobs.attempts} + 1` })
        .where(and(inJsonArray(jobs.id, ids), lte(jobs.runAt, now + slackMs), or(eq(jobs.leaseOwner, QUEUE_OWNER), isNull(jobs.leaseOwner), lte(jobs.leaseUntil, now))))
        .returning({ id: jobs.id, kind: jobs.kind, ref: jobs.ref, runAt: jobs.runAt, attempts: jobs.attempts })
        .all()) as ClaimedJob[];
      return rows.sort((a, b) => a.runAt - b.runAt);
    },
    /**
     * Takes these jobs for `owner` whatever their due time, unless someone holds them: free, waiting
     * for their queue message, or left by a holder whose lease ran out. An ordered job's runner
     * runs the jobs ahead of it in its lane this way (core/outbox/lanes.ts).
     */
    async claimAhead(ids: string[], owner: string, now: number, leaseMs: number): Promise<ClaimedJob[]> {
      if (ids.length === 0) return [];
      return (await db
        .update(jobs)
        .set({ leaseOwner: owner, leaseUntil: now + leaseMs, attempts: sql`${jobs.attempts} + 1` })
        .where(and(inJsonArray(jobs.id, ids), or(isNull(jobs.leaseOwner), eq(jobs.leaseOwner, QUEUE_OWNER), lte(jobs.leaseUntil, now))))
        .returning({ id: jobs.id, kind: jobs.kind, ref: jobs.ref, runAt: jobs.runAt, attempts: jobs.attempts })
        .all()) as ClaimedJob[];
    },
    /** Workers: of these jobs, those still waiting for a queue message, with their due time. */
    async queuedOf(ids: string[]): Promise<{ id: string; kind: JobKind; runAt: number }[]> {
      if (ids.length === 0) return [];
      return db
        .select({ id: jobs.id, kind: jobs.kind, runAt: jobs.runAt })
        .from(jobs)
        .where(and(inJsonArray(jobs.id, ids), eq(jobs.leaseOwner, QUEUE_OWNER)))
        .all();
    },
    /** Workers: frees jobs handed to the queues whose message could not be sent. */
    async releaseQueued(ids: string[]): Promise<void> {
      for (const part of chunks(ids)) {
        await db.update(jobs).set({ leaseOwner: null, leaseUntil: null }).where(and(inJsonArray(jobs.id, part), eq(jobs.leaseOwner, QUEUE_OWNER)));
      }
    },
    /** Workers' cron: frees up to `limit` jobs whose lease ran out, so they are dispatched again. */
    async releaseExpired(now: number, limit: number): Promise<number> {
      const rows = await db
        .update(jobs)
        .set({ leaseOwner: null, leaseUntil: null })
        .where(inArray(jobs.id, db.select({ id: jobs.id }).from(jobs).where(and(isNotNull(jobs.leaseOwner), lte(jobs.leaseUntil, now))).orderBy(asc(jobs.leaseUntil)).limit(limit)))
        .returning({ id: jobs.id })
        .all();
      return rows.length;
    },
    /** The due time of the earliest free job after `at` (null when there is none): what a shard's alarm waits for. */
    async nextFreeAfter(at: number): Promise<number | null> {
      const [row] = await db.select({ at: min(jobs.runAt) }).from(jobs).where(and(isNull(jobs.leaseOwner), gt(jobs.runAt, at))).all();
      return row?.at ?? null;
    },
    /** Queue depth and the run time of the oldest due job, for metrics. */
    async depth(now: number): Promise<{ total: number; due: number; oldestDueAt: number | null }> {
      const [all] = await db.select({ n: count() }).from(jobs).all();
      const [due] = await db.select({ n: count(), oldest: min(jobs.runAt) }).from(jobs).where(lte(jobs.runAt, now)).all();
      return { total: all?.n ?? 0, due: due?.n ?? 0, oldestDueAt: due?.oldest ?? null };
    },
  };
}
