import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { HeraldDb } from "../db.js";

/** Saved versions kept per template; older ones go (the admin UI lists the newest 100). */
export const TEMPLATE_VERSIONS_KEPT = 100;

type Write = (items: BatchItem<"sqlite">[]) => Promise<Record<string, unknown>[][]>;

/**
 * Deleting what is older than the retention settings, one bounded batch per call: every method
 * deletes at most `limit` rows of its table and answers how many went, so housekeeping can stop
 * when a call comes back short or its budget is spent. Each batch is a few statements that bind
 * a handful of values (D1: at most 100 per statement).
 *
 * Nothing that work still depends on goes: a notification with a delivery still `pending` (it has
 * a job) keeps its deliveries, and an event keeps as long as it has notifications or a plan or
 * plugin job. Jobs themselves are never deleted here.
 */
export function retentionRepository(db: HeraldDb, write: Write) {
  /** `changes()` of the statement before it, as a row: D1 and libSQL batches both answer rows. */
  const changes = () => db.run(sql`SELECT changes() AS n`);
  const count = (rows: Record<string, unknown>[] | undefined) => Number(rows?.[0]?.n ?? 0);

  return {
    /**
     * Notifications of events received before `before`, with their deliveries and clicks. Their ids
     * start with that time (core/ids.ts), so the primary key finds them without an index of its own.
     */
    async deleteNotifications(before: number, limit: number): Promise<number> {
      const bound = `ntf_${Math.max(0, Math.floor(before)).toString(36).padStart(9, "0")}`;
      const found = await db.all<{ id: string }>(sql`SELECT id FROM notifications
        WHERE id < ${bound} AND NOT EXISTS (SELECT 1 FROM deliveries AS d WHERE d.notification_id = notifications.id AND d.status = 'pending')
        ORDER BY id LIMIT ${limit}`);
      if (found.length === 0) return 0;
      const ids = JSON.stringify(found.map((r) => r.id));
      // The checks again, inside the transaction: a delivery retried from the admin UI since the
      // SELECT is pending again and keeps its notification.
      const results = await write([
        db.run(sql`DELETE FROM deliveries WHERE notification_id IN (SELECT value FROM json_each(${ids}))
          AND NOT EXISTS (SELECT 1 FROM deliveries AS p WHERE p.notification_id = deliveries.notification_id AND p.status = 'pending')`),
        db.run(sql`DELETE FROM notification_clicks WHERE notification_id IN (SELECT value FROM json_each(${ids}))
          AND NOT EXISTS (SELECT 1 FROM deliveries AS d WHERE d.notification_id = notification_clicks.notification_id)`),
        db.run(sql`DELETE FROM notifications WHERE id IN (SELECT value FROM json_each(${ids}))
          AND NOT EXISTS (SELECT 1 FROM deliveries AS d WHERE d.notification_id = notifications.id)`),
        changes(),
      ]);
      return count(results[3]);
    },

    /**
     * Inbox items (notifications and members' copies of room messages) created before `before`.
     * The unread counts follow by trigger (0006_unread_counts.sql). Each emptied stream's last seq
     * is kept as its floor, so the next item continues the sequence.
     */
    async deleteInbox(before: number, limit: number): Promise<number> {
      const oldest = sql`SELECT subscriber_id, seq FROM inbox INDEXED BY inbox_by_time WHERE created_at < ${before} ORDER BY created_at LIMIT ${limit}`;
      const results = await write([
        db.run(sql`INSERT INTO inbox_seq_floor (subscriber_id, seq)
          SELECT subscriber_id, MAX(seq) FROM (${oldest}) WHERE true GROUP BY subscriber_id
          ON CONFLICT (subscriber_id) DO UPDATE SET seq = MAX(inbox_seq_floor.seq, excluded.seq)`),
        db.run(sql`DELETE FROM inbox WHERE (subscriber_id, seq) IN (${oldest})`),
        changes(),
      ]);
      return count(results[2]);
    },

    /** Room messages posted before `before` (the members' copies go with the inbox). */
    async deleteTopicMessages(before: number, limit: number): Promise<number> {
      const results = await write([
        db.run(sql`DELETE FROM topic_messages WHERE id IN
          (SELECT id FROM topic_messages INDEXED BY topic_messages_by_time WHERE created_at < ${before} ORDER BY created_at LIMIT ${limit})`),
        changes(),
      ]);
      return count(results[1]);
    },

    /**
     * Events received before `before` that nothing refers to any more: no notification left and no
     * plan or plugin job. Their id is then free: the same id again is a new event.
     */
    async deleteEvents(before: number, limit: number): Promise<number> {
      const results = await write([
        db.run(sql`DELETE FROM events WHERE id IN
          (SELECT id FROM events INDEXED BY events_by_time WHERE received_at < ${before}
            AND NOT EXISTS (SELECT 1 FROM notifications AS n WHERE n.event_id = events.id)
            AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.id IN ('plan:' || events.id, 'plugin:' || events.id))
            ORDER BY received_at LIMIT ${limit})`),
        changes(),
      ]);
      return count(results[1]);
    },

    /**
     * Broadcasts made before `before` whose event is gone, with the template written for an ad hoc
     * one (`adHocTemplatePrefix` + the broadcast's id: core names it) and that template's history.
     */
    async deleteBroadcasts(before: number, limit: number, adHocTemplatePrefix: string): Promise<number> {
      const found = await db.all<{ id: string }>(sql`SELECT id FROM broadcasts INDEXED BY broadcasts_by_time
        WHERE created_at < ${before} AND NOT EXISTS (SELECT 1 FROM events WHERE events.id = broadcasts.id)
        ORDER BY created_at LIMIT ${limit}`);
      if (found.length === 0) return 0;
      const ids = JSON.stringify(found.map((r) => r.id));
      const keys = JSON.stringify(found.map((r) => `${adHocTemplatePrefix}${r.id}`));
      await write([
        db.run(sql`DELETE FROM template_versions WHERE key IN (SELECT value FROM json_each(${keys}))`),
        db.run(sql`DELETE FROM templates WHERE key IN (SELECT value FROM json_each(${keys}))`),
        db.run(sql`DELETE FROM broadcasts WHERE id IN (SELECT value FROM json_each(${ids}))`),
      ]);
      return found.length;
    },

    /** Saved template versions beyond the newest TEMPLATE_VERSIONS_KEPT of each template. */
    async trimTemplateVersions(limit: number): Promise<number> {
      const results = await write([
        db.run(sql`DELETE FROM template_versions WHERE (key, version) IN
          (SELECT v.key, v.version FROM templates AS t JOIN template_versions AS v ON v.key = t.key AND v.version <= t.version - ${TEMPLATE_VERSIONS_KEPT} LIMIT ${limit})`),
        changes(),
      ]);
      return count(results[1]);
    },
  };
}
