import { sql } from "drizzle-orm";
import type { HeraldDb } from "../db.js";

export interface EventHit {
  id: string;
  type: string;
  receivedAt: number;
  notifications: number;
}

/**
 * Finding events for the admin's event timeline: by exact id, by type, or by a subscriber they
 * notified. Id and subscriber use indexes (the primary key, notifications_by_subscriber); a type
 * or the latest events scan `events` newest first up to `limit`, a cost paid only when an admin
 * searches, rather than an index every accepted event would have to update.
 */
export function eventSearchRepository(db: HeraldDb) {
  return {
    async find(q: string, limit: number): Promise<EventHit[]> {
      const columns = sql`SELECT e.id AS id, e.type AS type, e.received_at AS receivedAt, (SELECT count(*) FROM notifications n WHERE n.event_id = e.id) AS notifications FROM events e`;
      if (!q) return db.all(sql`${columns} ORDER BY e.received_at DESC LIMIT ${limit}`);
      return db.all(sql`${columns} WHERE e.id = ${q}
        UNION SELECT * FROM (${columns} WHERE e.id IN (SELECT event_id FROM notifications WHERE subscriber_id = ${q} ORDER BY created_at DESC LIMIT ${limit}))
        UNION SELECT * FROM (${columns} WHERE e.type = ${q} ORDER BY e.received_at DESC LIMIT ${limit})
        ORDER BY receivedAt DESC LIMIT ${limit}`);
    },
  };
}
