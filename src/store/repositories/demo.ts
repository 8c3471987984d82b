import { and, asc, gte, sql } from "drizzle-orm";
import type { HeraldDb } from "../db.js";
import { subscribers } from "../schema.js";

/** `x%` for LIKE, with LIKE's own wildcards in the prefix matched literally. */
const startsWith = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Finding and removing what the demo pages leave behind, by the prefixes core gives (routes/demo.ts). */
export function demoRepository(db: HeraldDb) {
  return {
    /** Ids of subscribers starting with `prefix`, in id order, at most `limit`. */
    async subscriberIds(prefix: string, limit: number): Promise<string[]> {
      const rows = await db
        .select({ id: subscribers.id })
        .from(subscribers)
        .where(and(sql`${subscribers.id} LIKE ${startsWith(prefix)} ESCAPE '\\'`, gte(subscribers.id, prefix)))
        .orderBy(asc(subscribers.id))
        .limit(limit)
        .all();
      return rows.map((r) => r.id);
    },
    /** Removes the rooms whose key starts with `prefix`: settings, memberships, messages and their receipts (a trigger). Returns how many. */
    async removeRooms(prefix: string): Promise<number> {
      const pattern = startsWith(prefix);
      const rows = await db.all<{ n: number }>(sql`SELECT count(DISTINCT topic) AS n FROM topic_subscribers WHERE topic LIKE ${pattern} ESCAPE '\\'`);
      await db.run(sql`DELETE FROM topic_subscribers WHERE topic LIKE ${pattern} ESCAPE '\\'`);
      await db.run(sql`DELETE FROM topic_messages WHERE topic LIKE ${pattern} ESCAPE '\\'`);
      const settings = await db.all<{ key: string }>(sql`DELETE FROM topics WHERE key LIKE ${pattern} ESCAPE '\\' RETURNING key`);
      return Math.max(Number(rows[0]?.n ?? 0), settings.length);
    },
  };
}
