import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { QUEUE_OWNER } from "./outbox.js";

/** A lane row with the lease of its job (core/outbox/lanes.ts decides from these). */
export interface LaneRow {
  seq: number;
  jobId: string;
  lane: string;
  /** False when the job is gone (a row the trigger missed): nothing to wait for. */
  present: boolean;
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** The job's due time and runs begun (0 for a job gone): a free job due later that has run before is backing off after a failure. */
  runAt: number;
  attempts: number;
  /** Among the first rows of its lane looked at; false for a job of the batch further back. */
  windowed: boolean;
}

/**
 * Ordered jobs (0018_job_lanes.sql): a job with an ordering key has a row in its lane, numbered in
 * the order it was accepted. Every query is bounded: a lane is looked at `scan` rows at a time, and
 * the statements take their lists as one JSON parameter (D1: at most 100 bound parameters).
 */
export function jobLanesRepository(db: HeraldDb) {
  return {
    /** Puts jobs in their lanes, numbered in this order (the order their events were accepted). A job already in one stays. */
    insertStatement(rows: { jobId: string; lane: string }[]): BatchItem<"sqlite"> {
      return db.run(sql`INSERT INTO job_lanes (job_id, lane)
        SELECT value ->> '$.jobId', value ->> '$.lane' FROM json_each(${JSON.stringify(rows)}) WHERE true ORDER BY key
        ON CONFLICT DO NOTHING`);
    },

    /**
     * The rows of these jobs, and for each of their lanes the first `scan` rows up to the last of
     * them (what runs before them), each with its job's lease. Ordered by lane, then seq.
     */
    async around(jobIds: string[], scan: number): Promise<LaneRow[]> {
      if (jobIds.length === 0) return [];
      const rows = await db.all<{ seq: number; job_id: string; lane: string; present: number; lease_owner: string | null; lease_until: number | null; run_at: number | null; attempts: number | null; windowed: number }>(sql`
        WITH mine AS (SELECT seq, job_id, lane FROM job_lanes WHERE job_id IN (SELECT value FROM json_each(${JSON.stringify(jobIds)}))),
        tops AS (SELECT lane, max(seq) AS top FROM mine GROUP BY lane),
        ahead AS (
          SELECT l.seq, l.job_id, l.lane FROM tops t
          JOIN job_lanes l ON l.seq IN (SELECT s.seq FROM job_lanes s WHERE s.lane = t.lane AND s.seq <= t.top ORDER BY s.seq LIMIT ${scan})
        ),
        picked AS (SELECT seq, job_id, lane, 1 AS windowed FROM ahead UNION ALL SELECT seq, job_id, lane, 0 FROM mine WHERE seq NOT IN (SELECT seq FROM ahead))
        SELECT p.seq, p.job_id, p.lane, j.id IS NOT NULL AS present, j.lease_owner, j.lease_until, j.run_at, j.attempts, p.windowed
        FROM picked p LEFT JOIN jobs j ON j.id = p.job_id
        ORDER BY p.lane, p.seq`);
      return rows.map((r) => ({
        seq: Number(r.seq),
        jobId: r.job_id,
        lane: r.lane,
        present: Boolean(Number(r.present)),
        leaseOwner: r.lease_owner,
        leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
        runAt: Number(r.run_at ?? 0),
        attempts: Number(r.attempts ?? 0),
        windowed: Boolean(Number(r.windowed)),
      }));
    },

    /**
     * Moves the next `count` jobs of each lane after `after` (those waiting, and those whose queue
     * message is delayed) to now: the job before them finished. Jobs someone holds are left alone.
     */
    pullForwardStatement(lanes: { lane: string; after: number }[], now: number, count: number): BatchItem<"sqlite"> {
      return db.run(sql`UPDATE jobs SET run_at = ${now}, lease_owner = NULL, lease_until = NULL
        WHERE run_at > ${now} AND (lease_owner IS NULL OR lease_owner = ${QUEUE_OWNER})
          AND id IN (
            SELECT l.job_id FROM json_each(${JSON.stringify(lanes)}) w
            JOIN job_lanes l ON l.seq IN (SELECT s.seq FROM job_lanes s WHERE s.lane = w.value ->> '$.lane' AND s.seq > w.value ->> '$.after' ORDER BY s.seq LIMIT ${count})
          )`);
    },

    /**
     * Hands back jobs that wait for an earlier one (`blocker`, a lane seq): due at `retryAt`, or
     * at once if the blocker's row is gone by the time this commits (it finished meanwhile, so no
     * wake-up is missed). Only jobs `owner` still holds. They did not run: each gives back the
     * attempt its claim counted (core/outbox/job-failures.ts bounds the runs, not the waits).
     */
    settleStatement(waiters: { id: string; blocker: number | null; retryAt: number }[], owner: string, now: number): BatchItem<"sqlite"> {
      return db.run(sql`UPDATE jobs SET lease_owner = NULL, lease_until = NULL, attempts = max(attempts - 1, 0),
          run_at = CASE WHEN EXISTS (SELECT 1 FROM job_lanes b WHERE b.seq = w.value ->> '$.blocker') THEN w.value ->> '$.retryAt' ELSE ${now} END
        FROM json_each(${JSON.stringify(waiters)}) AS w
        WHERE jobs.id = w.value ->> '$.id' AND jobs.lease_owner = ${owner}`);
    },

    /** Takes rows out of their lanes (jobs passed over: they run later, unordered). */
    removeStatement(seqs: number[]): BatchItem<"sqlite"> {
      return db.run(sql`DELETE FROM job_lanes WHERE seq IN (SELECT value FROM json_each(${JSON.stringify(seqs)}))`);
    },
  };
}
