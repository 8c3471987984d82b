import { count, desc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { deadJobs } from "../schema.js";

export type DeadJobRow = typeof deadJobs.$inferSelect;

/**
 * Jobs whose attempts are spent (0020_dead_jobs.sql): written in the commit that removes the job,
 * listed for the admin, sent again on request, deleted by age.
 */
export function deadJobsRepository(db: HeraldDb, write: (items: BatchItem<"sqlite">[]) => Promise<Record<string, unknown>[][]>) {
  return {
    /**
     * Keeps a job as dead, while `owner` still holds it (a worker that lost its lease buries
     * nothing); committed before the job's removal in the outbox's ack. A job that dies again
     * (after being sent again) replaces its row.
     */
    buryStatement(row: DeadJobRow, owner: string): BatchItem<"sqlite"> {
      return db.run(sql`INSERT INTO dead_jobs (id, kind, ref, attempts, last_error, died_at)
        SELECT ${row.id}, ${row.kind}, ${row.ref}, ${row.attempts}, ${row.lastError}, ${row.diedAt}
        WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ${row.id} AND lease_owner = ${owner})
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, ref = excluded.ref, attempts = excluded.attempts, last_error = excluded.last_error, died_at = excluded.died_at`);
    },
    /** The newest dead jobs, and how many there are in all. */
    async latest(limit: number): Promise<{ items: DeadJobRow[]; total: number }> {
      const [items, [all]] = await Promise.all([db.select().from(deadJobs).orderBy(desc(deadJobs.diedAt), desc(deadJobs.id)).limit(limit).all(), db.select({ n: count() }).from(deadJobs).all()]);
      return { items, total: Number(all?.n ?? 0) };
    },
    async count(): Promise<number> {
      const [row] = await db.select({ n: count() }).from(deadJobs).all();
      return Number(row?.n ?? 0);
    },
    /**
     * Sends a dead job again: back in `jobs`, due at `now` with a fresh set of attempts (outside any
     * lane: it runs unordered), and out of this table, in one batch. False when there is no such
     * dead job; a job of that id already pending is left as it is.
     */
    async revive(id: string, now: number): Promise<boolean> {
      const results = await write([
        db.run(sql`INSERT INTO jobs (id, kind, ref, run_at, attempts, created_at)
          SELECT id, kind, ref, ${now}, 0, ${now} FROM dead_jobs WHERE id = ${id} ON CONFLICT DO NOTHING`),
        db.delete(deadJobs).where(eq(deadJobs.id, id)).returning({ id: deadJobs.id }),
      ]);
      return (results[1]?.length ?? 0) > 0;
    },
    /** Deletes up to `limit` dead jobs that died before `before` (one statement, as webhook messages are); how many went. */
    async deleteOld(before: number, limit = 5000): Promise<number> {
      const rows = await db.all(sql`DELETE FROM dead_jobs WHERE id IN (SELECT id FROM dead_jobs WHERE died_at < ${before} LIMIT ${limit}) RETURNING id`);
      return rows.length;
    },
  };
}
