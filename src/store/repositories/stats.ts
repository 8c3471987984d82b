import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";
import { deliveries, jobs } from "../schema.js";
import { and, eq, inArray } from "drizzle-orm";

export interface FailureRow {
  id: string;
  channel: string;
  status: string;
  lastError: string | null;
  attempts: number;
  template: string;
  updatedAt: number;
  subscriberId: string;
  eventId: string;
}

/**
 * Delivery statistics for the admin dashboard. These scan deliveries and notifications without a
 * time index on purpose: an index on `updated_at` would be rewritten by every delivery outcome, a
 * cost the hot path would pay so a dashboard can skip a scan every few seconds.
 */
export function statsRepository(db: HeraldDb, write: (items: BatchItem<"sqlite">[]) => Promise<unknown>) {
  // Bucket sizes are bound as parameters, which drivers may send as REAL: CAST keeps the division integral.
  return {
    /** Deliveries whose last outcome falls in each bucket, per channel and status. */
    async outcomesOverTime(since: number, bucketMs: number): Promise<{ channel: string; status: string; t: number; n: number }[]> {
      return db.all(sql`SELECT channel, status, (updated_at / CAST(${bucketMs} AS INTEGER)) * CAST(${bucketMs} AS INTEGER) AS t, count(*) AS n FROM deliveries
        WHERE updated_at >= ${since} AND status IN ('sent', 'delivered', 'failed', 'dead') GROUP BY channel, status, t`);
    },
    /** Notifications first seen (or clicked) in each bucket, counted on each channel that carried them. */
    async engagementOverTime(since: number, bucketMs: number): Promise<{ kind: "seen" | "clicked"; channel: string; t: number; n: number }[]> {
      const seen = await db.all<{ channel: string; t: number; n: number }>(sql`SELECT d.channel AS channel, (n.seen_at / CAST(${bucketMs} AS INTEGER)) * CAST(${bucketMs} AS INTEGER) AS t, count(*) AS n
        FROM notifications n JOIN deliveries d ON d.notification_id = n.id
        WHERE n.seen_at >= ${since} AND d.status IN ('sent', 'delivered') GROUP BY d.channel, t`);
      const clicked = await db.all<{ channel: string; t: number; n: number }>(sql`SELECT d.channel AS channel, (c.clicked_at / CAST(${bucketMs} AS INTEGER)) * CAST(${bucketMs} AS INTEGER) AS t, count(*) AS n
        FROM notification_clicks c JOIN deliveries d ON d.notification_id = c.notification_id
        WHERE c.clicked_at >= ${since} AND d.status IN ('sent', 'delivered') GROUP BY d.channel, t`);
      return [...seen.map((r) => ({ kind: "seen" as const, ...r })), ...clicked.map((r) => ({ kind: "clicked" as const, ...r }))];
    },
    /**
     * Failed and dead deliveries counted by their error's code (the text before the first colon);
     * `subscriber_erased` for those of an erased subscriber (erasure clears the error; `erasedPrefix` marks the pseudonym).
     */
    async failureCodes(erasedPrefix: string): Promise<{ code: string | null; n: number }[]> {
      return db.all(sql`SELECT CASE WHEN substr(n.subscriber_id, 1, ${erasedPrefix.length}) = ${erasedPrefix} THEN 'subscriber_erased'
          WHEN instr(d.last_error, ':') > 0 THEN substr(d.last_error, 1, instr(d.last_error, ':') - 1) END AS code, count(*) AS n
        FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.status IN ('failed', 'dead') GROUP BY code`);
    },
    /** The latest deliveries in these statuses, newest first, with the reason they gave. */
    async latest(statuses: string[], limit: number): Promise<FailureRow[]> {
      return db.all(sql`SELECT d.id AS id, d.channel AS channel, d.status AS status, d.last_error AS lastError, d.attempts AS attempts,
          d.template AS template, d.updated_at AS updatedAt, n.subscriber_id AS subscriberId, n.event_id AS eventId
        FROM deliveries d JOIN notifications n ON n.id = d.notification_id
        WHERE d.status IN (SELECT value FROM json_each(${JSON.stringify(statuses)}))
        ORDER BY d.updated_at DESC LIMIT ${limit}`);
    },
    /**
     * Gives a failed or dead delivery a fresh set of attempts, due now. False when the delivery is
     * not (or no longer) failed or dead, so a double click retries once.
     */
    async retry(id: string, now: number): Promise<boolean> {
      const row = await db.select({ status: deliveries.status }).from(deliveries).where(eq(deliveries.id, id)).get();
      if (!row || (row.status !== "dead" && row.status !== "failed")) return false;
      await write([
        db
          .update(deliveries)
          .set({ status: "pending", attempts: 0, lastError: null, updatedAt: now })
          .where(and(eq(deliveries.id, id), inArray(deliveries.status, ["dead", "failed"]))),
        db
          .insert(jobs)
          .values({ id: `deliver:${id}`, kind: "deliver", ref: id, runAt: now, createdAt: now })
          .onConflictDoUpdate({ target: jobs.id, set: { runAt: now, attempts: 0, leaseOwner: null, leaseUntil: null } }),
      ]);
      return true;
    },
  };
}
